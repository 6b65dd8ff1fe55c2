// 全国招商目标: the gap analysis' investment targets for a gap (default: the top-scoring
// missing link) or for the top gaps, on a China province map (echarts@4.9.0 china.json,
// bundled), each with a line to the park the API recommends to host it. A table of the
// targets (score, reason, host park and why) with CSV / Excel export.

import { echarts } from '../charts/geo';
import type { EChartsType } from 'echarts/core';
import { FONT_FAMILY, paintThen, TOOLTIP_BASE } from '../charts/core';
import { escapeHtml, h, replaceChildren } from '../dom';
import { nm, num, plural, t } from '../i18n';
import type { GapReport, HostPark, InvestmentTarget, SegmentGap } from '../api';
import { placeEnterprise, shortName, type Placed, type SegmentIndex } from '../model';
import type { AppState } from '../state';
import { defaultGap, isGap, kindLabel, rankedGaps, reasonOf, STATUS_STYLES } from '../status';
import type { Scope } from '../store';
import { renderTable, type Column } from '../ui/table';
import { chip, errorBox, labelled, loading, statusChip } from '../ui/widgets';
import { factorsTable, hostName, hostPoint, kindChip, scoreChip, targetColumns } from '../ui/gap';
import { downloadChartPng } from '../export/png';
import { fileName } from '../export/csv';
import { chinaBase } from './mapShared';
import { addLeadColumn, targetPlace } from '../ui/addLead';
import type { Ctx, View } from './types';

// One colour and one line pattern per host park (the pattern is the second cue).
const PARK_STYLES = [
  { color: '#1d3557', type: 'solid', icon: 'path://M0,4H30V7H0Z' },
  { color: '#b23a00', type: 'dashed', icon: 'path://M0,4H8V7H0ZM11,4H19V7H11ZM22,4H30V7H22Z' },
  { color: '#6a3d9a', type: 'dotted', icon: 'path://M0,4H3V7H0ZM6,4H9V7H6ZM12,4H15V7H12ZM18,4H21V7H18ZM24,4H27V7H24Z' },
  { color: '#2a7f62', type: [8, 3, 2, 3], icon: 'path://M0,4H10V7H0ZM14,4H16V7H14ZM20,4H30V7H20Z' },
] as const;

/** Targets per gap: for one gap, and for each of the top gaps. */
const FIRST_ONE = 20;
const FIRST_EACH = 5;
const TOP_GAPS = 12;

interface Data {
  idx: SegmentIndex;
  scope: Scope;
  report: GapReport;
  gaps: Map<string, SegmentGap>;
  fallback: (regionId: string) => { lon: number; lat: number } | null;
  focusProvince: string | undefined;
}

interface Row {
  gap: SegmentGap;
  target: InvestmentTarget;
  rank: number;
  at: Placed | null;
}

