import { describe, expect, test } from 'vitest';
import { KPI_COLUMNS, kpiChartOption, kpiHeader, kpiSheet, kpiTableText, type KpiReport, type KpiRow } from './kpi';

const stages = ['CLUE', 'CONTACT', 'VISIT', 'NEGOTIATION', 'SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION'] as const;

function row(period: string, over: Partial<KpiRow> = {}): KpiRow {
  return {
    period, start: `${period}-01`, last: `${period}-28`, group: '', leadsCreated: 4, signed: 2, registered: 1, started: 1, producing: 0,
    contracted: 3.5, paidIn: 1.25, signedToDate: 5, honoured: 3, performanceRate: 0.6, awaitingStart: 2, startRate: null,
    contractedToDate: 10, paidInToDate: 4, fundingRate: 0.4, flagged: 1, flaggedLeads: ['L1', 'L2'],
    capacity: [{ unit: '吨', value: 2 }, { unit: '件', value: 7 }],
    // Deliberately out of order: the sheet places each stage's figure by its name.
    conversion: stages.slice(0, -1).map((s, i) => ({ from: s, rate: i === 2 ? null : i / 10 })).reverse(),
    daysInStage: stages.map((s, i) => ({ stage: s, median: i === 0 ? null : i * 2 })),
    ...over,
  };
}

const report = (rows: KpiRow[], groupBy: KpiReport['groupBy'] = 'NONE'): KpiReport => ({ period: 'MONTH', groupBy, rows, formulas: [] });

describe('kpiSheet', () => {
  test('has the columns of GET /export/kpis.csv (server/kpi_export.go)', () => {
    const h = kpiHeader('PARK');
    expect(h.slice(0, 5)).toEqual(['period', 'start', 'last', 'park', 'leadsCreated']);
    expect(h).toContain('履约率');
    expect(h).toContain('资金到位率');
    expect(h.filter((c) => c.startsWith('conversion '))).toEqual(['线索', '接洽', '考察', '洽谈', '签约', '注册', '开工'].map((s) => `conversion ${s}`));
    expect(h.filter((c) => c.startsWith('median days ')).length).toBe(8);
    expect(h.length).toBe(22 + 7 + 8);
  });

  test('every row holds the answer\'s figures, an undefined rate as an empty cell (never 0)', () => {
    const s = kpiSheet(report([row('2026-01'), row('2026-02', { signed: 0, performanceRate: null, group: 'p1' })], 'PARK'), 'KPIs');
    expect(s.header[3]).toBe('park');
    expect(s.rows.length).toBe(2);
    const at = (r: number, name: string) => s.rows[r]![s.header.indexOf(name)];
    expect(at(0, 'signed')).toBe(2);
    expect(at(0, 'contracted (亿元)')).toBe(3.5);
    expect(at(0, 'paidIn (亿元)')).toBe(1.25);
    expect(at(0, '履约率')).toBe(0.6);
    expect(at(0, '开工率')).toBeNull();
    expect(at(0, '资金到位率')).toBe(0.4);
    expect(at(0, 'capacity')).toBe('2 吨; 7 件');
    expect(at(0, 'flaggedLeads')).toBe('L1 L2');
    expect(at(0, 'conversion 线索')).toBe(0);
    expect(at(0, 'conversion 考察')).toBeNull();
    expect(at(0, 'conversion 开工')).toBeCloseTo(0.6);
    expect(at(0, 'median days 线索')).toBeNull();
    expect(at(0, 'median days 投产')).toBe(14);
    expect(at(1, 'park')).toBe('p1');
    expect(at(1, 'signed')).toBe(0);
    expect(at(1, '履约率')).toBeNull();
    for (const r of s.rows) expect(r.length).toBe(s.header.length);
  });

  test('a stage the answer lacks is an empty cell', () => {
    const s = kpiSheet(report([row('2026', { conversion: [], daysInStage: [] })]));
    expect(s.rows[0]!.slice(22).every((c) => c === null)).toBe(true);
  });
});

describe('kpiChartOption', () => {
  const labels = { signed: '签约', started: '开工', performanceRate: '履约率', fundingRate: '资金到位率', count: '项目数', rate: '比率' };
  type Series = { id: string; type: string; yAxisIndex: number; data: (number | null)[]; tooltip?: { valueFormatter: (v: unknown) => string } };

  test('per period: signed and started as bars, 履约率 and 资金到位率 as lines, from the answer\'s rows', () => {
    const rows = [
      row('2026-Q1', { signed: 3, started: 1, performanceRate: 0.25, fundingRate: 0.125 }),
      row('2026-Q2', { signed: 0, started: 2, performanceRate: null, fundingRate: 1.5 }),
      row('2026-Q3', { signed: 7, started: 0, performanceRate: 1, fundingRate: null }),
    ];
    const o = kpiChartOption(report(rows), labels)!;
    expect(o).not.toBeNull();
    expect((o.xAxis as { data: string[] }).data).toEqual(['2026-Q1', '2026-Q2', '2026-Q3']);
    const series = o.series as Series[];
    expect(series.map((s) => [s.id, s.type, s.yAxisIndex])).toEqual([
      ['signed', 'bar', 0], ['started', 'bar', 0], ['performanceRate', 'line', 1], ['fundingRate', 'line', 1],
    ]);
    const by = (id: string) => series.find((s) => s.id === id)!.data;
    expect(by('signed')).toEqual([3, 0, 7]);
    expect(by('started')).toEqual([1, 2, 0]);
    // The API's fractions unchanged; an undefined rate is a gap (null), never 0.
    expect(by('performanceRate')).toEqual([0.25, null, 1]);
    expect(by('fundingRate')).toEqual([0.125, 1.5, null]);
    expect((o.legend as { data: string[] }).data).toEqual(['签约', '开工', '履约率', '资金到位率']);
    const fmt = series[2]!.tooltip!.valueFormatter;
    expect(fmt(0.25)).toBe('25%');
    expect(fmt(0.1234)).toBe('12.3%');
    expect(fmt(null)).toBe('—');
  });

  test('a grouped answer (rows per period and group) or an empty one gives no chart', () => {
    expect(kpiChartOption(report([row('2026-01', { group: 'p1' }), row('2026-01', { group: 'p2' })], 'PARK'), labels)).toBeNull();
    expect(kpiChartOption(report([]), labels)).toBeNull();
  });
});

describe('kpiTableText (the page\'s and the brief\'s KPI table)', () => {
  test('period, then the figure columns; a rate as a percentage, an undefined one as —', () => {
    const k = kpiTableText(report([row('2026-Q1', { signed: 3, performanceRate: 0.6, startRate: null })]));
    expect(k.header.length).toBe(1 + KPI_COLUMNS.length);
    expect(k.rows.length).toBe(1);
    const at = (key: string) => k.rows[0]![1 + KPI_COLUMNS.findIndex(([c]) => c === key)];
    expect(k.rows[0]![0]).toBe('2026-Q1');
    expect(at('signed')).toBe('3');
    expect(at('performanceRate')).toMatch(/^60(\.0)?%$/);
    expect(at('startRate')).toBe('—');
    expect(at('flagged')).toBe('1');
  });

  test('a grouped answer gets a group column, named by the caller', () => {
    const k = kpiTableText(report([row('2026-Q1', { group: 'p1' }), row('2026-Q1', { group: '' })], 'PARK'), (id) => (id ? `园区${id}` : '—'));
    expect(k.header.length).toBe(2 + KPI_COLUMNS.length);
    expect(k.rows.map((r) => r[1])).toEqual(['园区p1', '—']);
  });
});
