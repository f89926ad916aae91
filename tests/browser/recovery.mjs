// The editor's recovery copy in Debian's headless Chromium (issue 16): a
// writer types an article, the tab is closed without saving, and opening
// the editor again offers the text back. Reads FUPIN_URL, FUPIN_CHROMIUM,
// FUPIN_PASSWORD. Exits non-zero on the first failure.
import { chromium } from 'playwright-core';

const base = process.env.FUPIN_URL;
const password = process.env.FUPIN_PASSWORD;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

const browser = await chromium.launch({
  executablePath: process.env.FUPIN_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
const errors = [];
function watch(page) {
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('dialog', (d) => d.accept());
}

try {
  let page = await context.newPage();
  watch(page);
  await page.goto(base + '/admin/login');
  await page.fill('#username', 'zhuangao');
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.goto(base + '/admin/articles/new');
  await page.waitForSelector('.fe-area');
  await page.fill('#title', '关掉标签页前写的标题');
  await page.click('.fe-area');
  await page.keyboard.type('这一段还没有保存，标签页就被关掉了。');
  // The copy is kept in the browser as soon as it is typed.
  await page.waitForFunction(() => {
    const v = localStorage.getItem('fupin-recovery:/admin/articles/new');
    return v && v.includes('标签页就被关掉了');
  });
  await page.close();

  page = await context.newPage();
  watch(page);
  await page.goto(base + '/admin/articles/new');
  await page.waitForSelector('#recovery-offer');
  check((await page.inputValue('#title')) === '', 'the form opens empty before the offer is taken');
  await page.click('#recovery-offer button.primary');
  check((await page.inputValue('#title')) === '关掉标签页前写的标题', 'the title comes back');
  const body = await page.$eval('.fe-area', (a) => a.innerText);
  check(body.includes('标签页就被关掉了'), `the body comes back: ${body}`);
  // Saving it ends the offer.
  await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=save]')]);
  check(/msg=saved/.test(page.url()), `saved: ${page.url()}`);
  await page.goto(base + '/admin/articles/new');
  check((await page.$('#recovery-offer')) === null, 'no offer after the save');
} catch (e) {
  failures.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
check(errors.length === 0, 'page errors: ' + errors.join('; '));
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('recovery copy browser checks passed');
