// 假设分析: bring one or more enterprises (an investment target of a gap, or a new one named
// here) into a segment in a park of the scope, and see what the gap analysis says then
// (`whatIf`: recomputed on an overlay, nothing is written): completeness before and after,
// the links whose status or kind changes, and the chain map re-coloured. The additions live
// in the URL (`add=`), so a scenario can be shared.

import { echarts, paintThen } from '../charts/core';
import type { EChartsType } from 'echarts/core';
import { h, replaceChildren } from '../dom';
import { nm, num, t } from '../i18n';
import type { InvestmentTarget, Park, SegmentGap, StatusChange, WhatIfResult } from '../api';
import { shortName, type SegmentIndex } from '../model';
import { cleanName, forView, toHash, type AppState, type WhatIfAdd } from '../state';
import { defaultGap, kindLabel, rankedGaps, reasonOf, STATUS_STYLES } from '../status';
import { parksInScope, type Scope } from '../store';
import { renderTable, type Column } from '../ui/table';
import { errorBox, loading, statusChip } from '../ui/widgets';
import { kindChip } from '../ui/gap';
import { downloadChartPng } from '../export/png';
import { fileName } from '../export/csv';
import { expansion, layoutChain } from './chainLayout';
import { chainOption, type BoxInfo } from './chainChart';
import type { Ctx, View } from './types';

const TARGET_CHOICES = 10;

interface Data {
  idx: SegmentIndex;
  scope: Scope;
  gaps: SegmentGap[];
  parks: Park[];
}

