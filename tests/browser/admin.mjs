// The back office in Debian's headless Chromium (issue 4): a writer logs
// in, writes an article with a table pasted from Word and an uploaded
// picture, submits it; a reviewer approves it; the public page shows it.
// Reads FUPIN_URL, FUPIN_CHROMIUM, FUPIN_SHOTS, FUPIN_PNG (a picture to
// upload) and FUPIN_PASSWORD. Exits non-zero on the first failure.
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { axeViolations } from './axe.mjs';

const base = process.env.FUPIN_URL;
const shots = process.env.FUPIN_SHOTS || '.';
const password = process.env.FUPIN_PASSWORD;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

const browser = await chromium.launch({
  executablePath: process.env.FUPIN_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
const page = await context.newPage();
const errors = [];
page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text() + ' @ ' + (msg.location().url || '') + ' on ' + page.url()); });
page.on('pageerror', (err) => errors.push(String(err)));
page.on('dialog', (d) => d.accept());
const missing = [];
page.on('response', (r) => { if (r.status() === 404) missing.push(r.url()); });

async function login(name) {
  await page.goto(base + '/admin/login');
  await page.fill('#username', name);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check(new URL(page.url()).pathname === '/admin', `${name}: after login at ${page.url()}`);
}

async function logout() {
  await Promise.all([page.waitForNavigation(), page.click('.admin-user button')]);
}

