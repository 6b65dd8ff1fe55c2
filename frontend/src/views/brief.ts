// 简报: the 招商 brief for a chain and a scope (issue 17), in the page's language, from the
// URL (chain, scope, lang, verified, minent, steps), so a shared link opens the same brief.
// The page shows it as a document (brief/render.ts); 打印 / PDF prints it through the print
// stylesheet; 导出 Word builds a DOCX (brief/docx.ts, `docx` loaded on the first click).

import { echarts } from '../charts/core';
import { h, replaceChildren } from '../dom';
import { nm, t } from '../i18n';
import type { GapReport, InvestmentTarget } from '../api';
import type { SegmentIndex } from '../model';
import { inScope, scopeInput } from '../store';
import { gql } from '../api';
import { GapLeadsDocument, PipelineKpIsDocument, type LeadStage } from '../graphql/generated';
import type { KpiReport } from '../kpi';
import { chinaToday } from '../leads';
import { session } from '../session';
import { errorBox, loading } from '../ui/widgets';
import { downloadBlob } from '../export/csv';
import { buildBrief, TARGETS_PER_GAP, topGaps, type Brief } from '../brief/model';
import { renderBrief, type ChartImage } from '../brief/render';
import { boxInfo } from './chain';
import { chainOption, type BoxInfo } from './chainChart';
import { expansion, layoutChain } from './chainLayout';
import type { Ctx, View } from './types';

/** Width of the chain map drawn for the brief (CSS px); pixel ratio of its PNG. */
const CHART_W = 1100;
const CHART_RATIO = 2;

