// The KPI answer (`pipelineKPIs`) as a spreadsheet and as a chart option. Pure functions of
// the API's answer, so the page's table, its Excel export, its chart and the brief show the
// same figures; the front end computes none of them.

import type { Sheet } from './export/xlsx';
import type { Cell } from './export/csv';
import type { PipelineKpIsQuery } from './graphql/generated';
import { num, t, type MessageKey } from './i18n';
import { ACTIVE_STAGES, STAGE_ZH } from './leads';

export type KpiReport = PipelineKpIsQuery['pipelineKPIs'];
export type KpiRow = KpiReport['rows'][number];

/**
 * The header of GET /export/kpis.csv (server/kpi_export.go), column for column, so the
 * Excel file and the CSV read alike. The group column is named by the grouping (none, park…).
 */
export function kpiHeader(groupBy: string): string[] {
  return [
    'period', 'start', 'last', groupBy.toLowerCase(), 'leadsCreated', 'signed', 'registered', 'started', 'producing',
    'contracted (亿元)', 'paidIn (亿元)', 'signedToDate', 'honoured', '履约率', 'awaitingStart', '开工率',
    'contractedToDate (亿元)', 'paidInToDate (亿元)', '资金到位率', 'capacity', 'flagged', 'flaggedLeads',
    ...ACTIVE_STAGES.slice(0, -1).map((s) => `conversion ${STAGE_ZH[s]}`),
    ...ACTIVE_STAGES.map((s) => `median days ${STAGE_ZH[s]}`),
  ];
}

/**
 * The KPI answer as one sheet with the CSV's columns: counts and amounts as numbers, a rate
 * the API leaves undefined (null) as an empty cell, never as 0.
 */
export function kpiSheet(rep: KpiReport, name = 'KPIs'): Sheet {
  const rows: Cell[][] = rep.rows.map((r) => [
    r.period, r.start, r.last, r.group, r.leadsCreated, r.signed, r.registered, r.started, r.producing,
    r.contracted, r.paidIn, r.signedToDate, r.honoured, r.performanceRate, r.awaitingStart, r.startRate,
    r.contractedToDate, r.paidInToDate, r.fundingRate,
    r.capacity.map((u) => `${u.value} ${u.unit}`).join('; '), r.flagged, r.flaggedLeads.join(' '),
    ...ACTIVE_STAGES.slice(0, -1).map((s) => r.conversion.find((c) => c.from === s)?.rate ?? null),
    ...ACTIVE_STAGES.map((s) => r.daysInStage.find((d) => d.stage === s)?.median ?? null),
  ]);
  return { name, header: kpiHeader(rep.groupBy), rows };
}

/** The chart's series names, in the page's language. */
export interface KpiChartLabels {
  signed: string;
  started: string;
  performanceRate: string;
  fundingRate: string;
  count: string;
  rate: string;
}

/**
 * The KPI chart's ECharts option: per period, the signed and started counts as bars (left
 * axis) and 履约率 and 资金到位率 as lines (right axis, as percentages). The rates are the
 * API's fractions unchanged (only the axis and tooltip print them as %); a rate the API
 * leaves undefined is a gap in its line, not 0. A grouped answer has several rows per
 * period whose rates cannot be added up, so it gives no chart (null): the table shows it.
 */
export function kpiChartOption(rep: KpiReport, l: KpiChartLabels): Record<string, unknown> | null {
  if (rep.groupBy !== 'NONE' || rep.rows.length === 0) return null;
  const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 1000) / 10}%` : '—');
  return {
    animation: false,
    legend: { top: 0, data: [l.signed, l.started, l.performanceRate, l.fundingRate] },
    tooltip: { trigger: 'axis', confine: true },
    grid: { left: 44, right: 52, top: 40, bottom: 28, containLabel: false },
    xAxis: { type: 'category', data: rep.rows.map((r) => r.period) },
    yAxis: [
      { type: 'value', name: l.count, minInterval: 1, min: 0 },
      { type: 'value', name: l.rate, min: 0, axisLabel: { formatter: (v: number) => pct(v) }, splitLine: { show: false } },
    ],
    series: [
      { id: 'signed', name: l.signed, type: 'bar', yAxisIndex: 0, data: rep.rows.map((r) => r.signed), itemStyle: { color: '#0072b2' } },
      { id: 'started', name: l.started, type: 'bar', yAxisIndex: 0, data: rep.rows.map((r) => r.started), itemStyle: { color: '#009e73' } },
      {
        id: 'performanceRate', name: l.performanceRate, type: 'line', yAxisIndex: 1, connectNulls: false,
        data: rep.rows.map((r) => r.performanceRate), itemStyle: { color: '#e69f00' }, tooltip: { valueFormatter: pct },
      },
      {
        id: 'fundingRate', name: l.fundingRate, type: 'line', yAxisIndex: 1, connectNulls: false,
        data: rep.rows.map((r) => r.fundingRate), itemStyle: { color: '#cc79a7' }, tooltip: { valueFormatter: pct },
      },
    ],
  };
}

/** A rate as the tables print it: a percentage with one decimal, or — when the API leaves it undefined. */
export const kpiPct = (v: number | null) => (v === null ? '—' : `${num(v * 100, 1)}%`);

/**
 * The KPI table's figure columns, each its key in pipelineKPIs (the API's formulas name
 * them) and the figure as printed: the page's table and the brief's both use these.
 */
export const KPI_COLUMNS: readonly (readonly [string, (r: KpiRow) => string])[] = [
  ['leadsCreated', (r) => String(r.leadsCreated)],
  ['signed', (r) => String(r.signed)],
  ['registered', (r) => String(r.registered)],
  ['started', (r) => String(r.started)],
  ['producing', (r) => String(r.producing)],
  ['contracted', (r) => num(r.contracted)],
  ['paidIn', (r) => num(r.paidIn)],
  ['signedToDate', (r) => String(r.signedToDate)],
  ['performanceRate', (r) => kpiPct(r.performanceRate)],
  ['startRate', (r) => kpiPct(r.startRate)],
  ['fundingRate', (r) => kpiPct(r.fundingRate)],
  ['flagged', (r) => String(r.flagged)],
];

/**
 * The KPI table as text: the header (period, the group when grouped, then KPI_COLUMNS) and
 * one row per answer row, the group named by groupName.
 */
export function kpiTableText(rep: KpiReport, groupName: (id: string) => string = (id) => id || '—'): { header: string[]; rows: string[][] } {
  const grouped = rep.groupBy !== 'NONE';
  return {
    header: [t('kpi.col.period'), ...(grouped ? [t(`kpi.group.${rep.groupBy}` as MessageKey)] : []), ...KPI_COLUMNS.map(([k]) => t(`kpi.col.${k}` as MessageKey) || k)],
    rows: rep.rows.map((r) => [r.period, ...(grouped ? [groupName(r.group)] : []), ...KPI_COLUMNS.map(([, v]) => v(r))]),
  };
}
