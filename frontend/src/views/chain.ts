// 产业链图谱: the chain as stage columns of segment boxes (ECharts graph, SVG renderer so
// each box is DOM), coloured by the gap analysis' status (missing / weak / strong) with a
// second cue (border pattern and badge) and the gap kind (补链 / 延链 / 建链 / 强链) as a
// tag; completeness per stage in the column headers. Clicking a box opens the segment
// panel: the API's reason, score and factors, balances, policies, the top investment
// targets with their host parks, then the local enterprises, projects and sources.

import { echarts, paintThen } from '../charts/core';
import type { EChartsType } from 'echarts/core';
import { h, replaceChildren } from '../dom';
import { entCount, nm, num, paren, t } from '../i18n';
import type { Enterprise, GapReport, InvestmentTarget, Placement, Project, Segment, SegmentGap } from '../api';
import { segmentStats, shortName, type SegmentIndex } from '../model';
import { isGap, kindHint, GAP_KINDS, kindLabel, reasonOf, STATUS_STYLES, STATUSES_IN_USE } from '../status';
import { inScope, type Coverage, type Scope } from '../store';
import { forView, toHash, type AppState } from '../state';
import { renderTable, type Column } from '../ui/table';
import { chip, citations, errorBox, labelled, loading, projectStageLabel, statusChip } from '../ui/widgets';
import { addLeadColumn, targetPlace } from '../ui/addLead';
import { balanceColumns, factorsTable, kindChip, panelPolicyColumns, panelTargetColumns, scoreChip } from '../ui/gap';
import { downloadChartPng } from '../export/png';
import { fileName } from '../export/csv';
import { closeAll, expansion, layoutChain, openAll, toggleOpen, type ChainLayout } from './chainLayout';
import { chainOption, type BoxInfo } from './chainChart';
import type { Ctx, View } from './types';
import { evidenceLines, suggestedOnly, suggestedShare } from '../verification';

interface Data {
  idx: SegmentIndex;
  scope: Scope;
  /** Enterprises of the scope in the chain (the API's scope rule). */
  enterprises: Enterprise[];
  report: GapReport;
  gaps: Map<string, SegmentGap>;
  /** The analysis counted verified placements only. */
  verifiedOnly: boolean;
  projects: Project[];
  /** What the scope covers (the API's scopeCoverage), to tell local projects. */
  coverage: Coverage;
}

/** Targets named in the panel. */
const PANEL_TARGETS = 5;

/** Whether an enterprise counts for the segment subtree (the API's rule: active, not R&D only). */
export function counts(e: Enterprise, sub: Set<string>): boolean {
  const active = !e.status || e.status === 'active';
  return active && e.operations.some((o) => sub.has(o.segment.id) && o.role !== 'rnd');
}

