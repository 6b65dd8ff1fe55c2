// 路线图与目标: the phased investment-promotion roadmap from the API (`roadmap`: gaps by
// dependency, then score, each with its targets, host park, policies and goals) as a
// timeline (phases as columns, dependencies as arrows; ECharts graph in SVG) and a table;
// the goals with baseline, target, current value (derived from the graph or from the data,
// with its note) and whether they are on track; projects and policies.

import { echarts, FONT_FAMILY, paintThen, textWidth, TOOLTIP_BASE } from '../charts/core';
import type { EChartsType } from 'echarts/core';
import { escapeHtml, h, replaceChildren } from '../dom';
import { lang, nm, num, paren, t, title as policyTitle, type MessageKey } from '../i18n';
import type { Goal, Policy, Project, RoadmapGap, RoadmapStep } from '../api';
import { shortName, type SegmentIndex } from '../model';
import { inScope, scopeInput, type Coverage, type Scope } from '../store';
import type { AppState } from '../state';
import { kindLabel, reasonOf, STATUS_STYLES } from '../status';
import { renderTable, type Column } from '../ui/table';
import { citeText, errorBox, instrumentLabel, loading, projectStageLabel, statusChip } from '../ui/widgets';
import { capText, hostName, kindChip, onTrackCell, onTrackText, policyLine } from '../ui/gap';
import { downloadChartPng } from '../export/png';
import { addLeadButton, targetPlace } from '../ui/addLead';
import { gql } from '../api';
import { GapLeadsDocument, type LeadStage } from '../graphql/generated';
import { stageSummary } from '../leads';
import { session } from '../session';
import { toHash } from '../state';
import { fileName } from '../export/csv';
import type { Ctx, View } from './types';

const COMPARATORS: Record<string, string> = { ge: '≥', gt: '>', le: '≤', lt: '<', eq: '=', approx: '≈' };
const STEP_CHOICES = [6, 12, 24, 50];
const DEFAULT_STEPS = 12;

export function targetText(g: Goal): string {
  if (g.comparator === 'between') return `${num(g.targetValue)}–${num(g.targetMax)}`;
  return `${COMPARATORS[g.comparator] ?? g.comparator} ${num(g.targetValue)}`;
}

/** The current value of a goal: the API's (derived or from the data), with its year. */
export function currentText(g: Goal): string {
  if (g.current === null) return '';
  const year = g.currentValueYear ?? null;
  return `${year ? year + t('colon') : ''}${num(g.current)}`;
}

const TL = { padX: 12, titleH: 34, laneHeadW: 112, boxH: 54, gapX: 10, gapY: 8, lanePad: 10, laneGap: 10, minBoxW: 230, padBottom: 10 };

interface Data {
  idx: SegmentIndex;
  scope: Scope;
  steps: RoadmapStep[];
  dataGaps: RoadmapGap[];
  goals: Goal[];
  projects: Project[];
  policies: Policy[];
  /** What the scope covers (the API's scopeCoverage), to tell local projects. */
  coverage: Coverage;
  /** The pipeline's leads on each gap, by stage (logged in only; null otherwise). */
  leads: Map<string, LeadStage[]> | null;
}

