// 郑州地图: the focus region's county-level units (boundaryGeoJson from the API, registered
// as an ECharts map), the focus parks ("1区+2集群") highlighted through their counties,
// enterprises as markers coloured and shaped by stage and sized by capacity. Filters by
// segment and stage; clicking a park shows its composition.

import { echarts } from '../charts/geo';
import type { EChartsType } from 'echarts/core';
import { FONT_FAMILY, paintThen, TOOLTIP_BASE } from '../charts/core';
import { escapeHtml, h, replaceChildren } from '../dom';
import { nm, num, plural, t, tOr } from '../i18n';
import { STAGES, type ClusterComposition, type Enterprise, type Park, type Project, type Region, type RegionBoundary, type Stage } from '../api';
import { shortName, type SegmentIndex } from '../model';
import type { Scope } from '../store';
import type { AppState } from '../state';
import { filterEnterprises, markerSeries, toMarkers, type Marker } from '../charts/markers';
import { STAGE_COLORS, STAGE_SYMBOLS } from '../charts/stageStyle';
import { renderTable, type Column } from '../ui/table';
import { chip, errorBox, labelled, loading, projectStageLabel, statusChip } from '../ui/widgets';
import { kindChip } from '../ui/gap';
import { kindLabel, STATUS_STYLES } from '../status';
import { downloadChartPng } from '../export/png';
import { fileName } from '../export/csv';
import { chinaBase, segmentOptions, stageOptions } from './mapShared';
import type { Ctx, View } from './types';

interface Base {
  /** Registered map name. */
  map: string;
  /** Region whose children are drawn (or the country for the China base). */
  region: Region | null;
  credit: string;
  creditShort: string;
  nameMap: Record<string, string>;
  fallback?: (regionId: string) => { lon: number; lat: number } | null;
  china: boolean;
}

interface Data {
  idx: SegmentIndex;
  scope: Scope;
  base: Base;
  enterprises: Enterprise[];
  focusParks: Park[];
  parkRegions: Map<string, string>; // region id -> park id
}