export function boxInfo(g: SegmentGap, verifiedOnly = false): BoxInfo {
  const share = suggestedShare(g, verifiedOnly);
  return {
    status: g.status, kind: g.kind, kindZh: g.kindZh, enterprises: g.enterprises, capacity: g.capacity, score: g.score, reason: reasonOf(g),
    suggested: share.suggested, leftOut: share.leftOut,
  };
}

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
  let panelToken = 0;

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

  function thresholdField(): HTMLElement {
    const state = ctx.state();
    const input = h('input', {
      type: 'number', id: 'min-enterprises', class: 'input-num', min: 1, max: 50, step: 1,
      placeholder: t('thresholdDefault'), 'aria-label': t('thresholdLabel'), title: t('thresholdTitle'),
      on: {
        change: () => {
          const v = Number(input.value);
          ctx.navigate({ minent: Number.isInteger(v) && v >= 1 && v <= 50 ? v : undefined }, { replace: true });
        },
      },
    });
    if (state.minent) input.value = String(state.minent);
    return h('label', { class: 'field', title: t('thresholdTitle') }, h('span', { class: 'field-label' }, t('thresholdLabel')), input);
  }

  function verifiedField(): HTMLElement {
    const box = h('input', {
      type: 'checkbox', id: 'verified-only',
      on: { change: () => ctx.navigate({ verified: box.checked || undefined }, { replace: true }) },
    });
    box.checked = !!ctx.state().verified;
    return h('label', { class: 'field check', title: t('verifiedOnlyTitle') }, box, h('span', { class: 'field-label' }, t('verifiedOnly')));
  }

  function renderToolbar(): void {
    const idx = data?.idx;
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      idx ? h('span', { class: 'toolbar-label' }, `${t('chain')}${t('colon')}`, h('strong', null, nm(idx.chain))) : null,
      thresholdField(),
      verifiedField(),
      h('div', { class: 'toolbar-spacer' }),
      h('button', { type: 'button', class: 'btn', id: 'expand-all', on: { click: () => idx && ctx.navigate({ open: openAll(idx) }, { replace: true }) } }, t('expandAll')),
      h('button', { type: 'button', class: 'btn', id: 'collapse-all', on: { click: () => idx && ctx.navigate({ open: closeAll(idx), segment: undefined }, { replace: true }) } }, t('collapseAll')),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && data && void downloadChartPng(chart, fileName(['chain', data.scope.id], 'png'), { svg: true }) },
      }, t('exportPng')),
    );
    const r = data?.report;
    replaceChildren(note, h('span', { class: 'note-mark' }, 'ⓘ'), t('gapNote'),
      r ? h('span', { id: 'chain-completeness' }, ` ${t('completenessLine', { p: r.present, n: r.total, pct: Math.round(r.completeness * 100) })}`) : null,
      r ? suggestedLine(r, !!data?.verifiedOnly) : null);
  }

  function suggestedLine(r: GapReport, verifiedOnly: boolean): HTMLElement | null {
    const n = r.segments.reduce((a, g) => a + g.suggested, 0);
    if (!n) return null;
    return h('span', { id: 'chain-suggested', class: 'suggested-note', 'data-n': n }, ` · ${t(verifiedOnly ? 'suggestedTotalLeft' : 'suggestedTotal', { n })}`);
  }

  function scopeName(s: Scope): string {
    return s.kind === 'park' ? nm(s.park) : nm(s.region);
  }

  function renderChart(): void {
    if (!data) return;
    const { idx, report, gaps } = data;
    const state = ctx.state();
    const selected = state.segment && idx.byId.has(state.segment) ? state.segment : undefined;
    const width = Math.max(chartWrap.clientWidth - 2, 600);
    layout = layoutChain(idx, expansion(idx, state.open, selected), width);
    const L = layout;
    chartEl.style.width = `${L.width}px`;
    chartEl.style.height = `${L.height}px`;
    const c = ensureChart();
    c.resize({ width: L.width, height: L.height });
    const info = new Map<string, BoxInfo>();
    for (const [id, g] of gaps) info.set(id, boxInfo(g, data.verifiedOnly));
    const t0 = performance.now();
    c.setOption(
      chainOption({
        idx, layout: L, info, byStage: report.byStage, present: report.present, total: report.total,
        title: `${scopeName(data.scope)} · ${nm(idx.chain)}`,
        selected: selected ? L.visibleOf(selected) : undefined,
        tooltipHint: t('tooltipClick'),
      }),
      { replaceMerge: ['series', 'graphic'] },
    );
    paintThen(c, t0, () => ctx.ready());
  }

  // ---- Segment panel ---------------------------------------------------------------

  function legendHtml(): HTMLElement {
    return h('div', null,
      h('ul', { class: 'legend-list' },
        STATUSES_IN_USE.map((s) => {
          const st = STATUS_STYLES[s];
          return h('li', null, h('span', { class: ['swatch', st.cls] }, st.badge), h('span', null, h('strong', null, t(st.labelKey)), ' ', h('span', { class: 'muted small' }, t(`statusHint.${s}`))));
        }),
        h('li', null, h('span', { class: 'swatch-flow' }), t('legendFlow')),
        h('li', null, h('span', { class: 'swatch-flow selected' }), t('legendSelected')),
        h('li', null, h('span', { class: 'badge-suggested' }, 'n'), t('legendSuggested')),
      ),
      h('h3', null, t('gapKinds')),
      h('ul', { class: 'legend-list' }, GAP_KINDS.map((k) => h('li', null, kindChip(k), h('span', { class: 'small' }, kindHint(k))))),
    );
  }

  async function renderPanel(): Promise<void> {
    if (!data) return;
    const my = ++panelToken;
    const d = data;
    const id = ctx.state().segment;
    const seg = d.idx.get(id);
    if (!seg) {
      replaceChildren(panel, h('div', { class: 'panel-hint' }, h('h2', null, t('legend')), legendHtml(), h('p', null, t('clickHint'))));
      panel.dataset.segment = '';
      return;
    }
    const g = d.gaps.get(seg.id)!;
    const sub = d.idx.subtree(seg.id);
    const ents = d.enterprises.filter((e) => e.operations.some((o) => sub.has(o.segment.id))).sort((a, b) => a.nameZh.localeCompare(b.nameZh, 'zh-CN'));
    const projects = d.projects.filter((p) => p.segments.some((s) => sub.has(s.id)));
    const local = projects.filter((p) => inScope(d.coverage, p, ctx.boot.parks));
    const other = projects.filter((p) => !local.includes(p));
    const regions = ctx.boot.regions;
    const parks = ctx.boot.parks;
    const capOf = (e: Enterprise) => segmentStats(d.idx, [e]).get(seg.id)?.capacity ?? null;
    const subOps = (e: Enterprise) => [...new Set(e.operations.filter((o) => sub.has(o.segment.id)).map((o) => o.segment.id))];
    const scopeParts = [seg.id, d.scope.id];
    let placements = new Map<string, Placement[]>();
    try {
      placements = await ctx.store.placements(d.scope, d.idx.chain.id, seg.id);
    } catch {
      // The evidence is an addition to the panel: without it, the list still shows.
    }
    if (my !== panelToken) return;
    const placed = (e: Enterprise): Placement[] => placements.get(e.id) ?? [];
    const onlySuggested = (e: Enterprise) => suggestedOnly(placed(e), sub);
    const verificationOf = (e: Enterprise) =>
      [...new Set(placed(e).filter((o) => sub.has(o.segment.id)).map((o) => t(o.verification === 'suggested' ? 'verification.suggested' : 'verification.verified')))].join(' / ');
    const share = suggestedShare(g, d.verifiedOnly);
    const notCounted = (e: Enterprise) => {
      if (counts(e, sub) && d.verifiedOnly && onlySuggested(e)) return t('notCountedSuggested');
      if (counts(e, sub)) return '';
      if (e.status && e.status !== 'active') return t('notCountedStatus', { status: e.status });
      return t('notCountedRnd');
    };

    const entCols: Column<Enterprise>[] = [
      {
        key: 'name', header: () => t('enterprise'), value: (e) => nm(e),
        render: (e) => h('span', { class: 'ent-name' }, nm(e)),
      },
      { key: 'region', header: () => t('region'), value: (e) => nm(regions.get(e.region.id)) || e.region.id },
      { key: 'park', header: () => t('park'), value: (e) => (e.park ? nm(parks.get(e.park.id)) || e.park.id : '') },
      { key: 'capacity', header: () => `${t('capacity')}${paren(seg.unit)}`, value: (e) => capOf(e), render: (e) => num(capOf(e), 1), numeric: true },
      { key: 'segments', header: () => t('segment'), value: (e) => subOps(e).join(' '), cls: 'ids' },
      { key: 'counted', header: () => t('notCounted'), value: (e) => notCounted(e), cls: 'wrap small' },
      {
        key: 'verification', header: () => t('verification'), value: (e) => verificationOf(e), cls: 'small',
        // Placed here by suggestions alone: the dashed 待核实 badge.
        render: (e) => (onlySuggested(e) ? h('span', { class: 'badge-suggested', title: t('suggestedTitle') }, t('suggestedBadge')) : verificationOf(e)),
      },
      { key: 'evidence', header: () => t('evidence'), value: (e) => evidenceLines(placed(e), sub, t('suggestedBadge')).join('\n'), cls: 'wrap long small evidence' },
    ];
    const prjCols: Column<Project>[] = [
      { key: 'name', header: () => t('name'), value: (p) => nm(p), cls: 'wrap' },
      { key: 'stage', header: () => t('stage'), value: (p) => projectStageLabel(p.stage) },
      { key: 'capacity', header: () => t('capacity'), value: (p) => (p.capacity !== null ? `${num(p.capacity)} ${p.capacityUnit ?? ''}` : '') },
      { key: 'investment', header: () => t('investment'), value: (p) => p.investment, numeric: true },
      { key: 'enterprise', header: () => t('enterprise'), value: (p) => nm(p.enterprise) },
      { key: 'where', header: () => t('region'), value: (p) => (p.park ? nm(parks.get(p.park.id)) : p.region ? nm(regions.get(p.region.id)) : '') },
    ];

    const children = d.idx.children(seg.id);
    const segLink = (sid: string, n?: number) => {
      const s = d.idx.get(sid);
      const sg = d.gaps.get(sid);
      if (!s || !sg) return null;
      const st = STATUS_STYLES[sg.status];
      return h('button', { type: 'button', class: ['seg-link', st.cls], title: `${nm(s)} · ${t(st.labelKey)}`, on: { click: () => ctx.navigate({ segment: sid }) } },
        h('span', { class: 'badge' }, st.badge), h('span', { class: 'seg-link-name' }, shortName(nm(s))), h('span', { class: 'seg-link-n' }, entCount(n ?? sg.enterprises)));
    };
    const thresholds = [
      `${t('minEnterprises')} ≥ ${g.minEnterprises}`,
      g.minCapacity !== null ? `${t('capacity')} ≥ ${num(g.minCapacity)} ${seg.unit ?? ''}` : null,
      `LQ ≥ ${num(g.minLq)}`,
    ].filter(Boolean).join(' · ');

    const targetsHost = h('div', { class: 'panel-targets' }, loading());
    const detailHost = h('div', { class: 'panel-sources' }, loading());
    const gapLinks = h('div', { class: 'panel-actions' },
      h('a', { class: 'btn btn-small', id: 'panel-targets-link', href: toHash({ ...forView(ctx.state(), 'targets'), segment: seg.id }) }, t('openTargets')),
      h('a', { class: 'btn btn-small', id: 'panel-whatif-link', href: toHash({ ...forView(ctx.state(), 'whatif'), segment: seg.id }) }, t('openWhatif')),
    );
    replaceChildren(panel,
      h('div', { class: 'panel-head' },
        h('div', null,
          h('div', { class: 'panel-kicker' }, `${t(`stage.${seg.stage}`)} · ${seg.id}`),
          h('h2', { id: 'panel-title' }, nm(seg)),
        ),
        h('button', { type: 'button', class: 'btn-close', 'aria-label': t('close'), title: t('close'), on: { click: () => ctx.navigate({ segment: undefined }) } }, '×'),
      ),
      h('div', { class: 'panel-status', id: 'panel-status', 'data-status': g.status, 'data-kind': g.kind },
        statusChip(g.status), g.kind !== 'NONE' ? kindChip(g.kind, g.kindZh) : null, scoreChip(g.score)),
      h('p', { class: 'panel-reason', id: 'panel-reason' }, reasonOf(g)),
      h('div', { class: 'figures' },
        h('div', { class: 'figure' }, h('span', { class: 'fig-v', id: 'panel-count' }, String(g.enterprises)), h('span', { class: 'fig-k' }, t('localEnterprises'))),
        share.suggested || share.leftOut
          ? h('div', { class: 'figure figure-suggested' },
              h('span', { class: 'fig-v', id: 'panel-suggested' }, String(share.suggested || share.leftOut)),
              h('span', { class: 'fig-k' }, t(share.suggested ? 'suggestedFig' : 'suggestedLeftFig')))
          : null,
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, g.capacity !== null ? num(g.capacity, 1) : '—'), h('span', { class: 'fig-k' }, `${t('capacity')}${paren(seg.unit)}`)),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, g.lq !== null ? num(g.lq, 2) : '—'), h('span', { class: 'fig-k' }, t('lq'))),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, String(local.length)), h('span', { class: 'fig-k' }, t('localProjects'))),
      ),
      h('p', { class: 'muted small' }, `${t('thresholdsApplied')}${t('colon')}${thresholds}`),
      h('section', { class: 'panel-section' }, h('h3', null, t('scoreFactors')), factorsTable(g.factors, g.score, seg.id)),
      isGap(g)
        ? h('section', { class: 'panel-section' }, h('h3', null, t('topTargets', { n: PANEL_TARGETS })),
            g.elsewhere >= 0 ? h('p', { class: 'muted small', id: 'panel-elsewhere' }, g.elsewhere === 0 ? t('elsewhereNone') : t('elsewhereLine', { n: g.elsewhere })) : null,
            targetsHost, gapLinks)
        : null,
      g.balances.length
        ? renderTable({ id: 'segment-balances', title: () => t('balances'), columns: balanceColumns(d.idx), rows: g.balances, fileParts: scopeParts, compact: true, hideEmpty: true })
        : null,
      renderTable({ id: 'segment-policies', title: () => t('policies'), columns: panelPolicyColumns(), rows: g.policies, fileParts: scopeParts, rowId: (p) => p.id, compact: true, hideEmpty: true, empty: () => t('noneInScope') }),
      g.goals.length || g.priorities.length
        ? h('section', { class: 'panel-section' },
            g.priorities.length ? labelled(t('priorities'), g.priorities.map((p) => chip(p.tag, 'chip-accent'))) : null,
            g.goals.length ? labelled(t('goals'), g.goals.map((x) => chip(nm(x)))) : null,
          )
        : null,
      renderTable({
        id: 'segment-enterprises', title: () => t('localEnterprises'), columns: entCols, rows: ents, fileParts: scopeParts, rowId: (e) => e.id,
        empty: () => t('noneInScope'), compact: true, hideEmpty: true,
        caption: ents.length !== g.enterprises ? t('countedNote', { n: g.enterprises, m: ents.length }) : undefined,
      }),
      children.length ? h('section', { class: 'panel-section' }, h('h3', null, t('subSegments')), h('div', { class: 'seg-links' }, children.map((c) => segLink(c.id)))) : null,
      g.upstream.length || g.downstream.length
        ? h('section', { class: 'panel-section' },
            g.upstream.length ? labelled(t('upstream'), h('div', { class: 'seg-links' }, g.upstream.map((n) => segLink(n.segment.id, n.enterprises)))) : null,
            g.downstream.length ? labelled(t('downstream'), h('div', { class: 'seg-links' }, g.downstream.map((n) => segLink(n.segment.id, n.enterprises)))) : null,
          )
        : null,
      renderTable({ id: 'segment-projects', title: () => t('localProjects'), columns: prjCols, rows: local, fileParts: scopeParts, rowId: (p) => p.id, empty: () => t('noneInScope'), compact: true, hideEmpty: true }),
      other.length ? renderTable({ id: 'segment-projects-elsewhere', title: () => t('otherProjects'), columns: prjCols, rows: other, fileParts: scopeParts, rowId: (p) => p.id, compact: true, hideEmpty: true }) : null,
      h('section', { class: 'panel-section' }, h('h3', null, t('sources')), detailHost),
    );
    panel.dataset.segment = seg.id;
    panel.dataset.targets = '';
    panel.scrollTop = 0;
    const current = () => my === panelToken && ctx.state().segment === seg.id;
    const jobs: Promise<void>[] = [];
    if (isGap(g)) {
      jobs.push((async () => {
        try {
          const list = await ctx.store.targets(d.idx.chain.id, d.scope, seg.id, PANEL_TARGETS);
          if (!current()) return;
          replaceChildren(targetsHost, renderTable({
            id: 'segment-targets', title: () => t('investmentTargets'),
            columns: [...panelTargetColumns(), addLeadColumn((r: InvestmentTarget) => ({ enterprise: r.enterprise.id, segment: r.segment.id, origin: 'investmentTargets', ...targetPlace(r.host?.park.id, d.scope) }))],
            rows: list,
            fileParts: scopeParts, rowId: (r) => r.enterprise.id, compact: true, empty: () => t('noTargets'),
          }));
          panel.dataset.targets = 'ready';
        } catch (err) {
          if (current()) replaceChildren(targetsHost, errorBox(err));
        }
      })());
    }
    jobs.push((async () => {
      try {
        const det = await ctx.store.segment(seg.id);
        if (!current()) return;
        replaceChildren(detailHost,
          det ? citations(det.sources) : h('p', null, t('none')),
          det?.note ? h('p', { class: 'muted small' }, `${t('note')}: ${det.note}`) : null,
          det ? h('p', { class: 'muted small' }, `${t('confidence')}: ${t(`confidence.${det.confidence}` as never) || det.confidence}`) : null,
        );
      } catch (err) {
        if (current()) replaceChildren(detailHost, errorBox(err));
      }
    })());
    await Promise.all(jobs);
  }

  // ---- Segment table (清单) --------------------------------------------------------

  function renderSegmentTable(): void {
    if (!data) return;
    const d = data;
    const rows = d.idx.ordered();
    const localProjects = d.projects.filter((p) => inScope(d.coverage, p, ctx.boot.parks));
    const gap = (s: Segment) => d.gaps.get(s.id)!;
    const cols: Column<{ seg: Segment; depth: number }>[] = [
      { key: 'stage', header: () => t('stage'), value: (r) => t(`stage.${r.seg.stage}`) },
      { key: 'id', header: () => t('segmentId'), value: (r) => r.seg.id, cls: 'ids' },
      { key: 'segment', header: () => t('segment'), value: (r) => nm(r.seg), render: (r) => h('span', { class: `indent-${Math.min(r.depth, 3)}` }, nm(r.seg)), cls: 'wrap' },
      { key: 'status', header: () => t('status'), value: (r) => t(STATUS_STYLES[gap(r.seg).status].labelKey), render: (r) => statusChip(gap(r.seg).status) },
      { key: 'kind', header: () => t('gapKind'), value: (r) => kindLabel(gap(r.seg).kind, gap(r.seg).kindZh) },
      { key: 'score', header: () => t('score'), value: (r) => gap(r.seg).score, render: (r) => num(gap(r.seg).score, 1), numeric: true },
      { key: 'enterprises', header: () => t('enterprises'), value: (r) => gap(r.seg).enterprises, numeric: true },
      { key: 'suggested', header: () => t(d.verifiedOnly ? 'suggestedLeftFig' : 'suggestedFig'), value: (r) => gap(r.seg).suggested, numeric: true },
      { key: 'capacity', header: () => t('capacity'), value: (r) => gap(r.seg).capacity, render: (r) => num(gap(r.seg).capacity, 1), numeric: true },
      { key: 'unit', header: () => t('unit'), value: (r) => r.seg.unit ?? '' },
      { key: 'lq', header: () => t('lq'), value: (r) => gap(r.seg).lq, render: (r) => num(gap(r.seg).lq, 2), numeric: true },
      {
        key: 'projects', header: () => t('localProjects'), numeric: true,
        value: (r) => {
          const sub = d.idx.subtree(r.seg.id);
          return localProjects.filter((p) => p.segments.some((s) => sub.has(s.id))).length;
        },
      },
      { key: 'reason', header: () => t('reason'), value: (r) => reasonOf(gap(r.seg)), cls: 'wrap long' },
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
      const chainId = ctx.chainId();
      const minent = ctx.state().minent;
      const verifiedOnly = !!ctx.state().verified;
      const [idx, enterprises, projects, report, coverage] = await Promise.all([
        ctx.store.chain(chainId),
        ctx.store.scopeEnterprises(scope, chainId),
        ctx.store.projects(),
        ctx.store.gap(chainId, scope, minent ? [{ minEnterprises: minent }] : undefined, verifiedOnly),
        ctx.store.coverage(scope),
      ]);
      if (token !== loadToken) return;
      const gaps = new Map(report.segments.map((g) => [g.segment.id, g]));
      for (const s of idx.chain.segments) if (!gaps.has(s.id)) throw new Error(`gapAnalysis: no answer for segment ${s.id}`);
      data = { idx, scope, enterprises, report, gaps, verifiedOnly, projects, coverage };
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
      if (!prev || prev.scope !== state.scope || prev.minent !== state.minent || prev.verified !== state.verified || !data) {
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
      panelToken++;
      chart?.dispose();
      chart = null;
    },
  };
}