export function createBriefView(ctx: Ctx): View {
  const toolbar = h('div', { class: 'toolbar no-print' });
  const body = h('div', { class: 'brief-host' });
  const el = h('div', { class: 'view view-brief' }, toolbar, body);
  let token = 0;
  let current: { brief: Brief; png: Uint8Array | null; chart: ChartImage | null } | null = null;
  let objectUrl = '';

  function renderToolbar(): void {
    const state = ctx.state();
    const box = h('input', { type: 'checkbox', id: 'brief-verified-only', on: { change: () => ctx.navigate({ verified: box.checked || undefined }, { replace: true }) } });
    box.checked = !!state.verified;
    const docxBtn = h('button', {
      type: 'button', class: 'btn', id: 'brief-docx', title: t('brief.exportDocxTitle'),
      on: {
        click: async () => {
          if (!current) return;
          docxBtn.disabled = true;
          try {
            const { briefDocx } = await import('../brief/docx');
            const c = current;
            const blob = await briefDocx(c.brief, c.png && c.chart ? { data: c.png, width: c.chart.width, height: c.chart.height } : null);
            downloadBlob(blob, `${c.brief.fileStem}.docx`);
          } finally {
            docxBtn.disabled = false;
          }
        },
      },
    }, t('brief.exportDocx'));
    replaceChildren(toolbar,
      ctx.scopeSelect(),
      h('label', { class: 'field check', title: t('verifiedOnlyTitle') }, box, h('span', { class: 'field-label' }, t('verifiedOnly'))),
      h('div', { class: 'toolbar-spacer' }),
      docxBtn,
      h('button', { type: 'button', class: 'btn', id: 'brief-print', title: t('brief.printTitle'), on: { click: () => window.print() } }, t('brief.print')),
    );
  }

  /** The chain map as the chain view draws it (default expansion), as a PNG. */
  async function chartPng(info: Map<string, BoxInfo>, idx: SegmentIndex, title: string, report: GapReport): Promise<{ png: Uint8Array; image: ChartImage }> {
    await import('../charts/geo'); // registers the canvas renderer
    const layout = layoutChain(idx, expansion(idx, undefined, undefined), CHART_W);
    const host = h('div', { class: 'offscreen-chart' });
    document.body.appendChild(host);
    const chart = echarts.init(host, null, { renderer: 'canvas', width: layout.width, height: layout.height });
    try {
      chart.setOption(chainOption({ idx, layout, info, byStage: report.byStage, present: report.present, total: report.total, title }));
      const url = chart.getDataURL({ type: 'png', pixelRatio: CHART_RATIO, backgroundColor: '#ffffff' });
      const bin = atob(url.slice(url.indexOf(',') + 1));
      const png = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) png[i] = bin.charCodeAt(i);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(new Blob([png], { type: 'image/png' }));
      return { png, image: { url: objectUrl, width: layout.width, height: layout.height } };
    } finally {
      chart.dispose();
      host.remove();
    }
  }

  async function load(): Promise<void> {
    const my = ++token;
    ctx.busy();
    replaceChildren(body, loading());
    const state = ctx.state();
    try {
      const scope = ctx.scope();
      const chainId = ctx.chainId();
      const verifiedOnly = !!state.verified;
      const minent = state.minent;
      const [idx, report, roadmap, goals, coverage, facts] = await Promise.all([
        ctx.store.chain(chainId),
        ctx.store.gap(chainId, scope, minent ? [{ minEnterprises: minent }] : undefined, verifiedOnly),
        ctx.store.roadmap(chainId, scope, state.steps ?? 12, TARGETS_PER_GAP),
        ctx.store.goals(),
        ctx.store.coverage(scope),
        ctx.store.briefFacts(chainId),
      ]);
      // The pipeline summary: only for a logged-in user (the API answers null otherwise).
      let leads: Map<string, LeadStage[]> | null = null;
      let kpis: { from: string; to: string; report: KpiReport } | null = null;
      if (session()) {
        const to = chinaToday();
        const from = `${to.slice(0, 4)}-01-01`;
        // The KPIs are an extra: a server that keeps no leads (or a session that just ended)
        // leaves them out of the brief rather than failing it.
        const [{ gapAnalysis }, kpiReport] = await Promise.all([
          gql(GapLeadsDocument, { chain: chainId, scope: scopeInput(scope) }),
          gql(PipelineKpIsDocument, { period: 'QUARTER', groupBy: 'NONE', from, to, filter: { chain: chainId } }).then(
            (r) => r.pipelineKPIs,
            (err: unknown) => {
              console.warn('brief: KPIs', err);
              return null;
            },
          ),
        ]);
        leads = new Map(gapAnalysis.segments.filter((g) => g.leads).map((g) => [g.segment.id, g.leads!.map((l) => l.stage)]));
        kpis = kpiReport ? { from, to, report: kpiReport } : null;
      }
      const top = topGaps(report.segments);
      const targets: { segment: string; list: InvestmentTarget[] }[] = await Promise.all(
        top.map(async (g) => ({ segment: g.segment.id, list: await ctx.store.targets(chainId, scope, g.segment.id, TARGETS_PER_GAP) })),
      );
      if (my !== token) return;
      const scopeName = scope.kind === 'park' ? nm(scope.park) : nm(scope.region);
      const segments = new Map(idx.chain.segments.map((s) => [s.id, s]));
      const brief = buildBrief({
        dataset: ctx.boot.dataset,
        chain: idx.chain,
        segments,
        scope: { id: scope.id, name: scopeName, kind: scope.kind },
        date: new Date().toISOString().slice(0, 10),
        report, verifiedOnly, minEnterprises: minent,
        targets, roadmap,
        leads,
        kpis,
        goals: goals.filter((g) => (g.region || g.park ? inScope(coverage, g, ctx.boot.parks) : true)),
        facts: {
          segments: new Map((facts.chain?.segments ?? []).map((s) => [s.id, s])),
          policies: new Map(facts.policies.map((p) => [p.id, p.confidence])),
          goals: new Map(facts.goals.map((g) => [g.id, g.confidence])),
        },
      });
      const info = new Map<string, BoxInfo>(report.segments.map((g) => [g.segment.id, boxInfo(g, verifiedOnly)]));
      let png: Uint8Array | null = null;
      let chart: ChartImage | null = null;
      try {
        const r = await chartPng(info, idx, `${scopeName} · ${nm(idx.chain)}`, report);
        png = r.png;
        chart = r.image;
      } catch (err) {
        console.warn('brief: chain map image', err);
      }
      if (my !== token) return;
      current = { brief, png, chart };
      replaceChildren(body, renderBrief(brief, chart));
      document.title = brief.title;
      const img = body.querySelector('img');
      if (img && !img.complete) await new Promise((res) => img.addEventListener('load', res, { once: true }));
      body.dataset.scope = scope.id;
      requestAnimationFrame(() => requestAnimationFrame(() => my === token && ctx.ready()));
    } catch (err) {
      if (my === token) replaceChildren(body, errorBox(err, () => void load()));
    }
  }

  return {
    el,
    async update() {
      renderToolbar();
      await load();
    },
    destroy() {
      token++;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    },
  };
}
