// 全国招商目标: enterprises of the chain outside the focus region on a China province map
// (echarts@4.9.0 china.json, bundled), each linked to the Zhengzhou park that would host
// it (provisional rule in hostPark.ts; later the gap-analysis API's recommendation).

import { echarts } from '../charts/geo';
import type { EChartsType } from 'echarts/core';
import { FONT_FAMILY, paintThen, TOOLTIP_BASE } from '../charts/core';
import { escapeHtml, h, replaceChildren } from '../dom';
import { entCount, nm, num, t } from '../i18n';
import { STAGES, type Enterprise, type Park, type Stage } from '../api';
import { shortName, type SegmentIndex } from '../model';
import type { AppState } from '../state';
import { filterEnterprises, markerSeries, toMarkers, type Marker } from '../charts/markers';
import { matchHostPark, type HostMatch } from '../hostPark';
import { renderTable, type Column } from '../ui/table';
import { chip, errorBox, labelled, loading } from '../ui/widgets';
import { downloadChartPng } from '../export/png';
import { fileName } from '../export/csv';
import { chinaBase, segmentOptions, stageOptions } from './mapShared';
import type { Ctx, View } from './types';

// One colour and one line pattern per host park (the pattern is the second cue).
const PARK_STYLES = [
  { color: '#1d3557', type: 'solid', icon: 'path://M0,4H30V7H0Z' },
  { color: '#b23a00', type: 'dashed', icon: 'path://M0,4H8V7H0ZM11,4H19V7H11ZM22,4H30V7H22Z' },
  { color: '#6a3d9a', type: 'dotted', icon: 'path://M0,4H3V7H0ZM6,4H9V7H6ZM12,4H15V7H12ZM18,4H21V7H18ZM24,4H27V7H24Z' },
  { color: '#2a7f62', type: [8, 3, 2, 3], icon: 'path://M0,4H10V7H0ZM14,4H16V7H14ZM20,4H30V7H20Z' },
] as const;

interface Data {
  idx: SegmentIndex;
  targets: Enterprise[];
  parks: Park[];
  fallback: (regionId: string) => { lon: number; lat: number } | null;
  focusName: string;
  focusProvince: string | undefined;
}

interface Row {
  e: Enterprise;
  m: Marker | undefined;
  host: HostMatch | null;
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
  let token = 0;

  function ensureChart(): EChartsType {
    if (!chart) {
      chart = echarts.init(chartEl, null, { renderer: 'canvas' });
      chart.on('click', (p) => {
        const id = (p.data as { id?: string } | undefined)?.id;
        if (id && typeof p.seriesId === 'string' && p.seriesId.startsWith('ent-')) ctx.navigate({ ent: id });
      });
    }
    return chart;
  }

  async function load(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(panel, loading());
    try {
      const focus = ctx.boot.dataset.focusRegion?.id ?? '';
      const [idx, all, china] = await Promise.all([
        ctx.store.chain(ctx.chainId()),
        ctx.store.enterprises({ chain: ctx.chainId() }),
        chinaBase(ctx),
      ]);
      if (my !== token) return;
      const targets = all.filter((e) => !focus || !ctx.boot.regions.within(e.region.id, focus));
      const parks = ctx.boot.dataset.focusParks.map((p) => ctx.boot.parks.get(p.id)).filter((p): p is Park => !!p);
      data = { idx, targets, parks, fallback: china.fallback, focusName: nm(ctx.boot.regions.get(focus)), focusProvince: china.provinceName(focus) };
    } catch (err) {
      if (my !== token) return;
      replaceChildren(panel, errorBox(err, () => void load()));
      return;
    }
    render();
  }

