// Browser tests of the 招商 brief (issue 17) against a running chainmap (CHAINMAP_URL):
// the DOCX for 郑州 and for a park, unzipped and read (scope, every gap row, the appendix,
// well-formed XML parts, Word structure), the PDF printed by headless Chromium (pages,
// headings, Chinese), and the URL state.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gql, launch, newPage, waitReady } from './browser.mjs';
import { unzip } from './zip.mjs';

const BASE = (process.env.CHAINMAP_URL || '').replace(/\/+$/, '');
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'brief');
if (!BASE) {
  console.error('CHAINMAP_URL is not set (e.g. http://127.0.0.1:8080); run scripts/test-frontend.sh');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

let browser;
let ds;
const errors = [];

before(async () => {
  browser = await launch();
  ds = (await gql(BASE, '{ dataset { focusChain { id } focusRegion { id nameZh } } parks { id nameZh nameEn } }'));
});
after(async () => {
  await browser?.close();
});

async function open(hash, opts) {
  const p = await newPage(browser, opts);
  p.page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  p.page.on('pageerror', (e) => errors.push(String(e)));
  await p.page.goto(`${BASE}/${hash}`);
  await waitReady(p.page, 'brief', 60_000);
  return p;
}

/** The API's gaps (missing and weak segments) in a scope. */
async function apiGaps(scope, verifiedOnly = false) {
  const d = await gql(BASE, `query($c: ID!, $s: ScopeInput!, $v: Boolean) { gapAnalysis(chain: $c, scope: $s, verifiedOnly: $v) { segments { segment { id } status } } }`,
    { c: ds.dataset.focusChain.id, s: scope, v: verifiedOnly });
  return d.gapAnalysis.segments.filter((g) => g.status !== 'STRONG').map((g) => g.segment.id);
}

const unescapeXml = (s) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]);

