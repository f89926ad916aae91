// axe-core (pinned in package.json) run in a page: WCAG 2.1 A and AA, plus
// the AAA contrast rule when asked (关怀版). Returns one line per violation.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function axeViolations(page, { enhanced = false } = {}) {
  // Evaluated through the DevTools protocol: the page's CSP does not apply.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(source);
  }
  const result = await page.evaluate(async (enhanced) => {
    const options = {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    };
    if (enhanced) options.rules = { 'color-contrast-enhanced': { enabled: true } };
    const r = await window.axe.run(document, options);
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' ; ')}`);
  }, enhanced);
  return result;
}
