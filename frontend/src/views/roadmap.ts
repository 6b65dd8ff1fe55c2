// 路线图与目标: goals (baseline, target, comparator, current, unit, sources), projects
// (stage, capacity, investment, enterprise, park) and policies (rate, cap, condition).
// The phased roadmap arrives with the gap-analysis API.

import { h, replaceChildren } from '../dom';
import { nm, num, paren, t, title as policyTitle } from '../i18n';
import type { Goal, Policy, Project } from '../api';
import { shortName, type SegmentIndex } from '../model';
import { inScope } from '../store';
import type { AppState } from '../state';
import { renderTable, type Column } from '../ui/table';
import { citeText, errorBox, instrumentLabel, loading, projectStageLabel } from '../ui/widgets';
import type { Ctx, View } from './types';

const COMPARATORS: Record<string, string> = { ge: '≥', gt: '>', le: '≤', lt: '<', eq: '=', approx: '≈' };

export function targetText(g: Goal): string {
  if (g.comparator === 'between') return `${num(g.targetValue)}–${num(g.targetMax)}`;
  return `${COMPARATORS[g.comparator] ?? g.comparator} ${num(g.targetValue)}`;
}

export function createRoadmapView(ctx: Ctx): View {
  const toolbar = h('div', { class: 'toolbar' });
  const body = h('div', { class: 'roadmap-body' });
  const el = h('div', { class: 'view view-roadmap' }, toolbar, body);
  let token = 0;

  async function render(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(body, loading());
    let goals: Goal[], projects: Project[], policies: Policy[], idx: SegmentIndex;
    try {
      [goals, projects, policies, idx] = await Promise.all([
        ctx.store.goals(),
        ctx.store.projects(),
        ctx.store.policies(),
        ctx.store.chain(ctx.chainId()),
      ]);
    } catch (err) {
      replaceChildren(body, errorBox(err, () => void render()));
      return;
    }
    if (my !== token) return;
    const state = ctx.state();
    const scope = ctx.scope();
    const regions = ctx.boot.regions;
    const parks = ctx.boot.parks;
    const segName = (id: string) => shortName(nm(idx.get(id))) || id;
    const where = (r: { region?: { id: string } | null; park?: { id: string } | null }) =>
      r.park ? nm(parks.get(r.park.id)) || r.park.id : r.region ? nm(regions.get(r.region.id)) || r.region.id : '';

    const goalCols: Column<Goal>[] = [
      { key: 'name', header: () => t('goals'), value: (g) => nm(g), cls: 'wrap title' },
      { key: 'scope', header: () => t('scopeCol'), value: (g) => where(g) },
      { key: 'segment', header: () => t('segment'), value: (g) => (g.segment ? segName(g.segment.id) : '') },
      { key: 'metric', header: () => t('metric'), value: (g) => g.metric, cls: 'ids' },
      { key: 'baseline', header: () => t('baseline'), value: (g) => (g.baselineValue !== null ? `${g.baselineYear ? g.baselineYear + t('colon') : ''}${num(g.baselineValue)}` : '') },
      { key: 'target', header: () => t('target'), value: (g) => `${g.targetYear}${t('colon')}${targetText(g)}` },
      { key: 'current', header: () => t('current'), value: (g) => (g.currentValue !== null ? `${g.currentYear ? g.currentYear + t('colon') : ''}${num(g.currentValue)}` : '') },
      { key: 'unit', header: () => t('unit'), value: (g) => g.unit ?? '' },
      { key: 'sources', header: () => t('sources'), value: (g) => citeText(g.sources), cls: 'ids' },
    ];
    const shownProjects = state.all ? projects : projects.filter((p) => inScope(scope, p, regions, parks));
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
      { key: 'base', header: () => t('base'), value: (p) => p.base ?? '', cls: 'wrap' },
      { key: 'cap', header: () => t('cap'), value: (p) => p.cap, render: (p) => (p.cap !== null ? `${num(p.cap)}${p.capPeriod ? ` / ${p.capPeriod}` : ''}` : ''), numeric: true },
      { key: 'condition', header: () => t('condition'), value: (p) => p.condition ?? '', cls: 'wrap long' },
      { key: 'segments', header: () => t('segment'), value: (p) => p.segments.map((s) => segName(s.id)).join('、'), cls: 'wrap' },
      { key: 'regions', header: () => t('region'), value: (p) => p.regions.map((r) => nm(regions.get(r.id)) || r.id).join('、') },
      { key: 'clause', header: () => t('clause'), value: (p) => [p.document?.title, p.clause].filter(Boolean).join(' '), cls: 'wrap' },
    ];
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      h('label', { class: 'field check' },
        (() => {
          const cb = h('input', { type: 'checkbox', id: 'all-projects', on: { change: () => ctx.navigate({ all: cb.checked || undefined }, { replace: true }) } });
          cb.checked = !!state.all;
          return cb;
        })(),
        h('span', null, t('allProjects')),
      ),
    );
    const scopeName = scope.kind === 'park' ? nm(scope.park) : nm(scope.region);
    replaceChildren(body,
      h('p', { class: 'legend-note' }, h('span', { class: 'note-mark' }, 'ⓘ'), t('goalsNote')),
      renderTable({ id: 'goals', title: () => t('goals'), columns: goalCols, rows: goals, rowId: (g) => g.id }),
      renderTable({
        id: 'projects', title: () => `${t('projects')} · ${state.all ? t('allProjects') : scopeName}`, columns: prjCols, rows: shownProjects,
        fileParts: [state.all ? 'all' : scope.id], rowId: (p) => p.id, empty: () => t('noneInScope'),
      }),
      renderTable({ id: 'policies', title: () => t('policies'), columns: polCols, rows: policies, rowId: (p) => p.id }),
    );
    ctx.ready();
  }

  return {
    el,
    update(state: AppState, prev: AppState | null) {
      if (!prev || prev.scope !== state.scope || prev.all !== state.all) return render();
    },
    destroy() {
      token++;
    },
  };
}
