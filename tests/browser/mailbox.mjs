// The mailbox in a real browser: letters whose fields are XSS payloads are
// typed into the public form, answered by staff in the back office, and
// read on the receipt, the query page, the inbox, the letter page, the
// dashboard and the public board. No script may run, no element may be
// injected, nothing may load from elsewhere, and the payloads must show as
// the text they are. Also screenshots of the mailbox and statistics pages.
//
// Reads FUPIN_URL, FUPIN_CHROMIUM, FUPIN_SHOTS, FUPIN_SESSION (a staff
// session cookie) and FUPIN_LETTERS (a JSON file of letters and replies).
// Asks the test for captcha answers on stdout ("NEED captcha ID") and reads
// them from stdin. Prints "RESULT ok" or the failures.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import readline from 'node:readline';

const base = process.env.FUPIN_URL;
const shots = process.env.FUPIN_SHOTS || '.';
const { letters } = JSON.parse(readFileSync(process.env.FUPIN_LETTERS, 'utf8'));
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function ask(question) {
  console.log(question);
  const { value } = await lines.next();
  return (value || '').trim();
}
// What the server keeps of a text: controls and invisible marks dropped.
const clean = (s, multi) => s.replace(/\r\n?/g, '\n')
  .replace(multi ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g
    : /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();

const browser = await chromium.launch({
  executablePath: process.env.FUPIN_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
await context.addCookies([{ name: 'fupin_session', value: process.env.FUPIN_SESSION, url: base }]);
// Every way a payload could announce itself sets a marker.
await context.addInitScript(() => {
  window.__xss = 0;
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    const original = window[name];
    window[name] = function () { window.__xss += 1; return original ? undefined : undefined; };
  }
});
const page = await context.newPage();
const incidents = [];
page.on('dialog', async (d) => { incidents.push('dialog: ' + d.message()); await d.dismiss(); });
page.on('pageerror', (e) => incidents.push('page error: ' + e));
page.on('console', (m) => {
  const t = m.text();
  if (/Content Security Policy|Refused to (execute|load|apply)/i.test(t)) incidents.push('CSP: ' + t.slice(0, 160));
});
page.on('request', (r) => {
  const u = r.url();
  if (!u.startsWith(base) && !u.startsWith('data:') && u !== 'about:blank') incidents.push('request elsewhere: ' + u.slice(0, 160));
});

// Scans the DOM for anything a payload could have made.
async function inspect(label) {
  const found = await page.evaluate(() => {
    const bad = [];
    const banned = ['iframe', 'object', 'embed', 'svg', 'math', 'frame', 'frameset', 'base', 'style',
      'video', 'audio', 'marquee', 'applet', 'isindex', 'xss', 'xmp', 'plaintext', 'template'];
    for (const el of document.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (banned.includes(tag)) bad.push('<' + tag + '>');
      for (const a of el.attributes) {
        if (a.name.startsWith('on')) bad.push(tag + '[' + a.name + ']');
        if (/^(href|src|action|formaction|data|xlink:href)$/.test(a.name) && /^\s*(javascript|vbscript|data):/i.test(a.value)) bad.push(tag + '[' + a.name + '=' + a.value.slice(0, 30) + ']');
      }
      if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) bad.push('script ' + (el.getAttribute('src') || 'inline'));
      if (tag === 'img' && !/^\/(static|mailbox\/captcha|admin\/stats)\//.test(el.getAttribute('src') || '')) bad.push('img ' + el.getAttribute('src'));
      if (tag === 'meta' && el.hasAttribute('http-equiv')) bad.push('meta http-equiv');
      if (tag === 'link' && !(el.getAttribute('href') || '').startsWith('/static/') && !['canonical', 'alternate'].includes(el.getAttribute('rel'))) bad.push('link ' + el.getAttribute('rel'));
    }
    // Letter text is plain text: no child elements at all.
    for (const el of document.querySelectorAll('.letter-text, .plain-text, .letter-subject, .letter-title, .letter-facts dd:not(:has(.status))')) {
      if (el.children.length) bad.push('element inside ' + el.className);
    }
    return { bad, marker: window.__xss };
  });
  check(found.marker === 0, `${label}: a script ran (${found.marker})`);
  check(found.bad.length === 0, `${label}: injected ${[...new Set(found.bad)].slice(0, 6).join(', ')}`);
  check(incidents.length === 0, `${label}: ${incidents.slice(0, 4).join(' | ')}`);
  incidents.length = 0;
}

const receipts = [];
for (const [i, l] of letters.entries()) {
  await page.goto(base + '/mailbox');
  await inspect(`form ${i}`);
  const cid = await page.inputValue('input[name=captcha_id]');
  const answer = await ask('NEED captcha ' + cid);
  await page.fill('#f-name', l.name);
  await page.fill('#f-phone', '13800138000');
  await page.fill('#f-email', 'writer@example.com');
  await page.fill('#f-subject', l.subject);
  await page.selectOption('#f-category', 'other');
  await page.fill('#f-body', l.body);
  await page.check('#f-publish');
  await page.fill('#f-captcha', answer);
  if (i === 0) await page.screenshot({ path: join(shots, 'mailbox-form-desktop.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('.form-actions button[value=send]')]);
  const number = (await page.textContent('#letter-number') || '').trim();
  const code = (await page.textContent('#letter-code') || '').trim();
  check(number && code, `letter ${i}: no receipt (${(await page.textContent('main')).slice(0, 200)})`);
  await inspect(`receipt ${i}`);
  receipts.push({ number, code, ...l });
}

// Staff reply to each letter through the back office.
await page.goto(base + '/admin/mailbox');
await inspect('inbox');
await page.screenshot({ path: join(shots, 'mailbox-inbox.png'), fullPage: true });
const links = await page.$$eval('table.letters td.nowrap a', (as) => as.map((a) => a.getAttribute('href')));
check(links.length === letters.length, `inbox lists ${links.length} of ${letters.length} letters`);
for (const [i, href] of links.entries()) {
  await page.goto(base + href);
  const number = (await page.textContent('.letter-facts dd')).trim();
  const r = receipts.find((x) => x.number === number);
  await page.fill('#note', r.reply);
  await Promise.all([page.waitForNavigation(), page.click('.notes button[type=submit]')]);
  await page.fill('#reply', r.reply);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/reply"] button[type=submit]')]);
  await inspect(`letter page ${i}`);
  const body = await page.textContent('.letter-body');
  check(body === clean(r.body, true), `letter page ${i}: the body is not shown as typed`);
  if (i === 0) await page.screenshot({ path: join(shots, 'mailbox-letter.png'), fullPage: true });
}
await page.goto(base + '/admin');
await inspect('dashboard');
// The test publishes every answered letter, then the public pages.
check(await ask('NEED publish') === 'OK', 'publishing failed');
for (const [i, r] of receipts.entries()) {
  await page.goto(base + '/mailbox/query');
  await page.fill('#q-number', r.number);
  await page.fill('#q-code', r.code);
  await Promise.all([page.waitForNavigation(), page.click('.query-form button[type=submit]')]);
  await inspect(`query ${i}`);
  const texts = await page.$$eval('.letter-text', (els) => els.map((e) => e.textContent));
  check(texts[0] === clean(r.body, true), `query ${i}: body differs`);
  check(texts[1] === clean(r.reply, true), `query ${i}: reply differs`);
  check((await page.textContent('.letter-subject')) === clean(r.subject, false), `query ${i}: subject differs`);
}
const seen = [];
for (let n = 1; n <= 5; n++) {
  const resp = await page.goto(base + '/mailbox/board' + (n > 1 ? '?page=' + n : ''));
  if (resp.status() !== 200) break;
  await inspect(`board page ${n}`);
  if (n === 1) await page.screenshot({ path: join(shots, 'mailbox-board-desktop.png'), fullPage: false });
  seen.push(...await page.$$eval('.letter-public .letter-text:not(.letter-reply)', (els) => els.map((e) => e.textContent)));
  const text = await page.textContent('main');
  check(!text.includes('13800138000') && !text.includes('writer@example.com'), `board page ${n}: contact details shown`);
}
for (const r of receipts) check(seen.includes(clean(r.body, true)), `board: letter ${r.number} missing or altered`);

// Screenshots of the statistics page.
for (const w of [1280, 390]) {
  await page.setViewportSize({ width: w, height: 900 });
  await page.goto(base + '/admin/stats');
  await page.waitForLoadState('load');
  const ok = await page.$eval('figure.chart img', (img) => img.complete && img.naturalWidth > 0);
  check(ok, `stats ${w}: the chart image did not load`);
  await page.screenshot({ path: join(shots, `stats-${w}.png`), fullPage: true });
}
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(base + '/mailbox');
await page.screenshot({ path: join(shots, 'mailbox-form-phone.png'), fullPage: true });
const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
check(wide <= 0, `mailbox form is ${wide}px wider than a phone`);
await page.goto(base + '/admin/stats/chart.svg');
await page.screenshot({ path: join(shots, 'stats-chart.png') });

await browser.close();
console.log(failures.length ? 'RESULT failed\n' + failures.join('\n') : 'RESULT ok');
process.exit(failures.length ? 1 : 0);