/** The text of each w:p paragraph of a WordprocessingML part, and of each table cell. */
function paragraphs(xml) {
  return xml.split('</w:p>').map((p) => unescapeXml([...p.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('')));
}

/** Downloads the page's DOCX and checks it opens: a zip whose XML parts all parse. */
async function docxOf(page, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#brief-docx')]);
  assert.match(dl.suggestedFilename(), /^brief-.*\.docx$/);
  const bytes = readFileSync(await dl.path());
  writeFileSync(join(OUT, name), bytes);
  const parts = unzip(bytes);
  for (const must of ['[Content_Types].xml', '_rels/.rels', 'word/document.xml', 'word/styles.xml', 'word/numbering.xml']) assert.ok(parts.has(must), `${name} has ${must}`);
  const xmlParts = [...parts.keys()].filter((k) => /\.(xml|rels)$/.test(k));
  const bad = await page.evaluate((docs) => docs.filter(([, text]) => {
    const d = new DOMParser().parseFromString(text, 'application/xml');
    return d.getElementsByTagName('parsererror').length > 0;
  }).map(([k]) => k), xmlParts.map((k) => [k, parts.get(k).toString('utf8')]));
  assert.deepEqual(bad, [], `${name}: every XML part is well-formed (${xmlParts.length} parts)`);
  return parts;
}

async function checkDocx(page, parts, scopeName, gapIds, label) {
  const doc = parts.get('word/document.xml').toString('utf8');
  const paras = paragraphs(doc);
  const all = paras.join('\n');
  // Cover: title and scope.
  assert.ok(paras.some((p) => p === `范围：${scopeName}`), `${label}: the cover names the scope ${scopeName}`);
  assert.ok(all.includes(`${scopeName}`) && all.includes('招商简报'), `${label}: title`);
  // Word structure: A4, headings, repeated header rows, rows kept whole, numbered lists, the image, page numbers.
  assert.match(doc, /<w:pgSz w:w="11906" w:h="16838"/);
  assert.ok((doc.match(/<w:pStyle w:val="Heading1"\/>/g) ?? []).length >= 9, `${label}: Heading 1 paragraphs`);
  const tables = (doc.match(/<w:tbl>/g) ?? []).length;
  assert.ok(tables >= 3 && (doc.match(/<w:tblHeader\/>|<w:tblHeader w:val="(true|1|on)"\/>/g) ?? []).length >= tables, `${label}: every table repeats its header row`);
  assert.ok(doc.includes('<w:cantSplit'), `${label}: rows do not split`);
  assert.ok(doc.includes('<w:numPr>'), `${label}: numbered lists`);
  const media = [...parts.keys()].filter((k) => k.startsWith('word/media/'));
  assert.equal(media.length, 1, `${label}: the chain map is embedded`);
  assert.equal(parts.get(media[0]).subarray(1, 4).toString('latin1'), 'PNG');
  const footers = [...parts.keys()].filter((k) => /^word\/footer\d*\.xml$/.test(k)).map((k) => parts.get(k).toString('utf8')).join('');
  assert.match(footers, /PAGE/, `${label}: page numbers`);
  assert.match(parts.get('word/styles.xml').toString('utf8'), /w:eastAsia="SimSun"/, `${label}: an East Asian font for Chinese`);
  // The gap table: one row per API gap, each with its segment id in a cell.
  const cells = new Set(paras.map((p) => p.trim()));
  const missing = gapIds.filter((id) => !cells.has(id));
  assert.deepEqual(missing, [], `${label}: every gap of the API is a row of the gap table`);
  const pageRows = await page.$$eval('#brief-gap-table tbody tr', (trs) => trs.length);
  assert.equal(pageRows, gapIds.length, `${label}: the page's gap table`);
  // The appendix: numbered as on the page, and cited from the figures.
  const sources = await page.$$eval('#brief-sources li', (lis) => lis.map((li) => ({ n: li.dataset.n, text: li.textContent })));
  assert.ok(sources.length >= 2, `${label}: sources listed`);
  const head = paras.indexOf('附录：资料来源');
  assert.ok(head > 0, `${label}: appendix heading`);
  const appendix = paras.slice(head + 1);
  for (const s of sources) assert.ok(appendix.some((p) => p === `[${s.n}]\t${s.text}` || p === `[${s.n}]${s.text}`), `${label}: appendix entry [${s.n}]`);
  const body = paras.slice(0, head).join('\n');
  for (const s of sources) assert.ok(new RegExp(`\\[${s.n}[\\]:]`).test(body), `${label}: source [${s.n}] is cited in the text`);
}

describe('the 招商 brief', () => {
  test('DOCX for 郑州: scope, every gap row, the appendix, well-formed parts, Word structure', async () => {
    const { page, context } = await open('#/brief');
    const scope = { region: ds.dataset.focusRegion.id };
    const parts = await docxOf(page, 'brief-zhengzhou.docx');
    await checkDocx(page, parts, ds.dataset.focusRegion.nameZh, await apiGaps(scope), '郑州');
    await context.close();
  });

  test('DOCX for a park (巩义), reached from the chain map’s tab with its scope', async () => {
    const park = ds.parks.find((p) => p.id === 'gongyi-zone');
    assert.ok(park, 'the bundled dataset has gongyi-zone');
    const p = await newPage(browser);
    await p.page.goto(`${BASE}/#/chain?scope=${park.id}`);
    await waitReady(p.page, 'chain');
    await p.page.click('a.tab[data-view="brief"]');
    await waitReady(p.page, 'brief', 60_000);
    assert.match(p.page.url(), /#\/brief\?.*scope=gongyi-zone/);
    const parts = await docxOf(p.page, 'brief-gongyi.docx');
    await checkDocx(p.page, parts, park.nameZh, await apiGaps({ park: park.id }), park.id);
    await p.context.close();
  });

  test('PDF through the print stylesheet: A4 pages, headings and Chinese text', async () => {
    const { page, context } = await open('#/brief');
    await page.emulateMedia({ media: 'print' });
    const css = await page.evaluate(() => ({
      thead: getComputedStyle(document.querySelector('#brief-gap-table thead')).display,
      row: getComputedStyle(document.querySelector('#brief-gap-table tbody tr')).breakInside,
      header: getComputedStyle(document.querySelector('.app-header')).display,
      toolbar: getComputedStyle(document.querySelector('.view-brief .toolbar')).display,
    }));
    assert.deepEqual(css, { thead: 'table-header-group', row: 'avoid', header: 'none', toolbar: 'none' });
    const pdf = await page.pdf({ format: 'A4', outline: true, tagged: true, printBackground: true });
    writeFileSync(join(OUT, 'brief-zhengzhou.pdf'), pdf);
    const s = pdf.toString('latin1');
    const pages = (s.match(/\/Type\s*\/Page\b(?!s)/g) ?? []).length;
    assert.ok(pages > 1, `${pages} pages`);
    // Headings are the PDF's outline (bookmarks): UTF-16 titles.
    const titles = [...s.matchAll(/\/Title\s*<([0-9A-Fa-f]+)>/g)].map((m) => Buffer.from(m[1], 'hex')).map((b) => {
      const u = b.subarray(2);
      for (let i = 0; i + 1 < u.length; i += 2) [u[i], u[i + 1]] = [u[i + 1], u[i]];
      return u.toString('utf16le');
    });
    for (const hd of ['一、核心指标', '二、产业链图谱', '三、缺口清单', '五、分阶段路线图', '八、说明与局限', '附录：资料来源']) {
      assert.ok(titles.includes(hd), `PDF heading ${hd} (outline: ${titles.slice(0, 12).join(' | ')})`);
    }
    assert.ok(titles.some((x) => x.includes(ds.dataset.focusRegion.nameZh) && x.includes('招商简报')), 'the title, in Chinese');
    assert.match(s, /\/FontName\s*\/[A-Z]{6}\+\S*CJK/, 'a CJK font is embedded');
    await context.close();
  });

  test('the brief follows the URL: park scope, verified only and English from a shared link', async () => {
    const park = ds.parks.find((p) => p.id === 'gongyi-zone');
    const { page, context } = await open(`#/brief?scope=${park.id}&verified=1&lang=en`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.isChecked('#brief-verified-only'), true);
    const cover = await page.textContent('#brief-cover');
    assert.ok(cover.includes(park.nameEn || park.nameZh), 'cover names the park');
    assert.ok(cover.includes('verified placements only'), 'cover states the basis');
    const rows = await page.$$eval('#brief-gap-table tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(rows.sort(), (await apiGaps({ park: park.id }, true)).sort(), 'the gap table is gapAnalysis(verifiedOnly: true)');
    assert.ok((await page.textContent('#brief-sources')).includes('Appendix'));
    await context.close();
  });

  test('a hostile dataset title stays text on the page and in a DOCX that still opens', async () => {
    const hostile = '<w:p>郑州&</w:t>\u0001<img src=x onerror=alert(1)>';
    const p = await newPage(browser);
    await p.page.route('**/graphql', async (route) => {
      const body = route.request().postData() ?? '';
      if (!body.includes('query Boot')) return route.continue();
      const res = await route.fetch();
      const json = await res.json();
      json.data.dataset.titleZh = hostile;
      await route.fulfill({ response: res, json });
    });
    let dialog = false;
    p.page.on('dialog', (d) => {
      dialog = true;
      void d.dismiss();
    });
    await p.page.goto(`${BASE}/#/brief`);
    await waitReady(p.page, 'brief', 60_000);
    assert.ok((await p.page.textContent('#brief-cover')).includes(hostile.replace('\u0001', '\u0001')), 'the title as text');
    assert.equal(await p.page.$$eval('#brief img', (imgs) => imgs.filter((i) => !i.closest('#brief-chart')).length), 0);
    const parts = await docxOf(p.page, 'brief-hostile.docx');
    const paras = paragraphs(parts.get('word/document.xml').toString('utf8'));
    assert.ok(paras.some((x) => x.includes('<w:p>郑州&</w:t>\uFFFD<img src=x onerror=alert(1)>')), 'the title as text, its control character replaced');
    assert.equal(dialog, false);
    await p.context.close();
  });

  test('no console error', () => {
    assert.deepEqual(errors, []);
  });
});