export function createMapView(ctx: Ctx): View {
  const chartEl = h('div', { id: 'map-chart', class: 'chart map-chart', role: 'img', 'aria-label': t('view.map') });
  const credit = h('p', { class: 'credits', id: 'map-credits' });
  const panel = h('aside', { class: 'side-panel', id: 'map-panel', 'aria-live': 'polite' });
  const toolbar = h('div', { class: 'toolbar' });
  const status = h('p', { class: 'legend-note' });
  const tableHost = h('div', { class: 'below-chart' });
  const el = h('div', { class: 'view view-map' }, toolbar, status,
    h('div', { class: 'split' }, h('div', { class: 'chart-wrap' }, chartEl, credit), panel), tableHost);

  let chart: EChartsType | null = null;
  let data: Data | null = null;
  let markers: Marker[] = [];
  let token = 0;
  let parkToken = 0;

  function ensureChart(): EChartsType {
    if (!chart) {
      chart = echarts.init(chartEl, null, { renderer: 'canvas' });
      chart.on('click', (p) => {
        if (!data) return;
        if (p.componentType === 'geo') {
          const park = data.parkRegions.get(String(p.name));
          if (park) ctx.navigate({ park, ent: undefined });
          return;
        }
        if (p.seriesId === 'parks') {
          ctx.navigate({ park: String((p.data as { id: string }).id), ent: undefined });
        } else if (typeof p.seriesId === 'string' && p.seriesId.startsWith('ent-')) {
          ctx.navigate({ ent: String((p.data as { id: string }).id), park: undefined });
        }
      });
    }
    return chart;
  }

  async function resolveBase(scope: Scope): Promise<Base> {
    const regions = ctx.boot.regions;
    // The region to draw: the scope's region (a park's first region), walking up to the
    // nearest one whose sub-regions have boundaries.
    const start = scope.kind === 'region' ? scope.region : regions.get(scope.park.regions[0]?.id);
    const candidates = start ? regions.chain(start.id) : [];
    for (const r of candidates) {
      const kids = (await ctx.store.boundaries(r.id)).filter((b) => b.boundaryGeoJson);
      if (!kids.length) continue;
      const name = `region-${r.id}`;
      if (!echarts.getMap(name)) echarts.registerMap(name, featureCollection(kids) as never);
      const nameMap: Record<string, string> = {};
      for (const k of kids) nameMap[k.id] = nm(k);
      const cr = boundaryCredit(kids);
      return { map: name, region: r, credit: cr.full, creditShort: cr.short, nameMap, china: false };
    }
    const china = await chinaBase(ctx);
    return { map: 'china', region: regions.get('100000') ?? null, credit: t('chinaCredit'), creditShort: t('chinaCredit'), nameMap: {}, fallback: china.fallback, china: true };
  }

  function featureCollection(kids: RegionBoundary[]) {
    return {
      type: 'FeatureCollection',
      features: kids.map((k) => {
        const f = JSON.parse(k.boundaryGeoJson!);
        const feat = f.type === 'FeatureCollection' ? f.features[0] : f;
        return { type: 'Feature', id: k.id, properties: { ...(feat.properties ?? {}), name: k.id }, geometry: feat.geometry };
      }),
    };
  }

  function boundaryCredit(kids: RegionBoundary[]): { full: string; short: string } {
    // The boundary's own source: the citation whose source says it is a boundary file,
    // else every distinct source with a licence.
    const seen = new Map<string, { title: string; licence: string }>();
    for (const k of kids) {
      for (const c of k.sources) {
        const s = c.source;
        if (!s) continue;
        const isBoundary = /boundar|geojson|边界/i.test(`${s.id} ${s.title}`);
        if (isBoundary && !seen.has(s.id)) seen.set(s.id, { title: s.title, licence: s.licence || '—' });
      }
    }
    const list = [...seen.values()];
    return {
      full: list.map((s) => t('boundaryCredit', s)).join('；'),
      // In the chart (and so in an exported image): title and licence, cut to the width.
      short: list.map((s) => t('boundaryCredit', s)).join('；'),
    };
  }

  async function load(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(panel, loading());
    try {
      const scope = ctx.scope();
      const [idx, base] = await Promise.all([ctx.store.chain(ctx.chainId()), resolveBase(scope)]);
      const enterprises = await ctx.store.scopeEnterprises(scope);
      if (my !== token) return;
      const focusParks = ctx.boot.dataset.focusParks.map((p) => ctx.boot.parks.get(p.id)).filter((p): p is Park => !!p);
      const parkRegions = new Map<string, string>();
      for (const p of focusParks) for (const r of p.regions) if (!parkRegions.has(r.id)) parkRegions.set(r.id, p.id);
      data = { idx, scope, base, enterprises, focusParks, parkRegions };
    } catch (err) {
      if (my !== token) return;
      replaceChildren(panel, errorBox(err, () => void load()));
      return;
    }
    render();
  }

  function filters(state: AppState) {
    const idx = data!.idx;
    const segment = idx.get(state.segment);
    const stage = STAGES.find((s) => s === state.stage);
    return { segment, stage, segments: segment ? idx.subtree(segment.id) : undefined };
  }

  function renderToolbar(): void {
    const state = ctx.state();
    const d = data;
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      d ? segmentOptions(d.idx, state.segment, (v) => ctx.navigate({ segment: v || undefined })) : null,
      stageOptions(state.stage, (v) => ctx.navigate({ stage: v || undefined })),
      h('div', { class: 'toolbar-spacer' }),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && d && void downloadChartPng(chart, fileName(['map', d.scope.id], 'png')) },
      }, t('exportPng')),
    );
  }

  function render(): void {
    if (!data) return;
    const d = data;
    const state = ctx.state();
    renderToolbar();
    const f = filters(state);
    const list = filterEnterprises(d.enterprises, { segments: f.segments, stage: f.stage });
    const t0 = performance.now();
    const placed = toMarkers(list, { segments: f.segments, stage: f.stage }, ctx.boot.regions, d.idx.chain.id, d.base.fallback);
    markers = placed.markers;
    const c = ensureChart();
    const selectedPark = state.park && ctx.boot.parks.get(state.park) ? state.park : undefined;
    const scopePark = d.scope.kind === 'park' ? d.scope.id : undefined;
    const emphPark = selectedPark ?? scopePark;

    const regionsOpt = [...d.parkRegions.entries()].map(([rid, pid]) => ({
      name: rid,
      itemStyle: {
        areaColor: pid === emphPark ? '#efd28a' : '#f7e9c6',
        borderColor: '#7a5c12',
        borderWidth: pid === emphPark ? 3 : 2,
      },
      label: { fontWeight: 700, color: '#4a3708' },
      emphasis: { itemStyle: { areaColor: '#f2d991' } },
    }));

    const parkData = d.focusParks
      .map((p) => {
        const pt = ctx.boot.parks.point(p.id, ctx.boot.regions);
        return pt ? { id: p.id, name: nm(p), value: [pt.lon, pt.lat], park: p } : null;
      })
      .filter((x): x is NonNullable<typeof x> => !!x);

    const regionName = d.base.region ? nm(d.base.region) : '';
    const regionLabel = (p: { name: string }) => d.base.nameMap[p.name] ?? p.name;
    const option = {
      animation: false,
      textStyle: { fontFamily: FONT_FAMILY },
      title: {
        text: `${regionName} · ${nm(d.idx.chain)}`,
        subtext: t('markersShown', { n: markers.length }) + (f.segment ? ` · ${shortName(nm(f.segment))}` : '') + (f.stage ? ` · ${t(`stage.${f.stage}`)}` : ''),
        left: 12,
        top: 8,
        textStyle: { fontSize: 16, fontWeight: 600, color: '#15202b', fontFamily: FONT_FAMILY },
        subtextStyle: { fontSize: 12, color: '#4a5a6c', fontFamily: FONT_FAMILY },
      },
      tooltip: { ...TOOLTIP_BASE, trigger: 'item' },
      legend: {
        id: 'stages',
        orient: 'vertical',
        left: 12,
        bottom: 34,
        itemWidth: 14,
        itemHeight: 14,
        textStyle: { fontSize: 13, color: '#2b3a4d', fontFamily: FONT_FAMILY },
        backgroundColor: 'rgba(255,255,255,0.85)',
        padding: [6, 8],
        data: [
          ...STAGES.map((s) => ({ name: t(`stage.${s}`), icon: iconOf(s) })),
          { name: t('focusParks'), icon: 'pin' },
          ...(d.base.china ? [] : [{ name: t('parkArea'), icon: 'roundRect' }]),
        ],
      },
      geo: {
        id: 'base',
        map: d.base.map,
        roam: true,
        scaleLimit: { min: 0.8, max: 12 },
        // Region names are ids (stable for styling and clicks); labels show the names.
        top: 64,
        bottom: 28,
        left: d.base.china ? 120 : 150,
        right: 16,
        label: { show: !d.base.china, fontSize: 11, color: '#5b6776', fontFamily: FONT_FAMILY, formatter: regionLabel },
        itemStyle: { areaColor: '#eef1f5', borderColor: '#9aa7b6', borderWidth: 1 },
        emphasis: { label: { color: '#15202b', formatter: regionLabel }, itemStyle: { areaColor: '#e1e7ee' } },
        select: { disabled: true },
        selectedMode: false,
        regions: d.base.china ? [] : regionsOpt,
        tooltip: { show: false },
      },
      graphic: [
        {
          type: 'text', right: 12, bottom: 8, silent: true,
          style: { text: d.base.creditShort, font: `11px ${FONT_FAMILY}`, fill: '#6b7785', width: Math.max(300, chartEl.clientWidth - 40), overflow: 'truncate' },
        },
      ],
      series: [
        ...markerSeries(markers, { regions: ctx.boot.regions, parks: ctx.boot.parks, idx: d.idx, selected: state.ent }),
        // Legend entry for the highlighted park counties (the counties are styled in geo.regions).
        ...(d.base.china ? [] : [{
          id: 'park-area', name: t('parkArea'), type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, data: [],
          symbol: 'roundRect', itemStyle: { color: '#f7e9c6', borderColor: '#7a5c12', borderWidth: 2 }, silent: true,
        }]),
        {
          id: 'parks',
          name: t('focusParks'),
          type: 'scatter',
          coordinateSystem: 'geo',
          geoIndex: 0,
          symbol: 'pin',
          symbolSize: 38,
          symbolOffset: [0, '-40%'],
          itemStyle: { color: '#1d3557', borderColor: '#ffffff', borderWidth: 1.5 },
          label: {
            show: true, position: 'right', distance: 4, formatter: (p: { name: string }) => shortName(p.name),
            fontSize: 13, fontWeight: 600, color: '#1d3557', backgroundColor: 'rgba(255,255,255,0.88)', padding: [2, 5], borderRadius: 3,
            fontFamily: FONT_FAMILY,
          },
          data: parkData.map((p) => ({
            id: p.id,
            name: p.name,
            value: p.value,
            itemStyle: p.id === emphPark ? { color: '#b23a00' } : undefined,
          })),
          tooltip: {
            show: true,
            formatter: (p: { dataIndex: number }) => {
              const park = parkData[p.dataIndex].park;
              const regs = park.regions.map((r) => nm(ctx.boot.regions.get(r.id))).join('、');
              return `<div class="tt-title">${escapeHtml(nm(park))}</div><div class="tt-muted">${escapeHtml(regs)}</div><div class="tt-muted">${escapeHtml(t('tooltipClick'))}</div>`;
            },
          },
          z: 6,
        },
      ],
    };
    c.setOption(option, { notMerge: true });
    paintThen(c, t0, (ms) => {
      // Read by tests/perf-markers.mjs: markers placed + option set + painted, in ms.
      (window as unknown as { __chainmapRender?: object }).__chainmapRender = { ms, markers: markers.length };
      ctx.ready();
    });
    replaceChildren(credit, d.base.credit);
    replaceChildren(status,
      h('span', { class: 'note-mark' }, 'ⓘ'),
      t('markersShown', { n: markers.length }), ' · ', t('markerSize'), ' · ', t('approxPosition'),
      placed.unplaced.length ? ` · ${plural('noPoint', placed.unplaced.length)}` : '',
    );
    renderPanel();
    renderTableBelow(list);
  }

  function iconOf(s: Stage): string {
    const sym = STAGE_SYMBOLS[s];
    return sym;
  }

  function renderPanel(): void {
    if (!data) return;
    const d = data;
    const state = ctx.state();
    const park = ctx.boot.parks.get(state.park ?? (d.scope.kind === 'park' ? d.scope.id : undefined));
    const ent = state.ent ? d.enterprises.find((e) => e.id === state.ent) : undefined;
    parkToken++;
    if (ent) return renderEnterprise(ent);
    if (park) return void renderPark(park);
    replaceChildren(panel,
      h('div', { class: 'panel-hint' },
        h('h2', null, t('focusParks')),
        h('p', null, t('parkHint')),
        h('div', { class: 'park-buttons' }, d.focusParks.map((p) => h('button', { type: 'button', class: 'btn btn-block', 'data-park': p.id, on: { click: () => ctx.navigate({ park: p.id }) } }, nm(p)))),
        h('p', { class: 'muted small' }, t('markerSize')),
        h('p', { class: 'muted small' }, t('approxPosition')),
      ),
    );
    panel.dataset.park = '';
  }

  async function renderPark(park: Park): Promise<void> {
    const d = data!;
    const my = ++parkToken;
    replaceChildren(panel, loading());
    panel.dataset.park = '';
    let comp: ClusterComposition;
    let ents: Enterprise[];
    try {
      [comp, ents] = await Promise.all([
        ctx.store.cluster(park.id, d.idx.chain.id),
        ctx.store.scopeEnterprises({ kind: 'park', id: park.id, park }, d.idx.chain.id),
      ]);
    } catch (err) {
      if (my === parkToken) replaceChildren(panel, errorBox(err, () => void renderPark(park)));
      return;
    }
    if (my !== parkToken) return;
    const regions = ctx.boot.regions;
    const segName = (id: string) => shortName(nm(d.idx.get(id))) || id;
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const bars = h('ul', { class: 'bars', id: 'park-stages' }, comp.byStage.map((s) => {
      const bar = h('span', { class: 'bar-fill' });
      bar.style.width = `${s.total ? (100 * s.present) / s.total : 0}%`;
      bar.style.backgroundColor = STAGE_COLORS[s.stage];
      return h('li', { 'data-stage': s.stage }, h('span', { class: ['shape', `shape-${s.stage.toLowerCase()}`] }), h('span', { class: 'bar-label' }, t(`stage.${s.stage}`)), h('span', { class: 'bar' }, bar), h('span', { class: 'bar-n' }, `${s.present}/${s.total}`));
    }));
    const present = comp.segments.filter((s) => s.enterprises > 0);
    const segCols: Column<ClusterComposition['segments'][number]>[] = [
      { key: 'segment', header: () => t('segment'), value: (s) => segName(s.segment.id), render: (s) => h('span', { class: `indent-${Math.min(d.idx.depth(s.segment.id), 3)}` }, segName(s.segment.id)), cls: 'wrap' },
      { key: 'enterprises', header: () => t('enterprises'), value: (s) => s.enterprises, numeric: true },
      { key: 'capacity', header: () => t('capacity'), value: (s) => s.capacity, render: (s) => (s.capacity !== null ? `${num(s.capacity)} ${d.idx.get(s.segment.id)?.unit ?? ''}` : ''), numeric: true },
      {
        key: 'lq', header: () => t('lqShort'), value: (s) => s.lq, numeric: true,
        render: (s) => (s.lq === null ? '' : h('span', { class: ['lq', s.lq >= 1 ? 'lq-high' : 'lq-low'], title: t(s.lq >= 1 ? 'lqHigh' : 'lqLow') }, `${num(s.lq, 2)}${s.lq >= 1 ? ' ▲' : ' ▽'}`)),
      },
    ];
    const prjCols: Column<Project>[] = [
      { key: 'name', header: () => t('name'), value: (p) => nm(p), cls: 'wrap' },
      { key: 'stage', header: () => t('stage'), value: (p) => projectStageLabel(p.stage) },
      { key: 'capacity', header: () => t('capacity'), value: (p) => (p.capacity !== null ? `${num(p.capacity)} ${p.capacityUnit ?? ''}` : '') },
      { key: 'enterprise', header: () => t('enterprise'), value: (p) => nm(p.enterprise) },
    ];
    const hostCols: Column<ClusterComposition['hostable'][number]>[] = [
      { key: 'segment', header: () => t('gap'), value: (g) => segName(g.segment.id), cls: 'wrap' },
      { key: 'status', header: () => t('status'), value: (g) => t(STATUS_STYLES[g.status].labelKey), render: (g) => statusChip(g.status) },
      { key: 'kind', header: () => t('gapKind'), value: (g) => kindLabel(g.kind, g.kindZh), render: (g) => kindChip(g.kind, g.kindZh) },
      { key: 'score', header: () => t('score'), value: (g) => g.score, render: (g) => num(g.score, 1), numeric: true },
    ];
    const entCols: Column<Enterprise>[] = [
      { key: 'name', header: () => t('enterprise'), value: (e) => nm(e) },
      { key: 'region', header: () => t('region'), value: (e) => nm(regions.get(e.region.id)) || e.region.id },
      { key: 'park', header: () => t('park'), value: (e) => (e.park ? nm(ctx.boot.parks.get(e.park.id)) : '') },
      { key: 'segments', header: () => t('operations'), value: (e) => [...new Set(e.operations.map((o) => o.segment.id))].join(' '), cls: 'ids' },
    ];
    replaceChildren(panel,
      h('div', { class: 'panel-head' },
        h('div', null, h('div', { class: 'panel-kicker' }, `${t('parkComposition')} · ${tOr(`parkKind.${park.kind}`, park.kind)}`), h('h2', { id: 'panel-title' }, nm(park))),
        h('button', { type: 'button', class: 'btn-close', 'aria-label': t('close'), on: { click: () => ctx.navigate({ park: undefined }) } }, '×'),
      ),
      labelled(t('parkRegions'), park.regions.map((r) => nm(regions.get(r.id)) || r.id).join('、')),
      labelled(t('focusSegments'), park.focusSegments.map((s) => chip(segName(s.id), 'chip-accent'))),
      h('div', { class: 'figures' },
        h('div', { class: 'figure' }, h('span', { class: 'fig-v', id: 'park-count' }, String(comp.enterprises)), h('span', { class: 'fig-k' }, t('enterprises'))),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v', id: 'park-coverage' }, pct(comp.coverage)), h('span', { class: 'fig-k' }, t('coverage'))),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, String(comp.projects.length)), h('span', { class: 'fig-k' }, t('projects'))),
      ),
      h('section', { class: 'panel-section' }, h('h3', null, t('segmentsByStage')), bars),
      renderTable({
        id: 'park-segments', title: () => t('specialisation'), columns: segCols, rows: present, fileParts: [park.id], rowId: (s) => s.segment.id, compact: true,
        caption: comp.reference ? t('lqAgainst', { region: nm(comp.reference) }) : undefined, empty: () => t('none'),
      }),
      renderTable({ id: 'park-hostable', title: () => t('hostable'), columns: hostCols, rows: comp.hostable, fileParts: [park.id], rowId: (g) => g.segment.id, compact: true, caption: t('hostableHint'), maxRows: 12, empty: () => t('none') }),
      renderTable({ id: 'park-projects', title: () => t('projects'), columns: prjCols, rows: comp.projects, fileParts: [park.id], rowId: (p) => p.id, compact: true, hideEmpty: true, empty: () => t('none') }),
      renderTable({ id: 'park-enterprises', title: () => t('enterprises'), columns: entCols, rows: ents, fileParts: [park.id], rowId: (e) => e.id, compact: true, hideEmpty: true, empty: () => t('none') }),
    );
    panel.dataset.park = park.id;
  }

  function renderEnterprise(e: Enterprise): void {
    const d = data!;
    const regions = ctx.boot.regions;
    const cols: Column<Enterprise['operations'][number]>[] = [
      { key: 'segment', header: () => t('segment'), value: (o) => shortName(nm(d.idx.get(o.segment.id)) || o.segment.id), cls: 'wrap' },
      { key: 'stage', header: () => t('stage'), value: (o) => t(`stage.${o.segment.stage}`) },
      { key: 'capacity', header: () => t('capacity'), value: (o) => o.capacity, render: (o) => (o.capacity !== null ? num(o.capacity) : ''), numeric: true },
      { key: 'unit', header: () => t('unit'), value: (o) => o.capacityUnit ?? '' },
    ];
    replaceChildren(panel,
      h('div', { class: 'panel-head' },
        h('div', null, h('div', { class: 'panel-kicker' }, e.id), h('h2', { id: 'panel-title' }, nm(e))),
        h('button', { type: 'button', class: 'btn-close', 'aria-label': t('close'), on: { click: () => ctx.navigate({ ent: undefined }) } }, '×'),
      ),
      labelled(t('region'), nm(regions.get(e.region.id)) || e.region.id),
      e.park ? labelled(t('park'), nm(ctx.boot.parks.get(e.park.id)) || e.park.id) : null,
      e.designations.length ? labelled('', e.designations.map((x) => chip(x))) : null,
      renderTable({ id: 'enterprise-operations', title: () => t('operations'), columns: cols, rows: e.operations, fileParts: [e.id], compact: true }),
    );
    panel.dataset.park = '';
  }

  function renderTableBelow(list: Enterprise[]): void {
    const d = data!;
    const regions = ctx.boot.regions;
    const byId = new Map(markers.map((m) => [m.e.id, m]));
    const cols: Column<Enterprise>[] = [
      { key: 'name', header: () => t('enterprise'), value: (e) => nm(e) },
      { key: 'region', header: () => t('region'), value: (e) => nm(regions.get(e.region.id)) || e.region.id },
      { key: 'park', header: () => t('park'), value: (e) => (e.park ? nm(ctx.boot.parks.get(e.park.id)) : '') },
      { key: 'stage', header: () => t('stage'), value: (e) => t(`stage.${byId.get(e.id)?.stage ?? 'NONE'}`) },
      { key: 'segments', header: () => t('operations'), value: (e) => [...new Set(e.operations.map((o) => shortName(nm(d.idx.get(o.segment.id)) || o.segment.id)))].join('、'), cls: 'wrap' },
      { key: 'capacity', header: () => t('capacity'), value: (e) => byId.get(e.id)?.capacity ?? null, render: (e) => num(byId.get(e.id)?.capacity ?? null), numeric: true },
      { key: 'unit', header: () => t('unit'), value: (e) => byId.get(e.id)?.unit ?? '' },
      { key: 'position', header: () => t('approxShort'), value: (e) => (byId.get(e.id) ? (byId.get(e.id)!.at.approx ? t('yes') : t('no')) : '—') },
    ];
    // Thousands of rows would slow the page; the export still has them all.
    replaceChildren(tableHost, renderTable({
      id: 'map-enterprises', title: () => t('enterpriseList'), columns: cols, rows: list, fileParts: [d.scope.id],
      rowId: (e) => e.id, onRowClick: (e) => ctx.navigate({ ent: e.id, park: undefined }), maxRows: 1000,
    }));
  }

  return {
    el,
    async update(state: AppState, prev: AppState | null) {
      if (!prev || prev.scope !== state.scope || !data) {
        renderToolbar();
        await load();
        return;
      }
      if (prev.segment !== state.segment || prev.stage !== state.stage || prev.ent !== state.ent) {
        ctx.busy();
        render();
      } else if (prev.park !== state.park) {
        ctx.busy();
        render();
      }
    },
    resize() {
      if (chart && data) {
        ctx.busy();
        chart.resize();
        ctx.ready();
      }
    },
    destroy() {
      token++;
      chart?.dispose();
      chart = null;
    },
  };
}
