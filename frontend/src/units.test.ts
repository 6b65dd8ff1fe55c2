// Unit tests of the pure modules (vitest, node environment).
import { describe, expect, it } from 'vitest';
import { escapeHtml, safeHref } from './dom';
import { BOM, safeCell, toCsv } from './export/csv';
import { parseHash, toHash, forView, parseAdds, formatAdds } from './state';
import { hash32, jitter, RegionIndex, SegmentIndex, segmentStats, shortName, ParkIndex, placeEnterprise } from './model';
import { defaultGap, isGap, kindLabel, rankedGaps } from './status';
import { hostPoint } from './ui/gap';
import { inScope, type Coverage } from './store';
import { closeAll, expansion, layoutChain, openAll, toggleOpen } from './views/chainLayout';
import type { Chain, Enterprise, GapStatus, HostPark, Park, Region, Segment, Stage } from './api';

const seg = (id: string, stage: Stage, order: number, parent?: string, unit = '万吨/年'): Segment => ({
  id, nameZh: `环节${id}（说明）`, nameEn: `Segment ${id}`, stage, order, unit,
  parent: parent ? { id: parent } : null, children: [], priorities: [],
});

function chain(): Chain {
  const segs = [
    seg('U1', 'UPSTREAM', 1),
    seg('U2', 'UPSTREAM', 2),
    seg('M1', 'MIDSTREAM', 1),
    seg('M1a', 'MIDSTREAM', 2, 'M1'),
    seg('M1b', 'MIDSTREAM', 3, 'M1'),
    seg('E', 'END_PRODUCT', 1, undefined, ''),
    seg('E1', 'END_PRODUCT', 2, 'E', ''),
    seg('E1.x', 'END_PRODUCT', 3, 'E1', '万只'),
  ];
  for (const s of segs) if (s.parent) segs.find((p) => p.id === s.parent!.id)!.children.push({ id: s.id });
  return {
    id: 'al', nameZh: '铝', nameEn: 'Al', description: null, segments: segs,
    flows: [
      { from: { id: 'U1' }, to: { id: 'U2' }, coefficient: null, coefficientUnit: null },
      { from: { id: 'U2' }, to: { id: 'M1a' }, coefficient: 1.9, coefficientUnit: 't/t' },
      { from: { id: 'M1a' }, to: { id: 'E1.x' }, coefficient: null, coefficientUnit: null },
    ],
  };
}

const ent = (id: string, region: string, ops: [string, number | null, string | null][], park?: string): Enterprise => ({
  id, nameZh: id, nameEn: null, lon: null, lat: null, designations: [], status: null, region: { id: region }, park: park ? { id: park } : null,
  operations: ops.map(([s, c, u]) => ({ segment: { id: s, stage: 'MIDSTREAM', chain: { id: 'al' } }, capacity: c, capacityUnit: u, role: null })),
});

describe('escapeHtml', () => {
  it('escapes a hostile name', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`"'&\``)).toBe('&quot;&#39;&amp;&#96;');
    expect(escapeHtml(null)).toBe('');
  });
  it('only allows relative and http(s) links', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('//evil.example/x')).toBeNull();
    expect(safeHref('https://example.org/a')).toBe('https://example.org/a');
    expect(safeHref('#/chain')).toBe('#/chain');
  });
});