  function render(): void {
    if (!data) return;
    const d = data;
    const state = ctx.state();
    const segment = d.idx.get(state.segment);
    const stage = (STAGES as string[]).includes(state.stage ?? '') ? (state.stage as Stage) : undefined;
    const segments = segment ? d.idx.subtree(segment.id) : undefined;
    const list = filterEnterprises(d.targets, { segments, stage });
    const { markers, unplaced } = toMarkers(list, { segments, stage }, ctx.boot.regions, d.idx.chain.id, d.fallback);
    const byId = new Map(markers.map((m) => [m.e.id, m]));
    rows = list.map((e) => {
      // Match on the operations that pass the filter, so the line explains the filter.
      const ops = e.operations.filter((o) => (!segments || segments.has(o.segment.id)) && (!stage || o.segment.stage === stage));
      return { e, m: byId.get(e.id), host: matchHostPark({ ...e, operations: ops.length ? ops : e.operations }, d.parks, d.idx) };
    });

    renderToolbar();
    const parkPoint = new Map(d.parks.map((p) => [p.id, ctx.boot.parks.point(p.id, ctx.boot.regions)]));
    const lineSeries = d.parks.map((p, i) => {
      const st = PARK_STYLES[i % PARK_STYLES.length];
      const to = parkPoint.get(p.id);
      const lines = to
        ? rows.filter((r) => r.host?.park.id === p.id && r.m).map((r) => ({
            id: r.e.id,
            name: nm(r.e),
            coords: [[r.m!.at.lon, r.m!.at.lat], [to.lon, to.lat]],
          }))
        : [];
      return {
        id: `lines-${p.id}`,
        name: shortName(nm(p)),
        type: 'lines',
        coordinateSystem: 'geo',
        geoIndex: 0,
        polyline: false,
        silent: false,
        lineStyle: { color: st.color, width: 1.3, opacity: 0.55, curveness: 0.25, type: st.type },
        emphasis: { lineStyle: { width: 2.5, opacity: 1 } },
        data: lines,
        tooltip: {
          show: true,
          formatter: (q: { dataIndex: number }) => {
            const ln = lines[q.dataIndex];
            const r = rows.find((x) => x.e.id === ln?.id);
            if (!r || !r.host) return '';
            return `<div class="tt-title">${escapeHtml(nm(r.e))} → ${escapeHtml(nm(r.host.park))}</div><div class="tt-muted">${escapeHtml(reasonText(r.host))}</div>`;
          },
        },
        z: 3,
      };
    });
    const hub = d.parks
      .map((p) => ({ p, pt: parkPoint.get(p.id) }))
      .filter((x) => x.pt)
      .map((x, i) => ({
        id: x.p.id,
        name: nm(x.p),
        value: [x.pt!.lon, x.pt!.lat],
        itemStyle: { color: PARK_STYLES[i % PARK_STYLES.length].color },
      }));

    const c = ensureChart();
    const t0 = performance.now();
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: FONT_FAMILY },
        title: {
          text: t('targetsTitle', { region: d.focusName }),
          subtext: t('markersShown', { n: markers.length }) + (segment ? ` · ${shortName(nm(segment))}` : '') + (stage ? ` · ${t(`stage.${stage}`)}` : ''),
          left: 12,
          top: 8,
          textStyle: { fontSize: 16, fontWeight: 600, color: '#15202b', fontFamily: FONT_FAMILY },
          subtextStyle: { fontSize: 12, color: '#4a5a6c', fontFamily: FONT_FAMILY },
        },
        tooltip: { ...TOOLTIP_BASE, trigger: 'item' },
        legend: [
          {
            id: 'stages',
            orient: 'vertical',
            left: 12,
            bottom: 30,
            itemWidth: 14,
            itemHeight: 14,
            textStyle: { fontSize: 12, color: '#2b3a4d', fontFamily: FONT_FAMILY },
            backgroundColor: 'rgba(255,255,255,0.85)',
            data: STAGES.map((s) => ({ name: t(`stage.${s}`) })),
          },
          {
            id: 'parks',
            orient: 'vertical',
            right: 12,
            top: 64,
            itemWidth: 30,
            itemHeight: 10,
            textStyle: { fontSize: 12, color: '#2b3a4d', fontFamily: FONT_FAMILY },
            backgroundColor: 'rgba(255,255,255,0.85)',
            data: lineSeries.map((s, i) => ({ name: s.name, icon: PARK_STYLES[i % PARK_STYLES.length].icon })),
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
          ...markerSeries(markers, { regions: ctx.boot.regions, parks: ctx.boot.parks, idx: d.idx, selected: state.ent }),
          {
            id: 'hosts',
            name: t('focusParks'),
            type: 'scatter',
            coordinateSystem: 'geo',
            geoIndex: 0,
            symbol: 'pin',
            symbolSize: 26,
            data: hub,
            label: { show: false },
            tooltip: { show: true, formatter: (p: { name: string }) => `<div class="tt-title">${escapeHtml(p.name)}</div>` },
            z: 6,
          },
        ],
      },
      { notMerge: true },
    );
    paintThen(c, t0, () => ctx.ready());
    replaceChildren(note, h('span', { class: 'note-mark' }, 'ⓘ'), t('targetsNote'), ' ', t('approxPosition'),
      unplaced.length ? ` · ${t('noPoint', { n: unplaced.length })}` : '');
    renderPanel();
    renderTableBelow();
  }

  function reasonText(m: HostMatch): string {
    const d = data!;
    const seg = d.idx.get(m.segment);
    const focus = d.idx.get(m.focus);
    return `${shortName(nm(seg)) || m.segment} ⊂ ${t('matchVia', { seg: shortName(nm(focus)) || m.focus })}`;
  }

  function renderToolbar(): void {
    const state = ctx.state();
    replaceChildren(toolbar,
      data ? segmentOptions(data.idx, state.segment, (v) => ctx.navigate({ segment: v || undefined, ent: undefined })) : null,
      stageOptions(state.stage, (v) => ctx.navigate({ stage: v || undefined, ent: undefined })),
      h('div', { class: 'toolbar-spacer' }),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && void downloadChartPng(chart, fileName(['targets', state.segment], 'png')) },
      }, t('exportPng')),
    );
  }

  function renderPanel(): void {
    const d = data!;
    const state = ctx.state();
    const sel = rows.find((r) => r.e.id === state.ent);
    if (sel) {
      const regions = ctx.boot.regions;
      replaceChildren(panel,
        h('div', { class: 'panel-head' },
          h('div', null, h('div', { class: 'panel-kicker' }, nm(regions.province(sel.e.region.id)) || ''), h('h2', { id: 'panel-title' }, nm(sel.e))),
          h('button', { type: 'button', class: 'btn-close', 'aria-label': t('close'), on: { click: () => ctx.navigate({ ent: undefined }) } }, '×'),
        ),
        labelled(t('region'), nm(regions.get(sel.e.region.id)) || sel.e.region.id),
        labelled(t('operations'), sel.e.operations.map((o) => chip(`${shortName(nm(d.idx.get(o.segment.id)) || o.segment.id)}${o.capacity !== null ? ` ${num(o.capacity)} ${o.capacityUnit ?? ''}` : ''}`))),
        labelled(t('hostPark'), sel.host ? nm(sel.host.park) : t('noHost')),
        sel.host ? labelled(t('matchReason'), reasonText(sel.host)) : null,
        sel.e.designations.length ? labelled('', sel.e.designations.map((x) => chip(x))) : null,
        h('p', { class: 'muted small' }, t('targetsNote')),
      );
      return;
    }
    const counts = d.parks.map((p, i) => ({ p, i, n: rows.filter((r) => r.host?.park.id === p.id).length }));
    const none = rows.filter((r) => !r.host).length;
    replaceChildren(panel,
      h('div', { class: 'panel-hint' },
        h('h2', null, t('hostPark')),
        h('ul', { class: 'legend-list' },
          counts.map((c) => h('li', null, h('span', { class: ['swatch-line', `line-${c.i % PARK_STYLES.length}`] }), `${nm(c.p)}：`, h('strong', null, entCount(c.n)))),
          h('li', null, h('span', { class: 'swatch-line none' }), `${t('noHost')}：`, h('strong', null, entCount(none))),
        ),
        h('p', { class: 'muted small' }, t('targetsNote')),
      ),
    );
  }

  function renderTableBelow(): void {
    const d = data!;
    const regions = ctx.boot.regions;
    const cols: Column<Row>[] = [
      { key: 'name', header: () => t('enterprise'), value: (r) => nm(r.e) },
      { key: 'province', header: () => t('province'), value: (r) => nm(regions.province(r.e.region.id)) },
      { key: 'region', header: () => t('region'), value: (r) => nm(regions.get(r.e.region.id)) || r.e.region.id },
      { key: 'segments', header: () => t('operations'), value: (r) => [...new Set(r.e.operations.map((o) => shortName(nm(d.idx.get(o.segment.id)) || o.segment.id)))].join('、'), cls: 'wrap' },
      { key: 'capacity', header: () => t('capacity'), value: (r) => r.m?.capacity ?? null, render: (r) => (r.m?.capacity != null ? `${num(r.m.capacity)} ${r.m.unit ?? ''}` : ''), numeric: true },
      { key: 'host', header: () => t('hostPark'), value: (r) => (r.host ? nm(r.host.park) : t('noHost')) },
      { key: 'reason', header: () => t('matchReason'), value: (r) => (r.host ? reasonText(r.host) : ''), cls: 'wrap' },
    ];
    replaceChildren(tableHost, renderTable({
      id: 'targets', title: () => t('targetList'), columns: cols, rows, fileParts: [ctx.state().segment ?? 'all'],
      rowId: (r) => r.e.id, onRowClick: (r) => ctx.navigate({ ent: r.e.id }), maxRows: 1000,
    }));
  }

  return {
    el,
    async update(state: AppState, prev: AppState | null) {
      if (!prev || !data) {
        renderToolbar();
        await load();
        return;
      }
      if (prev.segment !== state.segment || prev.stage !== state.stage || prev.ent !== state.ent) {
        ctx.busy();
        render();
      }
    },
    resize() {
      if (chart) {
        chart.resize();
      }
    },
    destroy() {
      token++;
      chart?.dispose();
      chart = null;
    },
  };
}
