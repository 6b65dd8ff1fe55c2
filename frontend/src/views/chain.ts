// 产业链图谱: the chain as stage columns of segment boxes (ECharts graph, SVG renderer so
// each box is DOM), coloured by status with a second cue (border pattern and badge),
// with material flows between boxes. Clicking a box opens the segment panel.

import { echarts, FONT_FAMILY, paintThen, textWidth, TOOLTIP_BASE } from '../charts/core';
import type { EChartsType } from 'echarts/core';
import { escapeHtml, h, replaceChildren } from '../dom';
import { entCount, nm, num, paren, t, title as policyTitle } from '../i18n';
import type { Enterprise, Policy, Project, Segment } from '../api';
import { segmentStats, shortName, type SegmentIndex, type SegmentStats } from '../model';
import { loadSegmentStatuses, STATUS_STYLES, STATUSES_IN_USE, type SegmentStatus } from '../status';
import { inScope, type Scope } from '../store';
import type { AppState } from '../state';
import { renderTable, type Column } from '../ui/table';
import { chip, citations, citeText, errorBox, instrumentLabel, labelled, loading, projectStageLabel, statusChip } from '../ui/widgets';
import { downloadChartPng } from '../export/png';
import { fileName } from '../export/csv';
import { closeAll, expansion, layoutChain, LAYOUT, openAll, toggleOpen, type Box, type ChainLayout } from './chainLayout';
import { STAGE_TINTS } from '../charts/stageStyle';
import type { Ctx, View } from './types';

interface Data {
  idx: SegmentIndex;
  scope: Scope;
  enterprises: Enterprise[];
  stats: Map<string, SegmentStats>;
  statuses: Map<string, SegmentStatus>;
  projects: Project[];
  policies: Policy[];
}

const richSafe = (s: string) => s.replace(/[{}|]/g, (c) => ({ '{': '｛', '}': '｝', '|': '｜' })[c]!);