describe('CSV', () => {
  it('starts with a BOM, quotes and uses CRLF', () => {
    const csv = toCsv(['名称', 'n'], [['a,b', 1], ['say "hi"', null]]);
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv).toBe(`${BOM}名称,n\r\n"a,b",1\r\n"say ""hi""",\r\n`);
  });
  it('neutralises formula cells but not numbers', () => {
    expect(safeCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(safeCell('+1')).toBe("'+1");
    expect(safeCell('-2')).toBe("'-2");
    expect(safeCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(safeCell('\tx')).toBe("'\tx");
    expect(safeCell(-2)).toBe('-2');
    expect(safeCell('铝板带')).toBe('铝板带');
  });
});

describe('URL state', () => {
  it('round-trips', () => {
    const s = parseHash('#/chain?chain=aluminium&scope=410100&segment=M1a&lang=en');
    expect(s).toEqual({ view: 'chain', lang: 'en', chain: 'aluminium', scope: '410100', segment: 'M1a' });
    expect(parseHash(toHash(s))).toEqual(s);
    const o = parseHash(toHash({ ...s, open: ['+E1', '-M1'] }));
    expect(o.open).toEqual(['+E1', '-M1']);
  });
  it('defaults and rejects junk', () => {
    expect(parseHash('')).toEqual({ view: 'chain', lang: 'zh' });
    expect(parseHash('#/nope?segment=<script>&lang=fr')).toEqual({ view: 'chain', lang: 'zh' });
  });
  it('drops view-specific parameters when switching view', () => {
    expect(forView({ view: 'chain', lang: 'zh', scope: '1', segment: 'M1', open: ['+E'], minent: 3 }, 'roadmap')).toEqual({ view: 'roadmap', lang: 'zh', scope: '1', chain: undefined, all: undefined, steps: undefined });
    expect(forView({ view: 'chain', lang: 'zh', segment: 'M1', minent: 3 }, 'whatif')).toMatchObject({ view: 'whatif', segment: 'M1', add: undefined });
  });
  it('keeps numbers in range and what-if additions', () => {
    expect(parseHash('#/chain?verified=1').verified).toBe(true);
    expect(parseHash('#/chain?verified=yes').verified).toBeUndefined();
    expect(toHash({ view: 'brief', lang: 'zh', scope: 'gongyi-zone', verified: true })).toBe('#/brief?scope=gongyi-zone&verified=1&lang=zh');
    expect(parseHash('#/brief?scope=gongyi-zone&verified=1&minent=3&steps=6&lang=en')).toEqual({ view: 'brief', lang: 'en', scope: 'gongyi-zone', verified: true, minent: 3, steps: 6 });
    // The brief keeps the chain map's basis; the roadmap does not take it.
    expect(forView({ view: 'chain', lang: 'zh', scope: '1', segment: 'M1', verified: true, minent: 3 }, 'brief')).toEqual({ view: 'brief', lang: 'zh', scope: '1', chain: undefined, verified: true, minent: 3, steps: undefined });
    expect(forView({ view: 'brief', lang: 'zh', verified: true }, 'roadmap').verified).toBeUndefined();
    expect(parseHash('#/chain?minent=3').minent).toBe(3);
    expect(parseHash('#/chain?minent=0').minent).toBeUndefined();
    expect(parseHash('#/chain?minent=1e3').minent).toBeUndefined();
    expect(parseHash('#/roadmap?steps=24').steps).toBe(24);
    const adds = [
      { enterprise: 'dicastal', segment: 'E1.wheel', park: 'dengfeng-cluster' },
      { name: '新铸造厂', segment: 'M2', park: 'gongyi-zone', capacity: 5 },
    ];
    const s = parseHash(toHash({ view: 'whatif', lang: 'zh', add: adds }));
    expect(s.add).toEqual(adds);
    expect(formatAdds(adds)).toBe('e:dicastal,E1.wheel,dengfeng-cluster;n:新铸造厂,M2,gongyi-zone,5');
  });
  it('drops what-if additions that do not parse, and cleans names', () => {
    expect(parseAdds('x:a,M1;e:<b>,M1;e:a;n:,M1;e:a,M1,p,abc')).toEqual([{ enterprise: 'a', segment: 'M1', park: 'p' }]);
    expect(parseAdds('n:A\u0000B\u202e;C,M1')).toEqual([]);
    expect(parseAdds('n:New\tFoundry  Ltd.,M2,gongyi-zone')).toEqual([{ name: 'New Foundry Ltd.', segment: 'M2', park: 'gongyi-zone' }]);
    expect(parseAdds(Array.from({ length: 30 }, (_, i) => `e:a${i},M1`).join(';'))).toHaveLength(20);
  });
});

describe('segment figures', () => {
  const idx = new SegmentIndex(chain());
  it('counts an enterprise once per subtree and never double counts capacity', () => {
    const stats = segmentStats(idx, [
      ent('a', 'r', [['M1', 100, '万吨/年'], ['M1a', 60, '万吨/年']]),
      ent('b', 'r', [['M1a', 10, '万吨/年'], ['M1b', 5, '万吨/年']]),
      ent('c', 'r', [['M1b', null, null]]),
    ]);
    expect(stats.get('M1')!.enterprises.size).toBe(3);
    expect(stats.get('M1')!.capacity).toBe(100 + 15); // a: own 100; b: 10 + 5
    expect(stats.get('M1a')!.capacity).toBe(70);
    expect(stats.get('M1b')!.enterprises.size).toBe(2);
    expect(stats.get('U1')!.enterprises.size).toBe(0);
  });
  it('ranks gaps by score, the default gap is the top missing one', () => {
    const g = (id: string, status: GapStatus, score: number) => ({ id, status, score });
    const list = [g('a', 'WEAK', 90), g('b', 'MISSING', 50), g('c', 'STRONG', 99), g('d', 'MISSING', 70), g('e', 'MISSING', 70)];
    expect(rankedGaps(list).map((x) => x.id)).toEqual(['a', 'd', 'e', 'b']);
    expect(defaultGap(list)!.id).toBe('d');
    expect(defaultGap([g('a', 'WEAK', 1)])!.id).toBe('a');
    expect(defaultGap([g('a', 'STRONG', 1)])).toBeUndefined();
    expect(isGap(g('x', 'STRONG', 0))).toBe(false);
    expect(kindLabel('FILL', '补链')).toBe('补链');
    expect(kindLabel('NONE', '—')).toBe('—');
  });
  it('short names drop the parenthesised detail', () => {
    expect(shortName('铝板带（中厚板、薄板）')).toBe('铝板带');
    expect(shortName('Foil (packaging)')).toBe('Foil');
  });
});

describe('chain layout', () => {
  const idx = new SegmentIndex(chain());
  it('puts stages in columns and nests children by default one level deep', () => {
    const L = layoutChain(idx, expansion(idx, undefined, undefined), 1200);
    expect(L.columns.map((c) => c.stage)).toEqual(['UPSTREAM', 'MIDSTREAM', 'DOWNSTREAM', 'END_PRODUCT', 'SERVICE']);
    expect(L.boxes.map((b) => b.id)).toEqual(['U1', 'U2', 'M1', 'M1a', 'M1b', 'E', 'E1']);
    expect(L.visibleOf('E1.x')).toBe('E1');
    const m1a = L.byId.get('M1a')!;
    expect(m1a.x).toBeGreaterThan(L.byId.get('M1')!.x);
  });
  it('expands the selected segment’s ancestors and honours overrides', () => {
    expect(layoutChain(idx, expansion(idx, undefined, 'E1.x'), 1200).byId.has('E1.x')).toBe(true);
    expect(layoutChain(idx, expansion(idx, ['-M1'], undefined), 1200).byId.has('M1a')).toBe(false);
    expect(toggleOpen(idx, [], 'E1', false)).toEqual(['+E1']);
    expect(toggleOpen(idx, ['+E1'], 'E1', true)).toEqual([]);
    expect(layoutChain(idx, expansion(idx, openAll(idx), undefined), 1200).byId.has('E1.x')).toBe(true);
    expect(layoutChain(idx, expansion(idx, closeAll(idx), undefined), 1200).boxes.map((b) => b.id)).toEqual(['U1', 'U2', 'M1', 'E']);
  });
});

describe('positions and host parks', () => {
  const regions: Region[] = [
    { id: '100000', nameZh: '中国', nameEn: null, level: 'COUNTRY', lon: null, lat: null, parent: null },
    { id: '410000', nameZh: '河南', nameEn: null, level: 'PROVINCE', lon: null, lat: null, parent: { id: '100000' } },
    { id: '410100', nameZh: '郑州', nameEn: null, level: 'PREFECTURE', lon: 113.6, lat: 34.7, parent: { id: '410000' } },
    { id: '410181', nameZh: '巩义', nameEn: null, level: 'COUNTY', lon: 112.9, lat: 34.7, parent: { id: '410100' } },
  ];
  const ri = new RegionIndex(regions);
  it('jitter is deterministic and bounded', () => {
    expect(jitter('a', 0.05)).toEqual(jitter('a', 0.05));
    expect(hash32('a')).not.toBe(hash32('b'));
    const [dx, dy] = jitter('xyz', 0.05);
    expect(Math.hypot(dx, dy)).toBeLessThanOrEqual(0.05);
  });
  it('places an enterprise near its region, walking up when needed', () => {
    const p = placeEnterprise(ent('e', '410181', []), ri)!;
    expect(p.approx).toBe(true);
    expect(Math.abs(p.lon - 112.9)).toBeLessThan(0.06);
    expect(placeEnterprise(ent('e', '410000', []), ri)).toBeNull();
    expect(placeEnterprise(ent('e', '410000', []), ri, () => ({ lon: 113, lat: 33 }))!.lat).toBeCloseTo(33, 0);
    expect(ri.within('410181', '410000')).toBe(true);
    expect(ri.within('410000', '410181')).toBe(false);
  });
  const parks: Park[] = [
    { id: 'p1', nameZh: 'P1', nameEn: null, kind: 'zone', lon: null, lat: null, parent: null, regions: [{ id: '410181' }], focusSegments: [{ id: 'M1' }] },
    { id: 'p2', nameZh: 'P2', nameEn: null, kind: 'park', lon: null, lat: null, parent: null, regions: [{ id: '410181' }], focusSegments: [{ id: 'M1a' }] },
    { id: 'p3', nameZh: 'P3', nameEn: null, kind: 'park', lon: null, lat: null, parent: { id: 'p1' }, regions: [{ id: '410181' }], focusSegments: [] },
  ];
  const pi = new ParkIndex(parks);
  it('nests parks and places them', () => {
    expect([...pi.subtree('p1')].sort()).toEqual(['p1', 'p3']);
    expect(pi.point('p1', ri)).toEqual({ lon: 112.9, lat: 34.7 });
  });
  it('host park point: its own, else the mean of its regions', () => {
    const host = (lon: number | null, lat: number | null, regs: [number | null, number | null][]): HostPark => ({
      park: { id: 'h', nameZh: 'H', nameEn: null, lon, lat, regions: regs.map(([x, y], i) => ({ id: `r${i}`, lon: x, lat: y })) }, score: 0, reasonZh: '', reasonEn: '',
    });
    expect(hostPoint(host(113, 34, []))).toEqual({ lon: 113, lat: 34 });
    expect(hostPoint(host(null, null, [[112, 34], [114, 35], [null, null]]))).toEqual({ lon: 113, lat: 34.5 });
    expect(hostPoint(host(null, null, []))).toBeNull();
    expect(hostPoint(null)).toBeNull();
  });
  it('scope membership from the API\'s coverage: park or region covered; a park-only record by its park\'s regions', () => {
    // What scopeCoverage answers for the zone p1, the plain park p2 and the city 410100.
    const cov = (parks: string[], regions: string[]): Coverage => ({ parks: new Set(parks), regions: new Set(regions) });
    const zone = cov(['p1', 'p3'], ['410181']);
    const plain = cov(['p2'], []);
    const city = cov([], ['410100', '410181']);
    expect(inScope(zone, { region: { id: '410181' } }, pi)).toBe(true);
    expect(inScope(zone, { park: { id: 'p3' } }, pi)).toBe(true);
    expect(inScope(zone, { region: { id: '410100' } }, pi)).toBe(false);
    expect(inScope(plain, { region: { id: '410181' } }, pi)).toBe(false);
    expect(inScope(plain, { park: { id: 'p2' } }, pi)).toBe(true);
    expect(inScope(plain, { park: { id: 'p3' } }, pi)).toBe(false);
    expect(inScope(city, { region: { id: '410181' } }, pi)).toBe(true);
    expect(inScope(city, { park: { id: 'p2' } }, pi)).toBe(true);
    expect(inScope(city, { region: { id: '410000' } }, pi)).toBe(false);
    // A record's own region decides before its park's regions.
    expect(inScope(city, { region: { id: '410000' }, park: { id: 'p2' } }, pi)).toBe(false);
    expect(inScope(plain, { region: { id: '410000' }, park: { id: 'p2' } }, pi)).toBe(true);
    expect(inScope(city, { park: { id: 'unknown' } }, pi)).toBe(false);
    expect(inScope(city, {}, pi)).toBe(false);
  });
});