export function createWhatifView(ctx: Ctx): View {
  const toolbar = h('div', { class: 'toolbar' });
  const form = h('section', { class: 'card whatif-form', id: 'whatif-form' });
  const addsHost = h('section', { class: 'whatif-adds', id: 'whatif-adds' });
  const result = h('section', { class: 'whatif-result', id: 'whatif-result' });
  const chartEl = h('div', { id: 'whatif-chart', class: 'chart chain-chart', role: 'img', 'aria-label': t('whatifChart') });
  const chartWrap = h('div', { class: 'chart-wrap chain-wrap' }, chartEl);
  const el = h('div', { class: 'view view-whatif' }, toolbar,
    h('p', { class: 'legend-note' }, h('span', { class: 'note-mark' }, 'ⓘ'), t('whatifNote')),
    h('div', { class: 'whatif-top' }, form, h('div', { class: 'whatif-side' }, addsHost, result)),
    chartWrap);

  let chart: EChartsType | null = null;
  let data: Data | null = null;
  let token = 0;
  let formToken = 0;
  let last: WhatIfResult | null = null;

  function scopeName(s: Scope): string {
    return s.kind === 'park' ? nm(s.park) : nm(s.region);
  }

  function segName(id: string): string {
    return shortName(nm(data?.idx.get(id))) || id;
  }

  async function load(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(result, loading());
    try {
      const scope = ctx.scope();
      const [idx, report, coverage] = await Promise.all([ctx.store.chain(ctx.chainId()), ctx.store.gap(ctx.chainId(), scope), ctx.store.coverage(scope)]);
      if (my !== token) return;
      data = { idx, scope, gaps: rankedGaps(report.segments), parks: parksInScope(coverage, ctx.boot) };
    } catch (err) {
      if (my === token) replaceChildren(result, errorBox(err, () => void load()));
      return;
    }
    replaceChildren(toolbar, ctx.scopeSelect(), h('div', { class: 'toolbar-spacer' }),
      h('button', {
        type: 'button', class: 'btn', id: 'export-png', title: t('exportPngTitle'),
        on: { click: () => chart && data && void downloadChartPng(chart, fileName(['whatif', data.scope.id], 'png'), { svg: true }) },
      }, t('exportPng')));
    void renderForm();
    await run();
  }

  // ---- The form ------------------------------------------------------------------------

  function currentGap(state: AppState): SegmentGap | undefined {
    const d = data!;
    return (state.segment ? d.gaps.find((g) => g.segment.id === state.segment) : undefined) ?? defaultGap(d.gaps);
  }

  async function renderForm(): Promise<void> {
    const d = data!;
    const my = ++formToken;
    const state = ctx.state();
    const gap = currentGap(state);
    const gapSel = h('select', {
      id: 'whatif-gap', class: 'select', 'aria-label': t('gap'),
      on: { change: () => ctx.navigate({ segment: gapSel.value || undefined }, { replace: true }) },
    });
    for (const g of d.gaps) {
      const o = h('option', { value: g.segment.id }, `${STATUS_STYLES[g.status].badge} ${kindLabel(g.kind, g.kindZh)} · ${segName(g.segment.id)} · ${num(g.score, 0)}`);
      if (g === gap) o.selected = true;
      gapSel.appendChild(o);
    }
    // An explicitly chosen segment that is not a gap stays selectable.
    if (state.segment && !d.gaps.some((g) => g.segment.id === state.segment) && d.idx.get(state.segment)) {
      const o = h('option', { value: state.segment }, segName(state.segment));
      o.selected = true;
      gapSel.insertBefore(o, gapSel.firstChild);
    }
    const segmentId = state.segment && d.idx.get(state.segment) ? state.segment : gap?.segment.id;

    const who = h('select', { id: 'whatif-target', class: 'select', 'aria-label': t('whatifWho') });
    who.appendChild(h('option', { value: '' }, t('loading')));
    who.disabled = true;
    const nameInput = h('input', { type: 'text', id: 'whatif-name', class: 'input-text', maxlength: 60, placeholder: t('whatifNewName'), 'aria-label': t('whatifNewName') });
    const segSel = h('select', { id: 'whatif-segment', class: 'select', 'aria-label': t('segment') });
    let stage = '';
    let group: HTMLElement = segSel;
    for (const { seg, depth } of d.idx.ordered()) {
      if (seg.stage !== stage) {
        stage = seg.stage;
        group = h('optgroup', { label: t(`stage.${seg.stage}`) });
        segSel.appendChild(group);
      }
      const o = h('option', { value: seg.id }, `${'\u3000'.repeat(depth)}${shortName(nm(seg))}`);
      if (seg.id === segmentId) o.selected = true;
      group.appendChild(o);
    }
    const parkSel = h('select', { id: 'whatif-park', class: 'select', 'aria-label': t('park') });
    for (const p of d.parks) parkSel.appendChild(h('option', { value: p.id }, nm(p)));
    const capInput = h('input', { type: 'number', id: 'whatif-capacity', class: 'input-num', min: 0, step: 'any', placeholder: t('optional'), 'aria-label': t('capacity') });
    const unit = h('span', { class: 'muted small' });
    const showUnit = () => replaceChildren(unit, d.idx.get(segSel.value)?.unit ?? '');
    segSel.addEventListener('change', showUnit);
    showUnit();
    const msg = h('p', { class: 'form-msg', role: 'status' });
    let targets: InvestmentTarget[] = [];
    who.addEventListener('change', () => {
      const tg = targets.find((x) => x.enterprise.id === who.value);
      if (tg?.host && d.parks.some((p) => p.id === tg.host!.park.id)) parkSel.value = tg.host.park.id;
      nameInput.disabled = !!who.value;
    });
    const addBtn = h('button', {
      type: 'button', class: 'btn btn-primary', id: 'whatif-add',
      on: {
        click: () => {
          const name = cleanName(nameInput.value);
          const a: WhatIfAdd = { segment: segSel.value, park: parkSel.value || undefined };
          if (who.value) a.enterprise = who.value;
          else if (name) a.name = name;
          else {
            replaceChildren(msg, t('whatifNeedWho'));
            return;
          }
          if (!a.park) {
            replaceChildren(msg, t('whatifNeedPark'));
            return;
          }
          const cap = Number(capInput.value);
          if (capInput.value && Number.isFinite(cap) && cap >= 0) a.capacity = cap;
          replaceChildren(msg, '');
          ctx.navigate({ add: [...(ctx.state().add ?? []), a] }, { replace: false });
        },
      },
    }, t('whatifAdd'));

    replaceChildren(form,
      h('h2', null, t('whatifTitle')),
      h('div', { class: 'form-grid' },
        h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('gap')), gapSel),
        h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('whatifWho')), who),
        h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('whatifOrNew')), nameInput),
        h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('segment')), segSel),
        h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('whatifPark')), parkSel),
        h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('capacity')), h('span', { class: 'inline' }, capInput, unit)),
      ),
      h('div', { class: 'form-actions' }, addBtn, msg),
    );
    if (!gap) {
      replaceChildren(who, h('option', { value: '' }, t('whatifNewOnly')));
      return;
    }
    try {
      targets = await ctx.store.targets(d.idx.chain.id, d.scope, gap.segment.id, TARGET_CHOICES);
    } catch (err) {
      if (my === formToken) replaceChildren(msg, errorBox(err));
      return;
    }
    if (my !== formToken) return;
    replaceChildren(who, h('option', { value: '' }, targets.length ? t('whatifNewOnlyOr') : t('whatifNewOnly')));
    for (const x of targets) {
      who.appendChild(h('option', { value: x.enterprise.id }, `${nm(x.enterprise)} · ${nm(x.enterprise.region)} · ${num(x.score, 1)}${x.host ? ` → ${shortName(nm(x.host.park))}` : ''}`));
    }
    who.disabled = false;
    if (targets.length) {
      who.value = targets[0].enterprise.id;
      who.dispatchEvent(new Event('change'));
    }
    form.dataset.targets = String(targets.length);
  }

  // ---- The additions and the result --------------------------------------------------------

  const names = new Map<string, string>();

  async function loadNames(adds: WhatIfAdd[]): Promise<void> {
    const ids = [...new Set(adds.map((a) => a.enterprise).filter((x): x is string => !!x && !names.has(x)))];
    const found = await Promise.all(ids.map((id) => ctx.store.enterpriseName(id).catch(() => null)));
    found.forEach((e, i) => names.set(ids[i], e ? nm(e) : ids[i]));
  }

  function renderAdds(): void {
    const d = data!;
    const adds = ctx.state().add ?? [];
    const parkName = (id?: string) => (id ? nm(ctx.boot.parks.get(id)) || id : '');
    const cols: Column<WhatIfAdd & { i: number }>[] = [
      {
        key: 'who', header: () => t('enterprise'),
        value: (a) => (a.enterprise ? names.get(a.enterprise) ?? a.enterprise : `${a.name}（${t('whatifNew')}）`),
        render: (a) => h('span', null, a.enterprise ? names.get(a.enterprise) ?? a.enterprise : a.name, a.enterprise ? null : [' ', h('span', { class: 'chip chip-warn' }, t('whatifNew'))]),
      },
      { key: 'segment', header: () => t('segment'), value: (a) => segName(a.segment) },
      { key: 'park', header: () => t('park'), value: (a) => parkName(a.park) },
      { key: 'capacity', header: () => t('capacity'), value: (a) => a.capacity ?? null, render: (a) => (a.capacity !== undefined ? `${num(a.capacity)} ${d.idx.get(a.segment)?.unit ?? ''}` : ''), numeric: true },
      {
        key: 'remove', header: () => '', value: () => '',
        render: (a) => h('button', {
          type: 'button', class: 'btn btn-small', 'data-remove': a.i, 'aria-label': t('remove'),
          on: { click: () => ctx.navigate({ add: adds.filter((_, k) => k !== a.i) }) },
        }, '✕'),
      },
    ];
    replaceChildren(addsHost,
      renderTable({ id: 'whatif-additions', title: () => t('whatifAdditions'), columns: cols, rows: adds.map((a, i) => ({ ...a, i })), rowId: (a) => `${a.enterprise ?? a.name}@${a.segment}`, compact: true, empty: () => t('whatifNone') }),
      adds.length ? h('button', { type: 'button', class: 'btn btn-small', id: 'whatif-clear', on: { click: () => ctx.navigate({ add: undefined }) } }, t('whatifClear')) : null,
    );
  }

  async function run(): Promise<void> {
    const d = data!;
    const my = ++token;
    ctx.busy();
    const adds = ctx.state().add ?? [];
    await loadNames(adds);
    if (my !== token) return;
    renderAdds();
    replaceChildren(result, loading());
    let r: WhatIfResult;
    try {
      r = await ctx.store.whatIf(d.idx.chain.id, d.scope, adds.map((a) => ({ ...a })));
    } catch (err) {
      if (my === token) {
        replaceChildren(result, errorBox(err));
        last = null;
        drawChart(null);
      }
      return;
    }
    if (my !== token) return;
    last = r;
    renderResult(r, adds.length > 0);
    drawChart(r);
  }

  function renderResult(r: WhatIfResult, any: boolean): void {
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    const b = r.before;
    const a = r.after;
    const stageRows = b.byStage.map((s) => ({ stage: s.stage, before: s, after: a.byStage.find((x) => x.stage === s.stage) ?? s }));
    const chCols: Column<StatusChange>[] = [
      { key: 'segment', header: () => t('segment'), value: (c) => segName(c.segment.id), cls: 'wrap' },
      {
        key: 'status', header: () => t('status'), value: (c) => `${t(STATUS_STYLES[c.statusBefore].labelKey)} → ${t(STATUS_STYLES[c.statusAfter].labelKey)}`,
        render: (c) => h('span', { class: 'arrow-pair' }, statusChip(c.statusBefore), ' → ', statusChip(c.statusAfter)),
      },
      {
        key: 'kind', header: () => t('gapKind'), value: (c) => `${kindLabel(c.kindBefore)} → ${kindLabel(c.kindAfter)}`,
        render: (c) => h('span', { class: 'arrow-pair' }, kindChip(c.kindBefore), ' → ', kindChip(c.kindAfter)),
      },
      { key: 'enterprises', header: () => t('enterprises'), value: (c) => `${c.enterprisesBefore} → ${c.enterprisesAfter}`, numeric: true },
    ];
    replaceChildren(result,
      h('div', { class: 'figures' },
        h('div', { class: 'figure' }, h('span', { class: 'fig-v', id: 'whatif-before' }, `${b.present}/${b.total}`), h('span', { class: 'fig-k' }, `${t('completenessBefore')} · ${pct(b.completeness)}`)),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v', id: 'whatif-after' }, `${a.present}/${a.total}`), h('span', { class: 'fig-k' }, `${t('completenessAfter')} · ${pct(a.completeness)}`)),
        h('div', { class: 'figure' }, h('span', { class: 'fig-v' }, `${a.present - b.present >= 0 ? '+' : ''}${a.present - b.present}`), h('span', { class: 'fig-k' }, t('segmentsGained'))),
      ),
      h('table', { class: 'data stage-compare', id: 'whatif-stages' },
        h('thead', null, h('tr', null, h('th', null, t('stage')), h('th', { class: 'num' }, t('completenessBefore')), h('th', { class: 'num' }, t('completenessAfter')))),
        h('tbody', null, stageRows.map((s) => h('tr', { 'data-stage': s.stage, class: s.after.present !== s.before.present ? 'changed' : undefined },
          h('td', null, t(`stage.${s.stage}`)),
          h('td', { class: 'num' }, `${s.before.present}/${s.before.total}`),
          h('td', { class: 'num' }, `${s.after.present}/${s.after.total}`),
        ))),
      ),
      renderTable({
        id: 'whatif-changes', title: () => t('whatifChanges'), columns: chCols, rows: r.changes, fileParts: [data!.scope.id],
        rowId: (c) => c.segment.id, compact: true, empty: () => (any ? t('whatifNoChange') : t('whatifNone')),
      }),
    );
  }

  function drawChart(r: WhatIfResult | null): void {
    const d = data!;
    const report = r?.after;
    if (!report) {
      ctx.ready();
      return;
    }
    const changes = new Map((r?.changes ?? []).map((c) => [c.segment.id, c]));
    // Expand the ancestors of every changed segment so that its box shows.
    const open = [...new Set([...changes.keys()].flatMap((id) => d.idx.ancestors(id).map((a) => a.id)))].filter((id) => d.idx.depth(id) >= 1).map((id) => `+${id}`);
    const width = Math.max(chartWrap.clientWidth - 2, 600);
    const L = layoutChain(d.idx, expansion(d.idx, open, undefined), width);
    chartEl.style.width = `${L.width}px`;
    chartEl.style.height = `${L.height}px`;
    if (!chart) {
      chart = echarts.init(chartEl, null, { renderer: 'svg' });
      chart.on('click', (p) => {
        const id = String((p.data as { id?: string } | undefined)?.id ?? '');
        if (id.startsWith('b:')) location.hash = toHash({ ...forView(ctx.state(), 'chain'), segment: id.slice(2) });
      });
    }
    chart.resize({ width: L.width, height: L.height });
    const info = new Map<string, BoxInfo>();
    for (const g of report.segments) {
      info.set(g.segment.id, { status: g.status, kind: g.kind, kindZh: g.kindZh, enterprises: g.enterprises, capacity: g.capacity, score: g.score, reason: reasonOf(g), change: changes.get(g.segment.id) });
    }
    const t0 = performance.now();
    chart.setOption(chainOption({
      idx: d.idx, layout: L, info, byStage: report.byStage, present: report.present, total: report.total,
      title: `${(ctx.state().add ?? []).length ? `${t('whatifAfter')} · ` : ''}${scopeName(d.scope)} · ${nm(d.idx.chain)}`,
      tooltipHint: t('whatifOpenChain'),
    }), { replaceMerge: ['series', 'graphic'] });
    paintThen(chart, t0, () => ctx.ready());
  }

  return {
    el,
    async update(state: AppState, prev: AppState | null) {
      if (!prev || !data || prev.scope !== state.scope) {
        await load();
        return;
      }
      if (prev.segment !== state.segment) void renderForm();
      const key = (s: AppState | null) => JSON.stringify(s?.add ?? []);
      if (key(prev) !== key(state)) await run();
    },
    resize() {
      if (data && last) {
        ctx.busy();
        drawChart(last);
      }
    },
    destroy() {
      token++;
      formToken++;
      chart?.dispose();
      chart = null;
    },
  };
}