export function createRoadmapView(ctx: Ctx): View {
  const toolbar = h('div', { class: 'toolbar' });
  const chartEl = h('div', { id: 'roadmap-chart', class: 'chart roadmap-chart', role: 'img', 'aria-label': t('roadmapTimeline') });
  const chartWrap = h('div', { class: 'chart-wrap roadmap-wrap' }, chartEl);
  const body = h('div', { class: 'roadmap-body' });
  const el = h('div', { class: 'view view-roadmap' }, toolbar, h('p', { class: 'legend-note' }, h('span', { class: 'note-mark' }, 'ⓘ'), t('roadmapNote')), chartWrap, body);
  let token = 0;
  let chart: EChartsType | null = null;
  let data: Data | null = null;

  function scopeName(s: Scope): string {
    return s.kind === 'park' ? nm(s.park) : nm(s.region);
  }

  function renderToolbar(): void {
    const state = ctx.state();
    const sel = h('select', { id: 'steps-select', class: 'select', 'aria-label': t('roadmapSteps'), on: { change: () => ctx.navigate({ steps: Number(sel.value) === DEFAULT_STEPS ? undefined : Number(sel.value) }, { replace: true }) } });
    const cur = state.steps ?? DEFAULT_STEPS;
    for (const n of [...new Set([...STEP_CHOICES, cur])].sort((a, b) => a - b)) {
      const o = h('option', { value: n }, t('stepsN', { n }));
      if (n === cur) o.selected = true;
      sel.appendChild(o);
    }
    const cb = h('input', { type: 'checkbox', id: 'all-projects', on: { change: () => ctx.navigate({ all: cb.checked || undefined }, { replace: true }) } });
    cb.checked = !!state.all;
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('roadmapSteps')), sel),
      h('label', { class: 'field check' }, cb, h('span', null, t('allProjects'))),
      h('div', { class: 'toolbar-spacer' }),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && data && void downloadChartPng(chart, fileName(['roadmap', data.scope.id], 'png'), { svg: true }) },
      }, t('exportPng')),
    );
  }

  async function load(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(body, loading());
    const state = ctx.state();
    try {
      const scope = ctx.scope();
      const [idx, roadmap, goals, projects, policies, coverage, gapLeads] = await Promise.all([
        ctx.store.chain(ctx.chainId()),
        ctx.store.roadmap(ctx.chainId(), scope, state.steps ?? DEFAULT_STEPS, 3),
        ctx.store.goals(),
        ctx.store.projects(),
        ctx.store.policies(),
        ctx.store.coverage(scope),
        session() ? gql(GapLeadsDocument, { chain: ctx.chainId(), scope: scopeInput(scope) }) : null,
      ]);
      if (my !== token) return;
      const leads = gapLeads
        ? new Map(gapLeads.gapAnalysis.segments.filter((g) => g.leads).map((g) => [g.segment.id, g.leads!.map((l) => l.stage)]))
        : null;
      data = { idx, scope, steps: roadmap.steps, dataGaps: roadmap.dataGaps, goals, projects, policies, coverage, leads };
    } catch (err) {
      if (my === token) replaceChildren(body, errorBox(err, () => void load()));
      return;
    }
    renderToolbar();
    renderTimeline();
    renderTables();
  }

  // ---- Timeline --------------------------------------------------------------------------

  function renderTimeline(): void {
    const d = data!;
    const segName = (id: string) => shortName(nm(d.idx.get(id))) || id;
    const phases = [...new Set(d.steps.map((s) => s.phase))].sort((a, b) => a - b);
    // Phases are lanes (rows); a lane's steps fill it left to right, in the API's order.
    const width = Math.max(chartWrap.clientWidth - 2, 600);
    const inner = width - 2 * TL.padX - TL.laneHeadW;
    const cols = Math.max(1, Math.floor((inner + TL.gapX) / (TL.minBoxW + TL.gapX)));
    const boxW = Math.floor((inner - (cols - 1) * TL.gapX) / cols);
    const pos = new Map<string, { x: number; y: number; step: RoadmapStep }>();
    const lanes: { phase: number; y: number; h: number; n: number }[] = [];
    let y = TL.titleH;
    for (const ph of phases) {
      const list = d.steps.filter((s) => s.phase === ph);
      const rows = Math.ceil(list.length / cols);
      const h = 2 * TL.lanePad + rows * TL.boxH + (rows - 1) * TL.gapY;
      list.forEach((s, k) => {
        pos.set(s.gap.segment.id, {
          x: TL.padX + TL.laneHeadW + (k % cols) * (boxW + TL.gapX),
          y: y + TL.lanePad + Math.floor(k / cols) * (TL.boxH + TL.gapY),
          step: s,
        });
      });
      lanes.push({ phase: ph, y, h, n: list.length });
      y += h + TL.laneGap;
    }
    const height = Math.max(y, TL.titleH + 40) + TL.padBottom;
    chartEl.style.width = `${width}px`;
    chartEl.style.height = `${height}px`;
    if (!chart) chart = echarts.init(chartEl, null, { renderer: 'svg' });
    chart.resize({ width, height });

    const richSafe = (s: string) => s.replace(/[{}|]/g, ' ');
    const port = { symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } };
    const nodes: object[] = [
      { id: 'a0', x: 0, y: 0, ...port },
      { id: 'a1', x: width, y: height, ...port },
    ];
    for (const [sid, p] of pos) {
      const s = p.step;
      const st = STATUS_STYLES[s.gap.status];
      const name = echarts.format.truncateText(richSafe(segName(sid)), boxW - 40, `600 13px ${FONT_FAMILY}`, '…', {});
      const kind = kindLabel(s.gap.kind, s.gap.kindZh);
      const host = s.host ? ` → ${shortName(nm(s.host.park))}` : '';
      const meta = echarts.format.truncateText(richSafe(`${t('score')} ${num(s.gap.score, 0)}${host}`), boxW - 34 - textWidth(kind, `600 11px ${FONT_FAMILY}`), `12px ${FONT_FAMILY}`, '…', {});
      nodes.push({
        id: `s:${sid}`,
        name: segName(sid),
        x: p.x + boxW / 2,
        y: p.y + TL.boxH / 2,
        symbol: 'rect',
        symbolSize: [boxW, TL.boxH],
        // Read by the browser tests.
        phase: s.phase,
        segment: sid,
        itemStyle: { color: st.fill, borderColor: st.border, borderType: st.borderType, borderWidth: st.borderWidth },
        label: {
          show: true, position: 'insideLeft', padding: [0, 0, 0, 8],
          formatter: `{badge|${st.badge}} {name|${name}}\n{kind|${richSafe(kind)}} {meta|${meta}}`,
          rich: {
            name: { fontSize: 13, fontWeight: 600, color: '#15202b', lineHeight: 20, fontFamily: FONT_FAMILY },
            meta: { fontSize: 12, color: '#3d4b5c', lineHeight: 18, fontFamily: FONT_FAMILY },
            badge: { fontSize: 10, color: '#fff', backgroundColor: st.border, borderRadius: 3, padding: [1, 3, 0, 3], fontWeight: 700, lineHeight: 14, fontFamily: FONT_FAMILY },
            kind: { fontSize: 11, color: '#4a2a00', backgroundColor: '#fff', borderColor: st.border, borderWidth: 1, borderRadius: 3, padding: [1, 4, 0, 4], fontWeight: 600, lineHeight: 14, fontFamily: FONT_FAMILY },
          },
        },
        tooltip: {
          formatter: () => [
            `<div class="tt-title">${escapeHtml(nm(d.idx.get(sid)))}</div>`,
            `<div class="tt-muted">${escapeHtml(t('phaseN', { n: s.phase }))} · ${escapeHtml(kind)} · ${escapeHtml(t('score'))} ${escapeHtml(num(s.gap.score, 1))}</div>`,
            `<div>${escapeHtml(reasonOf(s.gap))}</div>`,
            s.targets.length ? `<div>${escapeHtml(t('topTargetsShort'))}${escapeHtml(t('colon'))}${escapeHtml(s.targets.map((x) => nm(x.enterprise)).join('、'))}</div>` : '',
            `<div>${escapeHtml(t('hostPark'))}${escapeHtml(t('colon'))}${escapeHtml(hostName(s.host))}</div>`,
            s.after.length ? `<div class="tt-muted">${escapeHtml(t('dependsOn'))}${escapeHtml(t('colon'))}${escapeHtml(s.after.map((a) => segName(a.id)).join('、'))}</div>` : '',
          ].join(''),
        },
        emphasis: { scale: false },
      });
      nodes.push({ id: `pb:${sid}`, x: p.x + boxW / 2, y: p.y + TL.boxH, ...port }, { id: `pt:${sid}`, x: p.x + boxW / 2, y: p.y, ...port });
    }
    const links: object[] = [];
    for (const [sid, p] of pos) {
      for (const a of p.step.after) {
        if (!pos.has(a.id)) continue;
        links.push({ source: `pb:${a.id}`, target: `pt:${sid}`, lineStyle: { color: '#1d3557', width: 1.4, opacity: 0.75, curveness: 0.12 } });
      }
    }
    const graphic: object[] = [
      {
        type: 'text', left: TL.padX, top: 8, silent: true,
        style: { text: `${t('roadmapTimeline')} · ${scopeName(d.scope)} · ${nm(d.idx.chain)}`, font: `600 15px ${FONT_FAMILY}`, fill: '#15202b' },
      },
    ];
    lanes.forEach((lane, i) => {
      graphic.push(
        { type: 'rect', z: -10, silent: true, shape: { x: TL.padX - 4, y: lane.y, width: width - 2 * TL.padX + 8, height: lane.h, r: 6 }, style: { fill: i % 2 ? '#eef3f9' : '#f6f8fb', stroke: '#dfe5ec', lineWidth: 1 } },
        { type: 'text', x: TL.padX + 8, y: lane.y + TL.lanePad + 6, silent: true, style: { text: t('phaseN', { n: lane.phase }), font: `700 15px ${FONT_FAMILY}`, fill: '#1d3557' } },
        { type: 'text', x: TL.padX + 8, y: lane.y + TL.lanePad + 28, silent: true, style: { text: t('stepsN', { n: lane.n }), font: `12px ${FONT_FAMILY}`, fill: '#4a5a6c' } },
      );
    });
    if (!lanes.length) {
      graphic.push({ type: 'text', x: TL.padX + 8, y: TL.titleH + 10, silent: true, style: { text: t('noGaps'), font: `13px ${FONT_FAMILY}`, fill: '#4a5a6c' } });
    }
    const t0 = performance.now();
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT_FAMILY },
      tooltip: { ...TOOLTIP_BASE, trigger: 'item' },
      graphic: { elements: graphic },
      series: [{
        id: 'roadmap', type: 'graph', layout: 'none', roam: false, left: 0, top: 0, width, height,
        edgeSymbol: ['none', 'arrow'], edgeSymbolSize: [0, 7], emphasis: { focus: 'none', scale: false },
        data: nodes, links, z: 3,
      }],
    }, { replaceMerge: ['series', 'graphic'] });
    paintThen(chart, t0, () => ctx.ready());
  }

  // ---- Tables ------------------------------------------------------------------------------

  function renderTables(): void {
    const d = data!;
    const state = ctx.state();
    const regions = ctx.boot.regions;
    const parks = ctx.boot.parks;
    const segName = (id: string) => shortName(nm(d.idx.get(id))) || id;
    const where = (r: { region?: { id: string } | null; park?: { id: string } | null }) =>
      r.park ? nm(parks.get(r.park.id)) || r.park.id : r.region ? nm(regions.get(r.region.id)) || r.region.id : '';
    const sep = lang() === 'zh' ? '；' : '; ';

    const stepCols: Column<RoadmapStep>[] = [
      { key: 'phase', header: () => t('phase'), value: (s) => s.phase, numeric: true },
      { key: 'gap', header: () => t('gap'), value: (s) => segName(s.gap.segment.id), cls: 'wrap title' },
      { key: 'status', header: () => t('status'), value: (s) => t(STATUS_STYLES[s.gap.status].labelKey), render: (s) => statusChip(s.gap.status) },
      { key: 'kind', header: () => t('gapKind'), value: (s) => kindLabel(s.gap.kind, s.gap.kindZh), render: (s) => kindChip(s.gap.kind, s.gap.kindZh) },
      { key: 'score', header: () => t('score'), value: (s) => s.gap.score, render: (s) => num(s.gap.score, 1), numeric: true },
      {
        key: 'targets', header: () => t('topTargetsShort'), cls: 'wrap',
        value: (s) => s.targets.map((x) => `${nm(x.enterprise)} (${num(x.score, 1)})`).join(sep),
        render: (s) => (s.targets.length
          ? h('ol', { class: 'cell-list' }, s.targets.map((x) => h('li', { 'data-ent': x.enterprise.id }, nm(x.enterprise), h('span', { class: 'muted' }, ` ${num(x.score, 1)}`),
              addLeadButton({ enterprise: x.enterprise.id, segment: x.segment.id, origin: 'roadmap', ...targetPlace((x.host ?? s.host)?.park.id, d.scope) }))))
          : h('span', { class: 'muted' }, t('noTargets'))),
      },
      { key: 'host', header: () => t('hostPark'), value: (s) => hostName(s.host), cls: 'wrap' },
      {
        key: 'policies', header: () => t('policiesRateCap'), cls: 'wrap long',
        value: (s) => s.policies.filter((p) => p.rate !== null || p.cap !== null).map(policyLine).join(sep),
        render: (s) => {
          const money = s.policies.filter((p) => p.rate !== null || p.cap !== null);
          const rest = s.policies.length - money.length;
          return h('div', null,
            money.length ? h('ul', { class: 'cell-list' }, money.map((p) => h('li', null, policyLine(p)))) : null,
            rest ? h('span', { class: 'muted small' }, t('morePolicies', { n: rest })) : null,
          );
        },
      },
      { key: 'goals', header: () => t('goalsMoved'), value: (s) => s.goals.map((g) => nm(g)).join(sep), cls: 'wrap long' },
      { key: 'after', header: () => t('dependsOn'), value: (s) => s.after.map((a) => segName(a.id)).join('、'), cls: 'wrap' },
      { key: 'reason', header: () => t('reason'), value: (s) => reasonOf(s.gap), cls: 'wrap long' },
    ];
    // Logged in: each step's leads by stage, linked to the board filtered by the segment.
    if (d.leads) {
      const leads = d.leads;
      const summary = (s: RoadmapStep) => stageSummary(leads.get(s.gap.segment.id) ?? [], (x) => t(`leadStage.${x}` as MessageKey));
      stepCols.splice(2, 0, {
        key: 'leads', header: () => t('view.leads'), cls: 'wrap', value: summary,
        render: (s) => {
          const text = summary(s);
          return text
            ? h('a', { class: 'step-leads', href: toHash({ view: 'leads', lang: ctx.state().lang, chain: ctx.chainId(), segment: s.gap.segment.id }) }, text)
            : h('span', { class: 'muted' }, '—');
        },
      });
    }

    const dataGapCols: Column<RoadmapGap>[] = [
      { key: 'gap', header: () => t('gap'), value: (g) => segName(g.segment.id), cls: 'wrap title' },
      { key: 'status', header: () => t('status'), value: (g) => t(STATUS_STYLES[g.status].labelKey), render: (g) => statusChip(g.status) },
      { key: 'kind', header: () => t('gapKind'), value: (g) => kindLabel(g.kind, g.kindZh), render: (g) => kindChip(g.kind, g.kindZh) },
      { key: 'score', header: () => t('score'), value: (g) => g.score, render: (g) => num(g.score, 1), numeric: true },
      { key: 'elsewhere', header: () => t('elsewhere'), value: (g) => (g.elsewhere < 0 ? null : g.elsewhere), numeric: true },
      { key: 'reason', header: () => t('reason'), value: (g) => reasonOf(g), cls: 'wrap long' },
    ];
    const goalCols: Column<Goal>[] = [
      { key: 'name', header: () => t('goals'), value: (g) => nm(g), cls: 'wrap title' },
      { key: 'scope', header: () => t('scopeCol'), value: (g) => where(g) },
      { key: 'segment', header: () => t('segment'), value: (g) => (g.segment ? segName(g.segment.id) : '') },
      { key: 'metric', header: () => t('metric'), value: (g) => g.metric, cls: 'ids' },
      { key: 'baseline', header: () => t('baseline'), value: (g) => (g.baselineValue !== null ? `${g.baselineYear ? g.baselineYear + t('colon') : ''}${num(g.baselineValue)}` : '') },
      { key: 'target', header: () => t('target'), value: (g) => `${g.targetYear}${t('colon')}${targetText(g)}` },
      { key: 'current', header: () => t('current'), value: (g) => currentText(g), render: (g) => h('span', { class: 'current', 'data-derived': String(g.currentDerived) }, currentText(g), g.current !== null ? h('span', { class: 'muted small' }, ` ${t(g.currentDerived ? 'derived' : 'fromData')}`) : null) },
      { key: 'unit', header: () => t('unit'), value: (g) => g.unit ?? '' },
      { key: 'onTrack', header: () => t('onTrack'), value: (g) => onTrackText(g.onTrack), render: (g) => onTrackCell(g.onTrack) },
      { key: 'note', header: () => t('currentNote'), value: (g) => g.currentNote ?? '', cls: 'wrap long' },
      { key: 'sources', header: () => t('sources'), value: (g) => citeText(g.sources), cls: 'ids' },
    ];
    const shownProjects = state.all ? d.projects : d.projects.filter((p) => inScope(d.coverage, p, parks));
    const prjCols: Column<Project>[] = [
      { key: 'name', header: () => t('projects'), value: (p) => nm(p), cls: 'wrap title' },
      { key: 'stage', header: () => t('stage'), value: (p) => projectStageLabel(p.stage) },
      { key: 'capacity', header: () => t('capacity'), value: (p) => p.capacity, render: (p) => (p.capacity !== null ? num(p.capacity) : ''), numeric: true },
      { key: 'unit', header: () => t('unit'), value: (p) => p.capacityUnit ?? '' },
      { key: 'investment', header: () => t('investment'), value: (p) => p.investment, render: (p) => num(p.investment), numeric: true },
      { key: 'enterprise', header: () => t('enterprise'), value: (p) => nm(p.enterprise) },
      { key: 'park', header: () => t('park'), value: (p) => (p.park ? nm(parks.get(p.park.id)) || p.park.id : '') },
      { key: 'region', header: () => t('region'), value: (p) => (p.region ? nm(regions.get(p.region.id)) || p.region.id : '') },
      { key: 'segments', header: () => t('segment'), value: (p) => p.segments.map((s) => segName(s.id)).join('、'), cls: 'wrap' },
      { key: 'years', header: () => t('years'), value: (p) => [p.startYear, p.endYear].filter((y) => y !== null).join('–') },
      { key: 'sources', header: () => t('sources'), value: (p) => citeText(p.sources), cls: 'ids' },
    ];
    const polCols: Column<Policy>[] = [
      { key: 'title', header: () => t('policies'), value: (p) => policyTitle(p), cls: 'wrap title' },
      { key: 'instrument', header: () => t('instrument'), value: (p) => instrumentLabel(p.instrument) },
      { key: 'rate', header: () => `${t('rate')}${paren('%')}`, value: (p) => p.rate, render: (p) => num(p.rate), numeric: true },
      { key: 'base', header: () => t('base'), value: (p) => p.base || '', cls: 'wrap' },
      { key: 'cap', header: () => t('cap'), value: (p) => p.cap, render: (p) => capText(p), numeric: true },
      { key: 'condition', header: () => t('condition'), value: (p) => p.condition ?? '', cls: 'wrap long' },
      { key: 'segments', header: () => t('segment'), value: (p) => p.segments.map((s) => segName(s.id)).join('、'), cls: 'wrap' },
      { key: 'regions', header: () => t('region'), value: (p) => p.regions.map((r) => nm(regions.get(r.id)) || r.id).join('、') },
      { key: 'clause', header: () => t('clause'), value: (p) => [p.document?.title, p.clause].filter(Boolean).join(' '), cls: 'wrap' },
    ];
    replaceChildren(body,
      renderTable({
        id: 'roadmap', title: () => `${t('roadmapTable')} · ${scopeName(d.scope)}`, columns: stepCols, rows: d.steps, fileParts: [d.scope.id],
        rowId: (s) => s.gap.segment.id, empty: () => t('noGaps'),
      }),
      d.dataGaps.length
        ? renderTable({
            id: 'data-gaps', title: () => t('dataGaps'), columns: dataGapCols, rows: d.dataGaps, fileParts: [d.scope.id],
            rowId: (g) => g.segment.id, caption: t('dataGapsNote'), maxRows: 50,
          })
        : null,
      renderTable({ id: 'goals', title: () => t('goals'), columns: goalCols, rows: d.goals, rowId: (g) => g.id, caption: t('goalsNote') }),
      renderTable({
        id: 'projects', title: () => `${t('projects')} · ${state.all ? t('allProjects') : scopeName(d.scope)}`, columns: prjCols, rows: shownProjects,
        fileParts: [state.all ? 'all' : d.scope.id], rowId: (p) => p.id, empty: () => t('noneInScope'),
      }),
      renderTable({ id: 'policies', title: () => t('policies'), columns: polCols, rows: d.policies, rowId: (p) => p.id }),
    );
  }

  return {
    el,
    async update(state: AppState, prev: AppState | null) {
      if (!prev || !data || prev.scope !== state.scope || prev.steps !== state.steps) {
        renderToolbar();
        await load();
        return;
      }
      if (prev.all !== state.all) {
        renderTables();
        ctx.ready();
      }
    },
    resize() {
      if (data) {
        ctx.busy();
        renderTimeline();
      }
    },
    destroy() {
      token++;
      chart?.dispose();
      chart = null;
    },
  };
}