export function createChainView(ctx: Ctx): View {
  const chartEl = h('div', { id: 'chain-chart', class: 'chart chain-chart', role: 'img', 'aria-label': t('view.chain') });
  const chartWrap = h('div', { class: 'chart-wrap chain-wrap' }, chartEl);
  const panel = h('aside', { class: 'side-panel', id: 'segment-panel', 'aria-live': 'polite' });
  const tableHost = h('div', { class: 'below-chart' });
  const toolbar = h('div', { class: 'toolbar' });
  const note = h('p', { class: 'legend-note' });
  const el = h('div', { class: 'view view-chain' }, toolbar, note, h('div', { class: 'split' }, chartWrap, panel), tableHost);

  let chart: EChartsType | null = null;
  let data: Data | null = null;
  let layout: ChainLayout | null = null;
  let loadToken = 0;

  function ensureChart(): EChartsType {
    if (!chart) {
      chart = echarts.init(chartEl, null, { renderer: 'svg' });
      chart.on('click', (p) => {
        if (p.dataType !== 'node') return;
        const id = String((p.data as { id?: string }).id ?? '');
        if (id.startsWith('b:')) {
          const seg = id.slice(2);
          ctx.navigate({ segment: ctx.state().segment === seg ? undefined : seg });
        } else if (id.startsWith('t:')) {
          const seg = id.slice(2);
          const box = layout?.byId.get(seg);
          if (data && box) ctx.navigate({ open: toggleOpen(data.idx, ctx.state().open, seg, box.expanded) }, { replace: true });
        }
      });
    }
    return chart;
  }

  function renderToolbar(): void {
    const idx = data?.idx;
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      idx ? h('span', { class: 'toolbar-label' }, `${t('chain')}${t('colon')}`, h('strong', null, nm(idx.chain))) : null,
      h('div', { class: 'toolbar-spacer' }),
      h('button', { type: 'button', class: 'btn', id: 'expand-all', on: { click: () => idx && ctx.navigate({ open: openAll(idx) }, { replace: true }) } }, t('expandAll')),
      h('button', { type: 'button', class: 'btn', id: 'collapse-all', on: { click: () => idx && ctx.navigate({ open: closeAll(idx), segment: undefined }, { replace: true }) } }, t('collapseAll')),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && data && void downloadChartPng(chart, fileName(['chain', data.scope.id], 'png'), { svg: true }) },
      }, t('exportPng')),
    );
    replaceChildren(note, h('span', { class: 'note-mark' }, 'ⓘ'), t('provisionalNote'));
  }

  function scopeName(s: Scope): string {
    return s.kind === 'park' ? nm(s.park) : nm(s.region);
  }

  function renderChart(): void {
    if (!data) return;
    const { idx, stats, statuses } = data;
    const state = ctx.state();
    const selected = state.segment && idx.byId.has(state.segment) ? state.segment : undefined;
    const width = Math.max(chartWrap.clientWidth - 2, 600);
    layout = layoutChain(idx, expansion(idx, state.open, selected), width);
    const L = layout;
    chartEl.style.width = `${L.width}px`;
    chartEl.style.height = `${L.height}px`;
    const c = ensureChart();
    c.resize({ width: L.width, height: L.height });

    const nodes: object[] = [
      // Two invisible anchors span the layout, so graph coordinates are pixels.
      { id: 'a0', x: 0, y: 0, symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } },
      { id: 'a1', x: L.width, y: L.height, symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } },
    ];
    const selectedBox = selected ? L.visibleOf(selected) : undefined;
    for (const b of L.boxes) nodes.push(boxNode(b, idx.byId.get(b.id)!, stats.get(b.id)!, statuses.get(b.id)!, b.id === selectedBox));
    for (const b of L.boxes) {
      const y = b.y + b.h / 2;
      const port = { symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } };
      nodes.push({ id: `pl:${b.id}`, x: b.x, y, ...port }, { id: `pr:${b.id}`, x: b.x + b.w, y, ...port });
    }
    for (const b of L.boxes) if (b.hasChildren) nodes.push(toggleNode(b));

    const links = flowLinks(idx, L, selectedBox);
    const t0 = performance.now();
    c.setOption(
      {
        animation: false,
        textStyle: { fontFamily: FONT_FAMILY },
        tooltip: { ...TOOLTIP_BASE, trigger: 'item' },
        graphic: { elements: backdrop(L, data) },
        series: [
          {
            id: 'chain',
            name: nm(idx.chain),
            type: 'graph',
            layout: 'none',
            roam: false,
            left: 0,
            top: 0,
            width: L.width,
            height: L.height,
            edgeSymbol: ['none', 'arrow'],
            edgeSymbolSize: [0, 7],
            emphasis: { focus: 'none', scale: false },
            data: nodes,
            links,
            z: 3,
          },
        ],
      },
      { replaceMerge: ['series', 'graphic'] },
    );
    paintThen(c, t0, () => ctx.ready());
  }

  function boxNode(b: Box, seg: Segment, st: SegmentStats, status: SegmentStatus, selected: boolean): object {
    const style = STATUS_STYLES[status.status];
    const nameFont = `${b.depth === 0 ? 600 : 400} 13px ${FONT_FAMILY}`;
    const textW = b.w - 16 - (b.hasChildren ? 24 : 0);
    const name = echarts.format.truncateText(richSafe(shortName(nm(seg))), textW, nameFont, '…', {});
    const n = st.enterprises.size;
    let meta = entCount(n);
    if (st.capacity !== null && seg.unit) meta += ` · ${num(st.capacity, 1)} ${seg.unit}`;
    meta = echarts.format.truncateText(richSafe(meta), textW - 22, `12px ${FONT_FAMILY}`, '…', {});
    return {
      id: `b:${b.id}`,
      name: nm(seg),
      x: b.x + b.w / 2,
      y: b.y + b.h / 2,
      symbol: 'rect',
      symbolSize: [b.w, b.h],
      segment: b.id,
      status: status.status,
      itemStyle: {
        color: style.fill,
        borderColor: style.border,
        borderWidth: selected ? style.borderWidth + 1.5 : style.borderWidth,
        borderType: style.borderType,
        shadowBlur: selected ? 10 : 0,
        shadowColor: 'rgba(20,40,70,0.45)',
      },
      label: {
        show: true,
        position: 'insideLeft',
        padding: [0, 0, 0, 8],
        formatter: `{name|${name}}\n{badge|${style.badge}} {meta|${meta}}`,
        rich: {
          name: { fontSize: 13, fontWeight: b.depth === 0 ? 600 : 400, color: '#15202b', lineHeight: 19, fontFamily: FONT_FAMILY },
          meta: { fontSize: 12, color: '#3d4b5c', lineHeight: 17, fontFamily: FONT_FAMILY },
          badge: {
            fontSize: 10, color: '#ffffff', backgroundColor: style.border, borderRadius: 3,
            padding: [1, 3, 0, 3], fontWeight: 700, lineHeight: 14, fontFamily: FONT_FAMILY,
          },
        },
      },
      tooltip: { formatter: () => boxTooltip(seg, st, status) },
      emphasis: { scale: false, itemStyle: { shadowBlur: 8, shadowColor: 'rgba(20,40,70,0.35)' } },
      cursor: 'pointer',
    };
  }

  function boxTooltip(seg: Segment, st: SegmentStats, status: SegmentStatus): string {
    const style = STATUS_STYLES[status.status];
    const reason = status.reasonText ?? t(status.reasonKey, status.reasonParams);
    const cap = st.capacity !== null && seg.unit ? `${t('capacity')} ${num(st.capacity, 1)} ${seg.unit}` : '';
    return [
      `<div class="tt-title">${escapeHtml(nm(seg))}</div>`,
      `<div class="tt-muted">${escapeHtml(t(`stage.${seg.stage}`))} · ${escapeHtml(seg.id)}</div>`,
      `<div>${escapeHtml(entCount(st.enterprises.size))}${cap ? ' · ' + escapeHtml(cap) : ''}</div>`,
      `<div><span class="tt-badge" data-status="${escapeHtml(status.status)}">${escapeHtml(style.badge)} ${escapeHtml(t(style.labelKey))}</span> ${escapeHtml(reason)}</div>`,
      `<div class="tt-muted">${escapeHtml(t('tooltipClick'))}</div>`,
    ].join('');
  }

  function toggleNode(b: Box): object {
    return {
      id: `t:${b.id}`,
      x: b.x + b.w - 14,
      y: b.y + b.h / 2,
      symbol: 'roundRect',
      symbolSize: [18, 18],
      itemStyle: { color: '#ffffff', borderColor: '#6b7a8c', borderWidth: 1 },
      label: { show: true, position: 'inside', formatter: b.expanded ? '−' : '+', fontSize: 14, fontWeight: 700, color: '#2b3a4d', fontFamily: FONT_FAMILY },
      tooltip: { formatter: () => escapeHtml(t(b.expanded ? 'collapse' : 'expand')) },
      emphasis: { scale: false, itemStyle: { borderColor: '#1d2733', borderWidth: 1.5 } },
      cursor: 'pointer',
    };
  }

  function flowLinks(idx: SegmentIndex, L: ChainLayout, selectedBox: string | undefined): object[] {
    const seen = new Map<string, { from: string; to: string; flows: typeof idx.flows }>();
    for (const f of idx.flows) {
      const a = L.visibleOf(f.from.id);
      const b = L.visibleOf(f.to.id);
      if (!a || !b || a === b || idx.isAncestor(a, b) || idx.isAncestor(b, a)) continue;
      const key = `${a}>${b}`;
      const e = seen.get(key) ?? { from: a, to: b, flows: [] };
      e.flows.push(f);
      seen.set(key, e);
    }
    const links: object[] = [];
    for (const e of seen.values()) {
      const A = L.byId.get(e.from)!;
      const B = L.byId.get(e.to)!;
      const sameCol = A.stage === B.stage;
      const touches = selectedBox !== undefined && (e.from === selectedBox || e.to === selectedBox);
      const faded = selectedBox !== undefined && !touches;
      links.push({
        source: `pr:${e.from}`,
        target: sameCol ? `pr:${e.to}` : `pl:${e.to}`,
        lineStyle: {
          color: touches ? '#1d3557' : '#8795a8',
          width: touches ? 2.2 : 1.2,
          opacity: faded ? 0.18 : touches ? 0.95 : 0.6,
          // Same column: a bow of about 28 px to the right, into the gap between columns.
          curveness: sameCol ? Math.sign(B.y - A.y) * Math.min(0.6, 56 / Math.max(1, Math.abs(B.y - A.y))) : 0.08,
        },
        tooltip: {
          formatter: () => {
            const rows = e.flows.map((f) => {
              const from = idx.get(f.from.id)!;
              const to = idx.get(f.to.id)!;
              const coef = f.coefficient !== null ? ` (${num(f.coefficient, 3)} ${f.coefficientUnit ?? ''})` : '';
              return `<div>${escapeHtml(shortName(nm(from)))} → ${escapeHtml(shortName(nm(to)))}${escapeHtml(coef)}</div>`;
            });
            return `<div class="tt-title">${escapeHtml(t('legendFlow'))}</div>${rows.join('')}`;
          },
        },
        emphasis: { lineStyle: { width: 2.6, opacity: 1, color: '#1d3557' } },
      });
    }
    return links;
  }

  function backdrop(L: ChainLayout, d: Data): object[] {
    const out: object[] = [];
    const missingRoots = (stage: string) => {
      const roots = d.idx.roots.filter((r) => r.stage === stage);
      return { total: roots.length, missing: roots.filter((r) => d.statuses.get(r.id)?.status === 'MISSING').length };
    };
    // Title band: scope and chain, and the legend, so an exported image explains itself.
    out.push({
      type: 'text', left: LAYOUT.padX, top: 8, silent: true,
      style: { text: `${scopeName(d.scope)} · ${nm(d.idx.chain)}`, font: `600 15px ${FONT_FAMILY}`, fill: '#15202b' },
    });
    let lx = L.width - LAYOUT.padX;
    const legendItems: object[] = [];
    const items = [...STATUSES_IN_USE].reverse();
    const legendFont = `13px ${FONT_FAMILY}`;
    for (const s of items) {
      const st = STATUS_STYLES[s];
      const label = `${st.badge} ${t(st.labelKey)}`;
      const w = 14 + 6 + textWidth(label, legendFont);
      lx -= w + 16;
      legendItems.push(
        { type: 'rect', x: lx, y: 10, shape: { width: 14, height: 14, r: 2 }, style: { fill: st.fill, stroke: st.border, lineWidth: 2, lineDash: st.borderType === 'solid' ? null : st.borderType === 'dashed' ? [4, 2] : [1.5, 2] }, silent: true },
        { type: 'text', x: lx + 20, y: 10, style: { text: label, font: `13px ${FONT_FAMILY}`, fill: '#2b3a4d' }, silent: true },
      );
    }
    lx -= 36 + textWidth(t('legendFlow'), legendFont) + 16;
    legendItems.push(
      { type: 'line', x: lx, y: 17, shape: { x1: 0, y1: 0, x2: 26, y2: 0 }, style: { stroke: '#8795a8', lineWidth: 1.5 }, silent: true },
      { type: 'polygon', x: lx + 26, y: 17, shape: { points: [[0, -4], [7, 0], [0, 4]] }, style: { fill: '#8795a8' }, silent: true },
      { type: 'text', x: lx + 36, y: 10, style: { text: t('legendFlow'), font: `13px ${FONT_FAMILY}`, fill: '#2b3a4d' }, silent: true },
    );
    out.push(...legendItems);
    for (const col of L.columns) {
      const m = missingRoots(col.stage);
      out.push(
        { type: 'rect', shape: { x: col.x - 6, y: LAYOUT.titleH, width: col.w + 12, height: L.height - LAYOUT.titleH - 4, r: 6 }, style: { fill: STAGE_TINTS[col.stage] }, silent: true, z: -10 },
        {
          type: 'text', x: col.x + 2, y: LAYOUT.titleH + 8, silent: true,
          style: { text: echarts.format.truncateText(t(`stageLong.${col.stage}`), col.w - 4, `600 14px ${FONT_FAMILY}`, '…', {}), font: `600 14px ${FONT_FAMILY}`, fill: '#15202b' },
        },
        {
          type: 'text', x: col.x + 2, y: LAYOUT.titleH + 28,
          style: {
            text: t('columnSummary', { n: m.total, m: m.missing }),
            font: `12px ${FONT_FAMILY}`, fill: m.missing ? '#a04000' : '#4a5a6c',
          },
          silent: true,
        },
      );
    }
    return out;
  }

  // ---- Segment panel ---------------------------------------------------------------

  async function renderPanel(): Promise<void> {
    if (!data) return;
    const d = data;
    const id = ctx.state().segment;
    const seg = d.idx.get(id);
    if (!seg) {
      replaceChildren(panel, h('div', { class: 'panel-hint' }, h('h2', null, t('legend')), legendHtml(), h('p', null, t('clickHint'))));
      panel.dataset.segment = '';
      return;
    }
    const st = d.stats.get(seg.id)!;
    const status = d.statuses.get(seg.id)!;
    const sub = d.idx.subtree(seg.id);
    const ents = d.enterprises.filter((e) => e.operations.some((o) => sub.has(o.segment.id))).sort((a, b) => a.nameZh.localeCompare(b.nameZh, 'zh-CN'));
    const projects = d.projects.filter((p) => p.segments.some((s) => sub.has(s.id)));
    const local = projects.filter((p) => inScope(d.scope, p, ctx.boot.regions, ctx.boot.parks));
    const other = projects.filter((p) => !local.includes(p));
    const ancestors = d.idx.ancestors(seg.id);
    const pols = d.policies
      .map((p) => {
        if (p.segments.some((s) => s.id === seg.id)) return { p, via: null as Segment | null };
        const a = ancestors.find((x) => p.segments.some((s) => s.id === x.id));
        return a ? { p, via: a } : null;
      })
      .filter((x): x is { p: Policy; via: Segment | null } => !!x);
    const regions = ctx.boot.regions;
    const parks = ctx.boot.parks;
    const capOf = (e: Enterprise) => segmentStats(d.idx, [e]).get(seg.id)?.capacity ?? null;
    const subOps = (e: Enterprise) => [...new Set(e.operations.filter((o) => sub.has(o.segment.id)).map((o) => o.segment.id))];
    const scopeParts = [seg.id, d.scope.id];

    const entCols: Column<Enterprise>[] = [
      { key: 'name', header: () => t('enterprise'), value: (e) => nm(e), render: (e) => h('span', { class: 'ent-name' }, nm(e)) },
      { key: 'region', header: () => t('region'), value: (e) => nm(regions.get(e.region.id)) || e.region.id },
      { key: 'park', header: () => t('park'), value: (e) => (e.park ? nm(parks.get(e.park.id)) || e.park.id : '') },
      { key: 'capacity', header: () => `${t('capacity')}${paren(seg.unit)}`, value: (e) => capOf(e), render: (e) => num(capOf(e), 1), numeric: true },
      { key: 'segments', header: () => t('segment'), value: (e) => subOps(e).join(' '), cls: 'ids' },
    ];
    const prjCols: Column<Project>[] = [
      { key: 'name', header: () => t('name'), value: (p) => nm(p), cls: 'wrap' },
      { key: 'stage', header: () => t('stage'), value: (p) => projectStageLabel(p.stage) },
      { key: 'capacity', header: () => t('capacity'), value: (p) => (p.capacity !== null ? `${num(p.capacity)} ${p.capacityUnit ?? ''}` : '') },
      { key: 'investment', header: () => t('investment'), value: (p) => p.investment, numeric: true },
      { key: 'enterprise', header: () => t('enterprise'), value: (p) => nm(p.enterprise) },
      { key: 'where', header: () => t('region'), value: (p) => (p.park ? nm(parks.get(p.park.id)) : p.region ? nm(regions.get(p.region.id)) : '') },
    ];
    const polCols: Column<{ p: Policy; via: Segment | null }>[] = [
      { key: 'title', header: () => t('name'), value: (x) => policyTitle(x.p), render: (x) => h('span', null, policyTitle(x.p), x.via ? h('span', { class: 'muted small' }, ` · ${t('inheritedPolicy', { name: shortName(nm(x.via)) })}`) : null), cls: 'wrap' },
      { key: 'instrument', header: () => t('instrument'), value: (x) => instrumentLabel(x.p.instrument) },
      { key: 'rate', header: () => `${t('rate')}${paren('%')}`, value: (x) => x.p.rate, numeric: true },
      { key: 'cap', header: () => t('cap'), value: (x) => x.p.cap, render: (x) => (x.p.cap !== null ? `${num(x.p.cap)}${x.p.capPeriod ? ` / ${x.p.capPeriod}` : ''}` : ''), numeric: true },
      { key: 'condition', header: () => t('condition'), value: (x) => x.p.condition ?? '', cls: 'wrap long' },
      { key: 'clause', header: () => t('clause'), value: (x) => citeText(x.p.sources) },
    ];

    const children = d.idx.children(seg.id);
    const ups = [...new Set(d.idx.flows.filter((f) => f.to.id === seg.id).map((f) => f.from.id))];
    const downs = [...new Set(d.idx.flows.filter((f) => f.from.id === seg.id).map((f) => f.to.id))];
    const segLink = (sid: string) => {
      const s = d.idx.get(sid)!;
      const ss = d.statuses.get(sid)!;
      return h('button', { type: 'button', class: ['seg-link', STATUS_STYLES[ss.status].cls], title: nm(s), on: { click: () => ctx.navigate({ segment: sid }) } },
        h('span', { class: 'badge' }, STATUS_STYLES[ss.status].badge), h('span', { class: 'seg-link-name' }, shortName(nm(s))), h('span', { class: 'seg-link-n' }, entCount(d.stats.get(sid)!.enterprises.size)));
    };

    const detailHost = h('div', { class: 'panel-sources' }, loading());
    replaceChildren(panel,
      h('div', { class: 'panel-head' },
        h('div', null,
          h('div', { class: 'panel-kicker' }, `${t(`stage.${seg.stage}`)} · ${seg.id}`),
          h('h2', { id: 'panel-title' }, nm(seg)),
        ),
        h('button', { type: 'button', class: 'btn-close', 'aria-label': t('close'), title: t('close'), on: { click: () => ctx.navigate({ segment: undefined }) } }, '×'),
      ),
      h('div', { class: 'panel-status' }, statusChip(status), h('span', null, status.reasonText ?? t(status.reasonKey, status.reasonParams))),
      h('div', { class: 'figures' },
        h('div', { class: 'figure' }, h('span', { class: 'fig-v', id: 'panel-count' }, String(st.enterprises.size)), h('span', { class: 'fig-k' }, t('localEnterprises'))),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, st.capacity !== null ? num(st.capacity, 1) : '—'), h('span', { class: 'fig-k' }, `${t('capacity')}${paren(seg.unit)}`)),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, String(local.length)), h('span', { class: 'fig-k' }, t('localProjects'))),
      ),
      seg.priorities.length
        ? labelled(t('priorities'), seg.priorities.map((p) => chip(p.clause ? `${p.tag}（${p.clause.text}）` : p.tag, 'chip-accent')))
        : null,
      renderTable({ id: 'segment-enterprises', title: () => t('localEnterprises'), columns: entCols, rows: ents, fileParts: scopeParts, rowId: (e) => e.id, empty: () => t('noneInScope'), compact: true, hideEmpty: true }),
      children.length ? h('section', { class: 'panel-section' }, h('h3', null, t('subSegments')), h('div', { class: 'seg-links' }, children.map((c) => segLink(c.id)))) : null,
      ups.length || downs.length
        ? h('section', { class: 'panel-section' },
            ups.length ? labelled(t('upstream'), h('div', { class: 'seg-links' }, ups.map(segLink))) : null,
            downs.length ? labelled(t('downstream'), h('div', { class: 'seg-links' }, downs.map(segLink))) : null,
          )
        : null,
      renderTable({ id: 'segment-projects', title: () => t('localProjects'), columns: prjCols, rows: local, fileParts: scopeParts, rowId: (p) => p.id, empty: () => t('noneInScope'), compact: true, hideEmpty: true }),
      other.length ? renderTable({ id: 'segment-projects-elsewhere', title: () => t('otherProjects'), columns: prjCols, rows: other, fileParts: scopeParts, rowId: (p) => p.id, compact: true, hideEmpty: true }) : null,
      renderTable({ id: 'segment-policies', title: () => t('policies'), columns: polCols, rows: pols, fileParts: scopeParts, rowId: (x) => x.p.id, compact: true, hideEmpty: true }),
      h('section', { class: 'panel-section' }, h('h3', null, t('sources')), detailHost),
    );
    panel.dataset.segment = seg.id;
    panel.scrollTop = 0;
    try {
      const det = await ctx.store.segment(seg.id);
      if (ctx.state().segment !== seg.id) return;
      replaceChildren(detailHost,
        det ? citations(det.sources) : h('p', null, t('none')),
        det?.note ? h('p', { class: 'muted small' }, `${t('note')}: ${det.note}`) : null,
        det ? h('p', { class: 'muted small' }, `${t('confidence')}: ${t(`confidence.${det.confidence}` as never) || det.confidence}`) : null,
      );
    } catch (err) {
      replaceChildren(detailHost, errorBox(err));
    }
  }

  function legendHtml(): HTMLElement {
    return h('ul', { class: 'legend-list' },
      STATUSES_IN_USE.map((s) => {
        const st = STATUS_STYLES[s];
        return h('li', null, h('span', { class: ['swatch', st.cls] }, st.badge), t(st.labelKey));
      }),
      h('li', null, h('span', { class: 'swatch-flow' }), t('legendFlow')),
      h('li', null, h('span', { class: 'swatch-flow selected' }), t('legendSelected')),
    );
  }

  // ---- Segment table (清单) --------------------------------------------------------

  function renderSegmentTable(): void {
    if (!data) return;
    const d = data;
    const rows = d.idx.ordered();
    const localProjects = d.projects.filter((p) => inScope(d.scope, p, ctx.boot.regions, ctx.boot.parks));
    const cols: Column<{ seg: Segment; depth: number }>[] = [
      { key: 'stage', header: () => t('stage'), value: (r) => t(`stage.${r.seg.stage}`) },
      { key: 'id', header: () => t('segmentId'), value: (r) => r.seg.id, cls: 'ids' },
      { key: 'segment', header: () => t('segment'), value: (r) => nm(r.seg), render: (r) => h('span', { class: `indent-${Math.min(r.depth, 3)}` }, nm(r.seg)), cls: 'wrap' },
      { key: 'status', header: () => t('status'), value: (r) => t(STATUS_STYLES[d.statuses.get(r.seg.id)!.status].labelKey), render: (r) => statusChip(d.statuses.get(r.seg.id)!) },
      { key: 'enterprises', header: () => t('enterprises'), value: (r) => d.stats.get(r.seg.id)!.enterprises.size, numeric: true },
      { key: 'capacity', header: () => t('capacity'), value: (r) => d.stats.get(r.seg.id)!.capacity, render: (r) => num(d.stats.get(r.seg.id)!.capacity, 1), numeric: true },
      { key: 'unit', header: () => t('unit'), value: (r) => r.seg.unit ?? '' },
      {
        key: 'projects', header: () => t('localProjects'), numeric: true,
        value: (r) => {
          const sub = d.idx.subtree(r.seg.id);
          return localProjects.filter((p) => p.segments.some((s) => sub.has(s.id))).length;
        },
      },
    ];
    replaceChildren(tableHost, renderTable({
      id: 'segments', title: () => `${t('segmentTable')} · ${scopeName(d.scope)}`, columns: cols, rows, fileParts: [d.scope.id],
      rowId: (r) => r.seg.id, onRowClick: (r) => ctx.navigate({ segment: r.seg.id }),
    }));
  }

  // ---- Lifecycle -------------------------------------------------------------------

  async function load(): Promise<void> {
    const token = ++loadToken;
    ctx.busy();
    replaceChildren(panel, loading());
    try {
      const scope = ctx.scope();
      const [idx, enterprises, projects, policies] = await Promise.all([
        ctx.store.chain(ctx.chainId()),
        ctx.store.scopeEnterprises(scope, ctx.boot.parks, ctx.chainId()),
        ctx.store.projects(),
        ctx.store.policies(),
      ]);
      if (token !== loadToken) return;
      const stats = segmentStats(idx, enterprises);
      const statuses = await loadSegmentStatuses({ chainId: idx.chain.id, scopeId: scope.id, stats });
      if (token !== loadToken) return;
      data = { idx, scope, enterprises, stats, statuses, projects, policies };
    } catch (err) {
      if (token !== loadToken) return;
      replaceChildren(panel, errorBox(err, () => void load()));
      return;
    }
    renderToolbar();
    renderChart();
    renderSegmentTable();
    await renderPanel();
  }

  return {
    el,
    async update(state: AppState, prev: AppState | null) {
      if (!prev || prev.scope !== state.scope || !data) {
        renderToolbar();
        await load();
        return;
      }
      if (prev.segment !== state.segment || (prev.open ?? []).join() !== (state.open ?? []).join()) {
        ctx.busy();
        renderChart();
        if (prev.segment !== state.segment) await renderPanel();
      }
    },
    resize() {
      if (data) {
        ctx.busy();
        renderChart();
      }
    },
    destroy() {
      loadToken++;
      chart?.dispose();
      chart = null;
    },
  };
}
