// Browser checks of the public site in Debian's headless Chromium.
// Reads FUPIN_URL (a running `fupin serve --demo`), FUPIN_CHROMIUM and
// FUPIN_SHOTS (where screenshots go). Exits non-zero on the first failure.
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const base = process.env.FUPIN_URL;
const shots = process.env.FUPIN_SHOTS || '.';
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

// playwright starts Chromium with a fresh temporary profile (--user-data-dir) of its own.
const browser = await chromium.launch({
  executablePath: process.env.FUPIN_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

const sizes = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];

// Finds the first article link on the home page.
async function firstArticle(page) {
  await page.goto(base + '/');
  return page.$eval('main a[href^="/a/"]', (a) => a.getAttribute('href'));
}

for (const size of sizes) {
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  const article = await firstArticle(page);
  const targets = [
    { name: 'home', path: '/', status: 200 },
    { name: 'channel', path: '/c/fupin-yaowen/', status: 200 },
    { name: 'article', path: article, status: 200 },
    { name: '404', path: '/no-such-page', status: 404 },
  ];
  for (const t of targets) {
    errors.length = 0;
    const response = await page.goto(base + t.path, { waitUntil: 'load' });
    check(response.status() === t.status, `${size.name} ${t.name}: status ${response.status()} (wanted ${t.status})`);
    // The 404 page itself is expected to log its status; ignore only that.
    const real = errors.filter((e) => !(t.status === 404 && /404/.test(e)));
    check(real.length === 0, `${size.name} ${t.name}: console errors: ${real.join(' | ')}`);
    const overflow = await page.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      const wide = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        // Elements inside a horizontal scroller (tables, the phone nav) may be wider.
        let p = el.parentElement, scrolled = false;
        while (p) {
          const ox = getComputedStyle(p).overflowX;
          if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { scrolled = true; break; }
          p = p.parentElement;
        }
        if (!scrolled && (r.right > vw + 1 || r.left < -1)) wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
      }
      return { page: document.documentElement.scrollWidth - vw, wide: wide.slice(0, 5) };
    });
    check(overflow.page <= 0, `${size.name} ${t.name}: page is ${overflow.page}px wider than the screen`);
    check(overflow.wide.length === 0, `${size.name} ${t.name}: wider than the screen: ${overflow.wide.join(', ')}`);
    for (const sel of ['header', 'nav', 'main', 'footer']) {
      check(await page.$(sel) !== null, `${size.name} ${t.name}: no <${sel}>`);
    }
    // The reading text of the page: list titles, article paragraphs, the error message.
    const body = await page.$eval('main', (m) => {
      const el = ['.article-body p', '.news-list a', '.error-message', 'p']
        .map((sel) => m.querySelector(sel)).find((e) => e) || m;
      return parseFloat(getComputedStyle(el).fontSize);
    });
    check(body >= 16, `${size.name} ${t.name}: main text ${body}px is too small`);
    await page.screenshot({ path: join(shots, `${t.name}-${size.name}.png`), fullPage: true });
  }
  // The article body reads at 17px or more, and 大 makes it at least 22px.
  await page.goto(base + article);
  const normal = await page.$eval('.article-body p', (p) => parseFloat(getComputedStyle(p).fontSize));
  check(normal >= 17, `${size.name}: article text ${normal}px (want >= 17)`);
  // On a phone the font switch is in the 菜单.
  if (size.width < 640) await page.click('.phone-tool[aria-controls="site-tools"]');
  await page.click('a[href^="/fontsize/l"]');
  await page.waitForLoadState('load');
  check(page.url().endsWith(article), `${size.name}: font switch returns to the article (${page.url()})`);
  const large = await page.$eval('.article-body p', (p) => parseFloat(getComputedStyle(p).fontSize));
  check(large >= 22, `${size.name}: 大 gives ${large}px (want >= 22)`);
  await page.screenshot({ path: join(shots, `article-large-${size.name}.png`), fullPage: false });
  await page.click('a[href^="/fontsize/m"]');
  check(await page.$eval('.article-body p', (p) => parseFloat(getComputedStyle(p).fontSize)) === normal, `${size.name}: 中 again`);
  await context.close();
}

await browser.close();
if (failures.length) {
  console.log(failures.join('\n'));
  process.exit(1);
}
console.log('all browser checks passed');