try {
  await login('zhuangao');
  await page.screenshot({ path: join(shots, 'admin-dashboard.png'), fullPage: true });
  await page.goto(base + '/admin/articles/new');
  await page.waitForSelector('.fe-area');
  await page.fill('#title', '浏览器测试：连樟村产业账');
  await page.click('.fe-area');
  await page.keyboard.type('村里的合作社今年分红如下。');
  await page.keyboard.press('Enter');
  // What Word puts on the clipboard: styles, classes, o:p and mso junk.
  const word = '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style></head>'
    + '<body><!--StartFragment--><p class="MsoNormal" style="mso-line-height-rule:exactly"><b>分红明细</b><o:p></o:p></p>'
    + '<table class="MsoTableGrid" border="1" style="border-collapse:collapse">'
    + '<tr><td style="width:100pt"><p class="MsoNormal">户主<o:p></o:p></p></td><td><p class="MsoNormal">金额（元）</p></td></tr>'
    + '<tr><td><p class="MsoNormal">陈伯</p></td><td><p class="MsoNormal" onclick="alert(1)">3200</p></td></tr>'
    + '</table><!--EndFragment--></body></html>';
  await page.$eval('.fe-area', (area, html) => {
    const data = new DataTransfer();
    data.setData('text/html', html);
    data.setData('text/plain', '分红明细');
    area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, word);
  const pasted = await page.$eval('.fe-area', (a) => a.innerHTML);
  check(/<table/.test(pasted) && /陈伯/.test(pasted), `pasted table kept: ${pasted}`);
  check(!/Mso|style=|onclick|o:p/.test(pasted), `Word junk removed: ${pasted}`);
  // Upload a picture through the toolbar.
  await page.click('.fe-area');
  await page.keyboard.press('End');
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.click('.fe-toolbar button:has-text("图片")'),
  ]);
  await chooser.setFiles(process.env.FUPIN_PNG);
  await page.waitForFunction(() => document.querySelector('.fe-area img[src^="/media/"]'), null, { timeout: 15000 });
  await page.screenshot({ path: join(shots, 'admin-editor.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=submit]')]);
  const edit = new URL(page.url());
  check(edit.searchParams.get('msg') === 'submitted', `submitted: ${page.url()}`);
  check((await page.textContent('.flash')).includes('已提交审核'), 'the writer is told it was submitted');
  const id = edit.pathname.split('/')[3];
  await logout();

  await login('shenhe');
  await page.goto(base + '/admin/articles?status=pending');
  check((await page.content()).includes('浏览器测试：连樟村产业账'), 'in the reviewer\'s queue');
  await page.screenshot({ path: join(shots, 'admin-pending.png'), fullPage: true });
  await page.goto(base + `/admin/articles/${id}`);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/publish"] button')]);
  check((await page.textContent('.flash')).includes('发布成功'), 'published');
  await logout();

  const response = await page.goto(base + `/a/${id}.html`);
  check(response.status() === 200, `public page: ${response.status()}`);
  const body = await page.$eval('.article-body', (b) => b.innerHTML);
  check(/<table/.test(body) && /<td>[^<]*陈伯/.test(body.replace(/<p>/g, '')), `table on the public page: ${body}`);
  check(!/onclick|style=|class="Mso/.test(body), `public body clean: ${body}`);
  const img = await page.$eval('.article-body img', (i) => ({ src: i.getAttribute('src'), w: i.naturalWidth }));
  check(img.src.startsWith('/media/') && img.w > 0, `picture shown: ${JSON.stringify(img)}`);
  await page.screenshot({ path: join(shots, 'admin-published-article.png'), fullPage: true });

  // Issue 21: axe-core on the article written through the editor (picture
  // and table), standard and 关怀版, and on every back-office page, at
  // 1366 and 390 px.
  const sizes = [{ width: 1366, height: 900 }, { width: 390, height: 844 }];
  for (const viewport of sizes) {
    await page.setViewportSize(viewport);
    for (const care of ['0', '1']) {
      await context.addCookies([{ name: 'care', value: care, url: base }]);
      await page.goto(base + `/a/${id}.html`);
      const v = await axeViolations(page, { enhanced: care === '1' });
      check(v.length === 0, `axe ${viewport.width}px article${care === '1' ? ' 关怀版' : ''}: ${v.join(' | ')}`);
    }
  }
  await context.addCookies([{ name: 'care', value: '0', url: base }]);
  await page.goto(base + '/admin/login');
  const v = await axeViolations(page);
  check(v.length === 0, `axe login: ${v.join(' | ')}`);
  await page.setViewportSize(sizes[0]);
  await login('guanli');
  const adminPages = ['/admin', '/admin/articles', '/admin/articles?status=pending', '/admin/articles/new',
    `/admin/articles/${id}`, '/admin/channels', '/admin/pages', '/admin/pages/new', '/admin/announcements',
    '/admin/media', '/admin/mailbox', '/admin/mailbox/report', '/admin/mailbox/settings', '/admin/stats',
    '/admin/settings', '/admin/users', '/admin/audit', '/admin/trash', '/admin/search/words',
    '/admin/account', '/admin/account/totp', '/admin/backups', '/admin/media?trash=1'];
  for (const viewport of sizes) {
    await page.setViewportSize(viewport);
    for (const path of adminPages) {
      const r = await page.goto(base + path);
      check(r.status() === 200, `${path}: status ${r.status()}`);
      const found = await axeViolations(page);
      check(found.length === 0, `axe ${viewport.width}px ${path}: ${found.join(' | ')}`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(wide <= 0, `${viewport.width}px ${path}: ${wide}px wider than the screen`);
    }
  }
  // At 390 px the chart fits its box and a wide table scrolls in a region
  // reachable by Tab.
  await page.goto(base + '/admin/stats');
  const chart = await page.$eval('.chart img', (i) => ({ w: i.getBoundingClientRect().width, box: i.closest('.chart').clientWidth, src: i.currentSrc }));
  check(chart.w <= chart.box && chart.w > 200, `the chart scales with its box: ${JSON.stringify(chart)}`);
  // A phone gets the narrow drawing, whose text stays readable.
  check(chart.src.includes('narrow=1'), `the phone's chart: ${JSON.stringify(chart)}`);
  await page.goto(base + '/admin/articles');
  const region = await page.evaluate(() => {
    const w = document.querySelector('.table-scroll');
    return w && { role: w.getAttribute('role'), tab: w.getAttribute('tabindex'), label: w.getAttribute('aria-label'), scrolls: w.scrollWidth > w.clientWidth };
  });
  check(region && region.role === 'region' && region.label && (!region.scrolls || region.tab === '0'), `wide table region: ${JSON.stringify(region)}`);
  await logout();
} catch (e) {
  failures.push(String(e && e.stack || e));
}
const real = errors;
check(real.length === 0, `console errors (CSP or script): ${real.join(' | ')} ${missing.join(' ')}`);
await browser.close();
if (failures.length) {
  console.log(failures.join('\n'));
  process.exit(1);
}
console.log('all back-office browser checks passed');