export function createTargetsView(ctx: Ctx): View {
  const chartEl = h('div', { id: 'targets-chart', class: 'chart map-chart', role: 'img', 'aria-label': t('view.targets') });
  const credit = h('p', { class: 'credits', id: 'targets-credits' }, t('chinaCredit'));
  const panel = h('aside', { class: 'side-panel', id: 'targets-panel', 'aria-live': 'polite' });
  const toolbar = h('div', { class: 'toolbar' });
  const note = h('p', { class: 'legend-note' });
  const tableHost = h('div', { class: 'below-chart' });
  const el = h('div', { class: 'view view-targets' }, toolbar, note,
    h('div', { class: 'split' }, h('div', { class: 'chart-wrap' }, chartEl, credit), panel), tableHost);

  let chart: EChartsType | null = null;
  let data: Data | null = null;
  let rows: Row[] = [];
  /** Host parks in the order their styles were given (draw()). */
  let hostOrder: string[] = [];
  let token = 0;

  function ensureChart(): EChartsType {
    if (!chart) {
      chart = echarts.init(chartEl, null, { renderer: 'canvas' });
      chart.on('click', (p) => {
        const id = (p.data as { ent?: string } | undefined)?.ent;
        if (id) ctx.navigate({ ent: id });
      });
    }
    return chart;
  }

  async function load(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(panel, loading());
    try {
      const scope = ctx.scope();
      const focus = scope.kind === 'region' ? scope.id : scope.park.regions[0]?.id ?? '';
      const [idx, report, china] = await Promise.all([
        ctx.store.chain(ctx.chainId()),
        ctx.store.gap(ctx.chainId(), scope),
        chinaBase(ctx),
      ]);
      if (my !== token) return;
      data = { idx, scope, report, gaps: new Map(report.segments.map((g) => [g.segment.id, g])), fallback: china.fallback, focusProvince: china.provinceName(focus) };
    } catch (err) {
      if (my !== token) return;
      replaceChildren(panel, errorBox(err, () => void load()));
      return;
    }
    await render();
  }

  /** The gaps whose targets are shown. */
  function selectedGaps(state: AppState): SegmentGap[] {
    const d = data!;
    if (state.all) return rankedGaps(d.report.segments).slice(0, TOP_GAPS);
    const chosen = state.segment ? d.gaps.get(state.segment) : undefined;
    const g = chosen ?? defaultGap(d.report.segments);
    return g ? [g] : [];
  }

  async function render(): Promise<void> {
    if (!data) return;
    const d = data;
    const my = ++token;
    const state = ctx.state();
    const gaps = selectedGaps(state);
    const first = state.all ? FIRST_EACH : FIRST_ONE;
    renderToolbar();
    let lists: InvestmentTarget[][];
    try {
      lists = await Promise.all(gaps.map((g) => ctx.store.targets(d.idx.chain.id, d.scope, g.segment.id, first)));
    } catch (err) {
      if (my === token) replaceChildren(panel, errorBox(err, () => void render()));
      return;
    }
    if (my !== token) return;
    rows = gaps.flatMap((g, i) => lists[i].map((target, k) => ({
      gap: g, target, rank: k + 1,
      at: placeEnterprise(target.enterprise, ctx.boot.regions, d.fallback),
    })));
    draw(gaps);
    renderPanel(gaps);
    renderTableBelow(gaps);
  }

  function draw(gaps: SegmentGap[]): void {
    const d = data!;
    const state = ctx.state();
    // Host parks in a stable order (the dataset's parks), each with a colour and a line pattern.
    const hosts = new Map<string, HostPark>();
    for (const r of rows) if (r.target.host) hosts.set(r.target.host.park.id, r.target.host);
    const order = ctx.boot.parks.parks.map((p) => p.id);
    const hostIds = [...hosts.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b) || a.localeCompare(b));
    const styleOf = (pid: string) => PARK_STYLES[Math.max(0, hostIds.indexOf(pid)) % PARK_STYLES.length];
    hostOrder = hostIds;

    const lineSeries = hostIds.map((pid) => {
      const host = hosts.get(pid)!;
      const to = hostPoint(host);
      const st = styleOf(pid);
      const seen = new Set<string>();
      const lines = to
        ? rows.filter((r) => r.target.host?.park.id === pid && r.at && !seen.has(r.target.enterprise.id) && seen.add(r.target.enterprise.id)).map((r) => ({
            ent: r.target.enterprise.id,
            name: nm(r.target.enterprise),
            coords: [[r.at!.lon, r.at!.lat], [to.lon, to.lat]],
            row: r,
          }))
        : [];
      return {
        id: `lines-${pid}`,
        name: shortName(nm(host.park)),
        type: 'lines',
        coordinateSystem: 'geo',
        geoIndex: 0,
        polyline: false,
        silent: false,
        // Read by the browser tests: where the lines end.
        host: pid,
        hostPoint: to,
        lineStyle: { color: st.color, width: 1.6, opacity: 0.7, curveness: 0.25, type: st.type },
        emphasis: { lineStyle: { width: 3, opacity: 1 } },
        data: lines.map(({ row: _row, ...l }) => l),
        tooltip: {
          show: true,
          formatter: (q: { dataIndex: number }) => {
            const r = lines[q.dataIndex]?.row;
            if (!r || !r.target.host) return '';
            return `<div class="tt-title">${escapeHtml(nm(r.target.enterprise))} → ${escapeHtml(nm(r.target.host.park))}</div><div class="tt-muted">${escapeHtml(reasonOf(r.target.host))}</div>`;
          },
        },
        z: 3,
      };
    });
    const maxScore = Math.max(1, ...rows.map((r) => r.target.score));
    const placed = rows.filter((r) => r.at);
    const markerRows: Row[] = [];
    const seenEnt = new Set<string>();
    for (const r of placed) if (!seenEnt.has(r.target.enterprise.id)) seenEnt.add(r.target.enterprise.id), markerRows.push(r);
    const hub = hostIds.map((pid) => ({ pid, pt: hostPoint(hosts.get(pid)!) })).filter((x) => x.pt).map((x) => ({
      id: x.pid, name: nm(hosts.get(x.pid)!.park), value: [x.pt!.lon, x.pt!.lat], itemStyle: { color: styleOf(x.pid).color },
    }));
    const gapTitle = gaps.length === 1 ? `${shortName(nm(d.idx.get(gaps[0].segment.id)))}（${kindLabel(gaps[0].kind, gaps[0].kindZh)}）` : t('topGaps', { n: gaps.length });
    const c = ensureChart();
    const t0 = performance.now();
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: FONT_FAMILY },
        title: {
          text: t('targetsTitle', { region: scopeName(d.scope) }),
          subtext: `${gapTitle} · ${t('targetsShown', { n: new Set(rows.map((r) => r.target.enterprise.id)).size })}`,
          left: 12,
          top: 8,
          textStyle: { fontSize: 16, fontWeight: 600, color: '#15202b', fontFamily: FONT_FAMILY },
          subtextStyle: { fontSize: 12, color: '#4a5a6c', fontFamily: FONT_FAMILY },
        },
        tooltip: { ...TOOLTIP_BASE, trigger: 'item' },
        legend: [
          {
            id: 'parks',
            orient: 'vertical',
            right: 12,
            top: 64,
            itemWidth: 30,
            itemHeight: 10,
            textStyle: { fontSize: 12, color: '#2b3a4d', fontFamily: FONT_FAMILY },
            backgroundColor: 'rgba(255,255,255,0.85)',
            data: lineSeries.map((s) => ({ name: s.name, icon: styleOf(s.host).icon })),
          },
        ],
        geo: {
          id: 'china',
          map: 'china',
          roam: true,
          scaleLimit: { min: 0.8, max: 10 },
          top: 70,
          bottom: 24,
          label: { show: false },
          itemStyle: { areaColor: '#eef1f5', borderColor: '#9aa7b6', borderWidth: 0.8 },
          emphasis: { label: { show: true, fontSize: 12, color: '#15202b' }, itemStyle: { areaColor: '#e1e7ee' } },
          regions: d.focusProvince ? [{ name: d.focusProvince, itemStyle: { areaColor: '#f7e9c6', borderColor: '#7a5c12', borderWidth: 1.5 } }] : [],
          select: { disabled: true },
          selectedMode: false,
          tooltip: { show: false },
        },
        series: [
          ...lineSeries,
          {
            id: 'targets',
            name: t('investmentTargets'),
            type: 'scatter',
            coordinateSystem: 'geo',
            geoIndex: 0,
            symbol: 'circle',
            data: markerRows.map((r) => ({
              id: r.target.enterprise.id,
              ent: r.target.enterprise.id,
              name: nm(r.target.enterprise),
              value: [r.at!.lon, r.at!.lat, r.target.score],
              symbolSize: 10 + 16 * Math.sqrt(Math.max(0, r.target.score) / maxScore),
              itemStyle: {
                color: r.target.host ? styleOf(r.target.host.park.id).color : '#8a8f98',
                borderColor: r.target.enterprise.id === state.ent ? '#15202b' : '#ffffff',
                borderWidth: r.target.enterprise.id === state.ent ? 2.5 : 1,
              },
            })),
            tooltip: { show: true, formatter: (p: { dataIndex: number }) => markerTooltip(markerRows[p.dataIndex]) },
            z: 5,
          },
          {
            id: 'hosts',
            name: t('hostPark'),
            type: 'scatter',
            coordinateSystem: 'geo',
            geoIndex: 0,
            symbol: 'pin',
            symbolSize: 26,
            data: hub,
            label: { show: false },
            tooltip: { show: true, formatter: (p: { name: string }) => `<div class="tt-title">${escapeHtml(p.name)}</div><div class="tt-muted">${escapeHtml(t('hostPark'))}</div>` },
            z: 6,
          },
        ],
      },
      { notMerge: true },
    );
    paintThen(c, t0, () => ctx.ready());
    const unplaced = rows.filter((r) => !r.at).length;
    replaceChildren(note, h('span', { class: 'note-mark' }, 'ⓘ'), t('targetsNote'), ' ', t('approxPosition'),
      unplaced ? ` · ${plural('noPoint', unplaced)}` : '');
  }

  function markerTooltip(r: Row | undefined): string {
    if (!r) return '';
    const d = data!;
    const all = rows.filter((x) => x.target.enterprise.id === r.target.enterprise.id);
    return [
      `<div class="tt-title">${escapeHtml(nm(r.target.enterprise))}</div>`,
      `<div class="tt-muted">${escapeHtml(nm(r.target.enterprise.region))}</div>`,
      ...all.map((x) => `<div>${escapeHtml(shortName(nm(d.idx.get(x.gap.segment.id))))} · ${escapeHtml(t('score'))} ${escapeHtml(num(x.target.score, 1))}</div>`),
      `<div>${escapeHtml(reasonOf(r.target))}</div>`,
      `<div>${escapeHtml(t('hostPark'))}${escapeHtml(t('colon'))}${escapeHtml(hostName(r.target.host))}</div>`,
      `<div class="tt-muted">${escapeHtml(t('tooltipClick'))}</div>`,
    ].join('');
  }

  function scopeName(s: Scope): string {
    return s.kind === 'park' ? nm(s.park) : nm(s.region);
  }

  function renderToolbar(): void {
    const state = ctx.state();
    const d = data;
    const sel = h('select', {
      id: 'gap-select', class: 'select', 'aria-label': t('gap'),
      on: {
        change: () => {
          if (sel.value === '*') ctx.navigate({ all: true, segment: undefined, ent: undefined });
          else ctx.navigate({ all: undefined, segment: sel.value, ent: undefined });
        },
      },
    });
    if (d) {
      const current = state.all ? '*' : selectedGaps(state)[0]?.segment.id;
      const add = (value: string, label: string) => {
        const o = h('option', { value }, label);
        if (value === current) o.selected = true;
        sel.appendChild(o);
      };
      add('*', t('topGaps', { n: Math.min(TOP_GAPS, rankedGaps(d.report.segments).length) }));
      const ranked = rankedGaps(d.report.segments);
      const listed = new Set(ranked.map((g) => g.segment.id));
      // A segment chosen elsewhere (e.g. a strong one on the chain map) stays selectable.
      const extra = state.segment && !listed.has(state.segment) ? d.gaps.get(state.segment) : undefined;
      for (const g of extra ? [extra, ...ranked] : ranked) {
        add(g.segment.id, `${STATUS_STYLES[g.status].badge} ${kindLabel(g.kind, g.kindZh)} · ${shortName(nm(d.idx.get(g.segment.id)))} · ${num(g.score, 0)}`);
      }
    }
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('gap')), sel),
      h('div', { class: 'toolbar-spacer' }),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && void downloadChartPng(chart, fileName(['targets', state.all ? 'top' : state.segment], 'png')) },
      }, t('exportPng')),
    );
  }

  function renderPanel(gaps: SegmentGap[]): void {
    const d = data!;
    const state = ctx.state();
    const sel = rows.filter((r) => r.target.enterprise.id === state.ent);
    if (sel.length) {
      const e = sel[0].target.enterprise;
      replaceChildren(panel,
        h('div', { class: 'panel-head' },
          h('div', null, h('div', { class: 'panel-kicker' }, nm(e.region)), h('h2', { id: 'panel-title' }, nm(e))),
          h('button', { type: 'button', class: 'btn-close', 'aria-label': t('close'), on: { click: () => ctx.navigate({ ent: undefined }) } }, '×'),
        ),
        e.designations.length || e.stockCode ? labelled('', [...e.designations, ...(e.stockCode ? [e.stockCode] : [])].map((x) => chip(x))) : null,
        sel.map((r) => h('section', { class: 'panel-section target-detail', 'data-gap': r.gap.segment.id },
          h('h3', null, `${shortName(nm(d.idx.get(r.gap.segment.id)))} · #${r.rank}`),
          h('div', { class: 'panel-status' }, scoreChip(r.target.score), r.target.distanceKm !== null ? chip(`${num(r.target.distanceKm, 0)} km`) : null),
          h('p', { class: 'panel-reason' }, reasonOf(r.target)),
          factorsTable(r.target.factors, r.target.score, `${r.gap.segment.id}:${e.id}`),
          labelled(t('hostPark'), hostName(r.target.host)),
          r.target.host ? labelled(t('hostReason'), reasonOf(r.target.host)) : null,
        )),
      );
      return;
    }
    const counts = new Map<string, { host: HostPark; n: number }>();
    for (const r of rows) {
      if (!r.target.host) continue;
      const c = counts.get(r.target.host.park.id) ?? { host: r.target.host, n: 0 };
      c.n++;
      counts.set(r.target.host.park.id, c);
    }
    const g = gaps.length === 1 ? gaps[0] : undefined;
    replaceChildren(panel,
      h('div', { class: 'panel-hint' },
        g
          ? h('div', { class: 'gap-summary', 'data-gap': g.segment.id },
              h('div', { class: 'panel-kicker' }, `${t('gap')} · ${g.segment.id}`),
              h('h2', { id: 'panel-title' }, nm(d.idx.get(g.segment.id))),
              h('div', { class: 'panel-status' }, statusChip(g.status), g.kind !== 'NONE' ? kindChip(g.kind, g.kindZh) : null, scoreChip(g.score)),
              h('p', { class: 'panel-reason' }, reasonOf(g)),
              isGap(g) ? null : h('p', { class: 'muted small' }, t('notAGap')),
            )
          : h('div', null, h('h2', null, t('topGaps', { n: gaps.length })), h('p', { class: 'small' }, t('topGapsHint'))),
        h('h3', null, t('hostPark')),
        h('ul', { class: 'legend-list' },
          [...counts.values()]
            .sort((a, b) => hostOrder.indexOf(a.host.park.id) - hostOrder.indexOf(b.host.park.id))
            .map((c) => h('li', { 'data-host': c.host.park.id },
              h('span', { class: ['swatch-line', `line-${Math.max(0, hostOrder.indexOf(c.host.park.id)) % PARK_STYLES.length}`] }),
              h('span', null, `${nm(c.host.park)}${t('colon')}`, h('strong', null, plural('targetsCount', c.n))))),
        ),
        h('p', { class: 'muted small' }, t('targetsNote')),
      ),
    );
  }

  function renderTableBelow(gaps: SegmentGap[]): void {
    const d = data!;
    const state = ctx.state();
    const base = targetColumns({ idx: d.idx, withGap: gaps.length > 1 });
    const cols: Column<Row>[] = [
      { key: 'rank', header: () => '#', value: (r) => r.rank, numeric: true },
      ...base.map((c) => ({ ...c, value: (r: Row) => c.value(r.target), render: c.render ? (r: Row) => c.render!(r.target) : undefined })),
      { key: 'province', header: () => t('province'), value: (r) => nm(ctx.boot.regions.province(r.target.enterprise.region.id)) },
      addLeadColumn((r: Row) => ({ enterprise: r.target.enterprise.id, segment: r.target.segment.id, origin: 'investmentTargets', ...targetPlace(r.target.host?.park.id, d.scope) })),
    ];
    replaceChildren(tableHost, renderTable({
      id: 'targets', title: () => t('targetList'), columns: cols, rows,
      fileParts: [state.all ? 'top' : gaps[0]?.segment.id, d.scope.id],
      rowId: (r) => (gaps.length > 1 ? `${r.gap.segment.id}/${r.target.enterprise.id}` : r.target.enterprise.id),
      onRowClick: (r) => ctx.navigate({ ent: r.target.enterprise.id }),
      empty: () => t('noTargets'),
    }));
  }

  return {
    el,
    async update(state: AppState, prev: AppState | null) {
      if (!prev || !data || prev.scope !== state.scope) {
        renderToolbar();
        await load();
        return;
      }
      if (prev.segment !== state.segment || prev.all !== state.all) {
        ctx.busy();
        await render();
      } else if (prev.ent !== state.ent) {
        ctx.busy();
        const gaps = selectedGaps(state);
        draw(gaps);
        renderPanel(gaps);
      }
    },
    resize() {
      chart?.resize();
    },
    destroy() {
      token++;
      chart?.dispose();
      chart = null;
    },
  };
}
