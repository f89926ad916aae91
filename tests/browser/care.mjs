// Issue 21 in Debian's headless Chromium: axe-core (WCAG 2.1 A and AA, and
// the AAA contrast rule in 关怀版) on every public page type at 390 and
// 1366 px; the 关怀版 sizes, targets and stillness; the article's first line
// on a phone; the condensed phone header; keyboard-only use of the home
// page, an article (朗读), search and the mailbox, whose 算术题 is solved
// without the image. Reads FUPIN_URL and FUPIN_CHROMIUM. Exits non-zero
// on failures, listing them.
import { chromium } from 'playwright-core';
import { axeViolations } from './axe.mjs';

const base = process.env.FUPIN_URL;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

const browser = await chromium.launch({
  executablePath: process.env.FUPIN_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

const phone = { width: 390, height: 844 };
const desktop = { width: 1366, height: 900 };

async function context(viewport, { care = false, js = true } = {}) {
  // Motion allowed: 关怀版 must be still by itself.
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', reducedMotion: 'no-preference', javaScriptEnabled: js });
  if (care) await ctx.addCookies([{ name: 'care', value: '1', url: base }]);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return { ctx, page, errors };
}

// Chinese numerals up to 99, as the 算术题 writes them.
function numeral(text) {
  const d = '零一二三四五六七八九';
  if (/^\d+$/.test(text)) return Number(text);
  const at = text.indexOf('十');
  if (at < 0) return d.indexOf(text);
  const tens = at === 0 ? 1 : d.indexOf(text[0]);
  const ones = at === text.length - 1 ? 0 : d.indexOf(text[at + 1]);
  return tens * 10 + ones;
}

try {
  // The page types, found from the home page.
  const probe = await context(desktop);
  await probe.page.goto(base + '/');
  const article = await probe.page.$eval('main a[href^="/a/"]', (a) => a.getAttribute('href'));
  const channel = await probe.page.$eval('.channel-nav-list a[href^="/c/"]', (a) => a.getAttribute('href'));
  await probe.ctx.close();
  const types = [
    ['home', '/'], ['channel', channel], ['article', article], ['single page', '/p/about.html'],
    ['map', '/map.html'], ['contact', '/contact.html'], ['search', '/search?q=%E6%89%B6%E8%B4%AB'],
    ['search form', '/search'], ['mailbox', '/mailbox'], ['mailbox query', '/mailbox/query'],
    ['mailbox board', '/mailbox/board'], ['404', '/no-such-page'],
  ];

  for (const viewport of [phone, desktop]) {
    for (const care of [false, true]) {
      const tag = `${viewport.width}px${care ? ' 关怀版' : ''}`;
      const { ctx, page, errors } = await context(viewport, { care });
      for (const [name, path] of types) {
        await page.goto(base + path);
        const violations = await axeViolations(page, { enhanced: care });
        check(violations.length === 0, `${tag} ${name}: axe: ${violations.join(' | ')}`);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        check(wide <= 0, `${tag} ${name}: ${wide}px wider than the screen`);
        if (!care) continue;
        const c = await page.evaluate(() => {
          // The page's reading text: article paragraphs, list titles, or the body.
          const text = ['.article-body p', '.news-list a', '.search-hit-snippet', '.error-message', '.mailbox-intro']
            .map((q) => document.querySelector(q)).find((e) => e) || document.body;
          const s = getComputedStyle(text);
          const small = [];
          const sel = '.site-header a, .site-header button, .site-header input, .news-list a, .block-more, '
            + '.pagination a, .footer-links a, .to-top a, .speak button, .breadcrumb a, main form button, '
            + 'main form input[type=text], main select, .subchannels a, .map-pages a';
          for (const el of document.querySelectorAll(sel)) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
            if (el.closest('.visually-hidden, .skip-link')) continue;
            if (r.height < 47.5) small.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 8)}" ${Math.round(r.height)}px`);
          }
          const h1 = document.querySelector('h1:not(.visually-hidden)');
          return {
            size: parseFloat(s.fontSize),
            lineHeight: parseFloat(s.lineHeight) / parseFloat(s.fontSize),
            body: parseFloat(getComputedStyle(document.body).fontSize),
            h1: h1 ? parseFloat(getComputedStyle(h1).fontSize) : null,
            running: document.getAnimations().filter((a) => a.playState === 'running').length,
            small: small.slice(0, 4),
          };
        });
        check(c.body >= 22 && c.size >= 22, `${tag} ${name}: text ${c.size}px, body ${c.body}px`);
        check(c.lineHeight >= 1.79, `${tag} ${name}: line height ${c.lineHeight.toFixed(2)}`);
        check(c.h1 === null || c.h1 >= 1.4 * c.body, `${tag} ${name}: heading ${c.h1}px`);
        check(c.running === 0, `${tag} ${name}: ${c.running} animations running`);
        check(c.small.length === 0, `${tag} ${name}: targets under 48px: ${c.small.join(', ')}`);
      }
      check(errors.length === 0, `${tag}: script errors: ${errors.join(' | ')}`);
      await ctx.close();
    }
  }

  // A phone at 中: the article's first line within the first 400 px; the
  // header folded; the channel row scrollable and showing the current one.
  {
    const { ctx, page } = await context(phone);
    await page.goto(base + article);
    const top = await page.$eval('.article-body p', (p) => p.getBoundingClientRect().top);
    check(top <= 400, `phone: the article's first line at ${Math.round(top)}px (want <= 400)`);
    check(!(await page.isVisible('.font-switch')) && !(await page.isVisible('#search-q')), 'phone: date line and search folded');
    await page.click('.phone-tool[aria-controls="site-tools"]');
    check(await page.isVisible('.font-switch a[data-fs="l"]'), 'phone: 菜单 opens the font switch');
    await page.click('.phone-tool[aria-controls="site-search"]');
    check(await page.evaluate(() => document.activeElement.id === 'search-q'), 'phone: 搜索 opens and focuses the box');
    await page.goto(base + '/c/guoji-jiaoliu/');
    const nav = await page.evaluate(() => {
      const list = document.querySelector('.channel-nav-list');
      const cur = list.querySelector('a[aria-current]');
      const l = list.getBoundingClientRect(); const c = cur && cur.getBoundingClientRect();
      return { scrolls: list.scrollWidth > list.clientWidth, shown: !!c && c.left >= l.left - 1 && c.right <= l.right + 1, left: list.scrollLeft };
    });
    check(nav.scrolls && nav.shown && nav.left > 0, `phone: channel row scrolled to the current channel ${JSON.stringify(nav)}`);
    await page.goto(base + '/');
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    check(height <= 3700, `phone: home page ${height}px long (want <= 3700)`);
    await ctx.close();
  }

  // 关怀版 without script: the server's switch, remembered.
  {
    const { ctx, page } = await context(desktop, { js: false });
    await page.goto(base + article);
    await Promise.all([page.waitForNavigation(), page.click('a.care-switch')]);
    check(new URL(page.url()).pathname === article, `no-JS switch returns to the article: ${page.url()}`);
    check(await page.evaluate(() => document.body.classList.contains('care')), 'no-JS: 关怀版 on');
    await page.goto(base + '/');
    check(await page.evaluate(() => document.body.classList.contains('care')), 'no-JS: 关怀版 remembered');
    await Promise.all([page.waitForNavigation(), page.click('a.care-switch')]);
    check(!(await page.evaluate(() => document.body.classList.contains('care'))), 'no-JS: back to the standard version');
    await ctx.close();
  }

  // A page written without the reader's choice (as a static export writes
  // every page) follows the cookies the switch set: site.js applies them.
  {
    const { ctx, page } = await context(phone);
    const html = await (await ctx.request.get(base + article)).text();
    check(!/class="fs-m care/.test(html), 'the standard page has no 关怀版 class');
    await ctx.addCookies([{ name: 'care', value: '1', url: base }, { name: 'fs', value: 'l', url: base }]);
    await page.route(base + article, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(base + article);
    await page.waitForFunction(() => document.body.classList.contains('care'));
    const applied = await page.evaluate(() => ({
      fs: document.body.classList.contains('fs-l'),
      label: document.querySelector('a.care-switch').textContent,
      size: parseFloat(getComputedStyle(document.querySelector('.article-body p')).fontSize),
    }));
    check(applied.fs && applied.label === '标准版' && applied.size >= 26, `a static page follows the cookies: ${JSON.stringify(applied)}`);
    await page.unroute(base + article);
    // And the switch works in place, setting the cookie the server reads.
    await page.click('.phone-tool[aria-controls="site-tools"]');
    await page.click('a.care-switch');
    check(!(await page.evaluate(() => document.body.classList.contains('care'))), 'the switch turns 关怀版 off in place');
    const cookies = await ctx.cookies(base);
    check(cookies.some((c) => c.name === 'care' && c.value === '0'), `the switch sets care=0: ${JSON.stringify(cookies)}`);
    await ctx.close();
  }

  // Keyboard only, at 1366 px.
  {
    const { ctx, page, errors } = await context(desktop);
    // Home: every control reached by Tab, each with a visible ring.
    await page.goto(base + '/');
    const wanted = await page.evaluate(() => {
      const all = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]');
      return Array.from(all).filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !el.closest('[aria-hidden=true]') && el.tabIndex >= 0; }).length;
    });
    const seen = new Set();
    const unringed = [];
    for (let i = 0; i < wanted + 5; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        // A card's stretched link rings the whole card.
        const ringed = (e) => { const s = getComputedStyle(e); return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'; };
        const card = el.closest('.card, .headline-card');
        const ring = ringed(el) || (card !== null && ringed(card));
        const key = el.tagName + '|' + (el.getAttribute('href') || el.id || el.textContent.trim().slice(0, 10)) + '|' + Math.round(el.getBoundingClientRect().top + scrollY);
        return { key, ring, text: el.textContent.trim().slice(0, 10) };
      });
      if (!f) continue;
      seen.add(f.key);
      if (!f.ring) unringed.push(f.text);
    }
    check(seen.size >= wanted, `keyboard home: ${seen.size} of ${wanted} controls reached by Tab`);
    check(unringed.length === 0, `keyboard home: focus not visible on ${unringed.slice(0, 5).join(', ')}`);
    // Enter on a focused news link opens the article.
    await page.focus('.news-list a[href^="/a/"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    check(/\/a\/\d+\.html$/.test(page.url()), `keyboard: Enter opens an article (${page.url()})`);

    // Article: 朗读 by keyboard (the speech engine itself is replaced by a
    // recorder: a headless browser has no voices).
    await page.goto(base + article);
    await page.evaluate(() => { window.__spoken = []; window.speechSynthesis.speak = (u) => window.__spoken.push(u.text); });
    let found = false;
    for (let i = 0; i < 80 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement.matches('.speak button'));
    }
    check(found, 'keyboard article: the 朗读 button is reached by Tab');
    await page.keyboard.press('Enter');
    const spoken = await page.evaluate(() => ({ n: window.__spoken.length, first: window.__spoken[0], pressed: document.querySelector('.speak button').getAttribute('aria-pressed') }));
    const title = await page.textContent('.article-title');
    check(spoken.n >= 2 && spoken.first === title && spoken.pressed === 'true', `朗读 reads title and body: ${JSON.stringify(spoken)}`);
    await page.keyboard.press('Enter');
    check(await page.getAttribute('.speak button', 'aria-pressed') === 'false', '朗读 stops on a second Enter');
    const silent = await browser.newContext({ viewport: desktop, locale: 'zh-CN' });
    const nospeech = await silent.newPage();
    await nospeech.addInitScript(() => { delete window.speechSynthesis; delete Window.prototype.speechSynthesis; });
    await nospeech.goto(base + article);
    check(await nospeech.$('.speak') === null, '朗读 is absent where the browser has no speech synthesis');
    await silent.close();

    // Search from the header by keyboard.
    await page.goto(base + '/');
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement.id === 'search-q')) break;
    }
    check(await page.evaluate(() => document.activeElement.id === 'search-q'), 'keyboard: the search box is reached by Tab');
    await page.keyboard.type('扶贫');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    check(page.url().includes('/search?q='), `keyboard search: ${page.url()}`);
    check(await page.$('.search-hit a') !== null, 'keyboard search: results shown');

    // The mailbox by keyboard, with the 算术题 instead of the image.
    await page.goto(base + '/mailbox');
    const tabTo = async (selector) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => document.activeElement.matches(s), selector)) return true;
      }
      failures.push(`keyboard mailbox: ${selector} not reached by Tab`);
      return false;
    };
    await tabTo('#f-name');
    await page.keyboard.type('李大妈');
    await tabTo('#f-phone');
    await page.keyboard.type('020-83881234');
    await tabTo('#f-subject');
    await page.keyboard.type('关于养老补贴的咨询');
    await tabTo('#f-category');
    await page.keyboard.press('ArrowDown');
    await tabTo('#f-body');
    await page.keyboard.type('请问家里老人的养老补贴应当如何申请，需要哪些材料？');
    await tabTo('button[value="sum"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    check(await page.$('.captcha-image') === null, 'the 算术题 comes without the image');
    check(await page.inputValue('#f-subject') === '关于养老补贴的咨询', 'switching kept what was typed');
    const q = await page.textContent('#captcha-question');
    const m = /^(.+)加(.+)等于多少？$/.exec(q.trim());
    check(m !== null, `a 算术题 in words: ${q}`);
    if (m) {
      await page.focus('#f-name');
      await tabTo('#f-captcha');
      await page.keyboard.type(String(numeral(m[1]) + numeral(m[2])));
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const number = await page.$('#letter-number');
      check(number !== null, `the letter is sent with the 算术题 answered: ${await page.textContent('main')}`);
      if (number) {
        const box = await number.boundingBox();
        const line = await number.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
        check(box.height < 1.5 * line, `the letter number stays on one line (${box.height}px)`);
      }
    }
    check(errors.length === 0, `keyboard: script errors: ${errors.join(' | ')}`);
    await ctx.close();
  }
} catch (e) {
  failures.push(String(e && e.stack || e));
}

await browser.close();
if (failures.length) {
  console.log(failures.join('\n'));
  process.exit(1);
}
console.log('all care and accessibility checks passed');
