// The 招商 brief (issue 17) as a document model: a cover, then headings, paragraphs,
// figures, tables, numbered lists and the chain-map figure, then the appendix of sources.
// One model, two renderers: the page (and so the PDF, through the print stylesheet) and
// the DOCX (brief/docx.ts). Every figure here comes from the API's answers (gapAnalysis,
// investmentTargets, roadmap, policies, goals); the brief arranges and cites them and
// decides none of them. Pure apart from the interface language (i18n's t / nm).

import { lang, nm, num, t, title as policyTitle, type MessageKey } from '../i18n';
import type { Dataset, GapReport, Goal, InvestmentTarget, Policy, Roadmap, SegmentGap, Stage } from '../api';
import { STAGES } from '../api';
import type { BriefFactsQuery, LeadStage } from '../graphql/generated';
import { LEAD_STAGES } from '../leads';
import { kpiTableText, type KpiReport } from '../kpi';
import { isGap, kindLabel, rankedGaps, reasonOf, STATUS_STYLES } from '../status';
import { capText, hostName, onTrackText } from '../ui/gap';
import { instrumentLabel } from '../ui/widgets';
import { SourceRegistry, type CitationLike, type SourceEntry } from './sources';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string; id?: string }
  | { kind: 'para'; text: string; style?: 'lead' | 'muted' | 'caveat' }
  | { kind: 'figures'; items: { label: string; value: string }[] }
  | { kind: 'table'; id: string; header: string[]; rows: string[][]; numeric?: number[]; caption?: string }
  | { kind: 'list'; ordered: boolean; items: string[]; id?: string }
  | { kind: 'chart'; caption: string };

export interface Brief {
  title: string;
  /** Cover lines: scope, chain, dataset and version, date, basis. */
  cover: { label: string; value: string }[];
  blocks: Block[];
  sources: SourceEntry[];
  /** File name stem (scope id, chain id, date). */
  fileStem: string;
}

type Facts = NonNullable<BriefFactsQuery['chain']>['segments'][number];

export interface BriefInput {
  dataset: Dataset;
  chain: { id: string; nameZh: string; nameEn?: string | null };
  /** Segment names and stages, by id. */
  segments: Map<string, { nameZh: string; nameEn?: string | null; stage: Stage }>;
  scope: { id: string; name: string; kind: 'region' | 'park' };
  /** Date the brief is made (YYYY-MM-DD). */
  date: string;
  report: GapReport;
  verifiedOnly: boolean;
  minEnterprises?: number;
  /** The recommended targets of the top gaps, in the gaps' order. */
  targets: { segment: string; list: InvestmentTarget[] }[];
  roadmap: Roadmap;
  /** Goals in the scope. */
  goals: Goal[];
  facts: { segments: Map<string, Facts>; policies: Map<string, string>; goals: Map<string, string> };
  /** The pipeline's leads on each segment, by stage (only when logged in; absent otherwise). */
  leads?: Map<string, readonly LeadStage[]> | null;
  /** This year's KPIs (pipelineKPIs by quarter, from the first of the year to today; only when logged in). */
  kpis?: { from: string; to: string; report: KpiReport } | null;
}

/**
 * The pipeline summary: for each gap (in the gap table's order) with at least one lead,
 * the number of its leads in each stage and in all.
 */
export function pipelineRows(gaps: readonly { segment: { id: string } }[], leads: Map<string, readonly LeadStage[]>): { segment: string; counts: number[]; total: number }[] {
  const out: { segment: string; counts: number[]; total: number }[] = [];
  for (const g of gaps) {
    const list = leads.get(g.segment.id) ?? [];
    if (!list.length) continue;
    out.push({ segment: g.segment.id, counts: LEAD_STAGES.map((s) => list.filter((x) => x === s).length), total: list.length });
  }
  return out;
}

/** How many gaps get their recommended targets in the brief, and how many targets each. */
export const TOP_GAPS = 5;
export const TARGETS_PER_GAP = 3;

const pct = (p: number, n: number) => (n ? Math.round((100 * p) / n) : 0);

/** Segments by status (every segment of the chain). */
export function statusCounts(segments: readonly Pick<SegmentGap, 'status'>[]): Record<'STRONG' | 'WEAK' | 'MISSING', number> {
  const c = { STRONG: 0, WEAK: 0, MISSING: 0 };
  for (const g of segments) if (g.status in c) c[g.status as keyof typeof c]++;
  return c;
}

/** The gaps the brief names targets for: missing and weak links, highest score first (rankedGaps). */
export function topGaps<T extends Pick<SegmentGap, 'status' | 'score'>>(segments: T[], n = TOP_GAPS): T[] {
  return rankedGaps(segments.filter(isGap)).slice(0, n);
}

/** Segments whose count rests on suggested placements, and how many such enterprises in all. */
export function suggestedSummary(segments: readonly Pick<SegmentGap, 'suggested' | 'segment'>[]): { segments: string[]; enterprises: number } {
  const list = segments.filter((g) => g.suggested > 0);
  return { segments: list.map((g) => g.segment.id), enterprises: list.reduce((a, g) => a + g.suggested, 0) };
}

/** Ids whose confidence is ILLUSTRATIVE or UNVERIFIED, by kind. */
export function weakFacts(conf: Map<string, string>, ids: Iterable<string>): { illustrative: string[]; unverified: string[] } {
  const out = { illustrative: [] as string[], unverified: [] as string[] };
  for (const id of ids) {
    const c = conf.get(id);
    if (c === 'ILLUSTRATIVE') out.illustrative.push(id);
    else if (c === 'UNVERIFIED') out.unverified.push(id);
  }
  return out;
}

/** The policies that apply to any segment of the analysis, once each, in order of first mention. */
export function applicablePolicies(segments: readonly { policies: Policy[] }[]): Policy[] {
  const seen = new Map<string, Policy>();
  for (const g of segments) for (const p of g.policies) if (!seen.has(p.id)) seen.set(p.id, p);
  return [...seen.values()];
}

export function buildBrief(inp: BriefInput): Brief {
  const reg = new SourceRegistry();
  const ds = inp.dataset;
  const dsTitle = (lang() === 'en' ? ds.titleEn || ds.titleZh : ds.titleZh || ds.titleEn) || ds.id;
  const dsRef = `[${reg.add(`dataset:${ds.id}`, `${dsTitle}${ds.version ? ` ${ds.version}` : ''}`, { licence: ds.licence ?? '', publisher: 'chainmap' })}]`;
  const segName = (id: string) => nm(inp.segments.get(id)) || id;
  const cite = (list: readonly CitationLike[]) => reg.citeAll(list);
  const chainName = nm(inp.chain);
  const r = inp.report;
  const blocks: Block[] = [];
  const H = (level: 1 | 2 | 3, text: string, id?: string) => blocks.push({ kind: 'heading', level, text, id });
  const P = (text: string, style?: 'lead' | 'muted' | 'caveat') => blocks.push({ kind: 'para', text, style });

  // 1. Headline figures.
  const counts = statusCounts(r.segments);
  const sugg = suggestedSummary(r.segments);
  H(1, t('brief.h.headline'), 'brief-headline');
  blocks.push({
    kind: 'figures',
    items: [
      { label: t('brief.completeness'), value: `${pct(r.present, r.total)}% (${r.present}/${r.total})` },
      { label: t(STATUS_STYLES.STRONG.labelKey), value: String(counts.STRONG) },
      { label: t(STATUS_STYLES.WEAK.labelKey), value: String(counts.WEAK) },
      { label: t(STATUS_STYLES.MISSING.labelKey), value: String(counts.MISSING) },
    ],
  });
  P(t('brief.headlineLine', { p: r.present, n: r.total, pct: pct(r.present, r.total), strong: counts.STRONG, weak: counts.WEAK, missing: counts.MISSING }) + ` ${dsRef}`, 'lead');
  blocks.push({
    kind: 'table', id: 'brief-stages',
    header: [t('stage'), t('brief.present'), t('brief.segments'), t('brief.completeness')],
    rows: STAGES.map((s) => r.byStage.find((b) => b.stage === s)).filter((b) => !!b && b.total > 0)
      .map((b) => [t(`stage.${b!.stage}`), String(b!.present), String(b!.total), `${pct(b!.present, b!.total)}%`]),
    numeric: [1, 2, 3],
    caption: `${t('brief.stagesCaption')} ${dsRef}`,
  });
  if (sugg.enterprises > 0) {
    P(t(inp.verifiedOnly ? 'brief.suggestedLeftOut' : 'brief.suggestedCounted', { n: sugg.enterprises, k: sugg.segments.length }), 'caveat');
  }

  // 2. The chain map.
  H(1, t('brief.h.map'), 'brief-map');
  blocks.push({ kind: 'chart', caption: `${t('brief.mapCaption', { scope: inp.scope.name, chain: chainName })} ${dsRef}` });

  // 3. The gap table.
  const gaps = rankedGaps(r.segments.filter(isGap));
  H(1, t('brief.h.gaps'), 'brief-gaps');
  P(t('brief.gapsLine', { n: gaps.length }), 'muted');
  blocks.push({
    kind: 'table', id: 'brief-gap-table',
    header: ['#', t('segment'), t('segmentId'), t('stage'), t('status'), t('gapKind'), t('enterprises'), t('score'), t('reason'), t('sources')],
    rows: gaps.map((g, i) => {
      const id = g.segment.id;
      const seg = inp.segments.get(id);
      const n = g.suggested > 0 && !inp.verifiedOnly ? `${g.enterprises} (${t('suggestedBox', { n: g.suggested })})` : String(g.enterprises);
      return [String(i + 1), segName(id), id, seg ? t(`stage.${seg.stage}`) : '', t(STATUS_STYLES[g.status].labelKey), kindLabel(g.kind, g.kindZh), n,
        num(g.score, 1), reasonOf(g), `${cite(inp.facts.segments.get(id)?.sources ?? [])}${dsRef}`];
    }),
    numeric: [0, 6, 7],
  });

  // 4. Recommended targets of the top gaps.
  H(1, t('brief.h.targets'), 'brief-targets');
  P(t('brief.targetsLine', { n: inp.targets.length, m: TARGETS_PER_GAP }), 'muted');
  for (const { segment, list } of inp.targets) {
    const g = r.segments.find((x) => x.segment.id === segment);
    H(2, `${segName(segment)}（${g ? `${kindLabel(g.kind, g.kindZh)} · ${t('score')} ${num(g.score, 1)}` : segment}）`);
    if (!list.length) {
      P(t('noTargets'), 'muted');
      continue;
    }
    blocks.push({
      kind: 'table', id: `brief-targets-${segment}`,
      header: ['#', t('enterprise'), t('region'), t('score'), t('brief.hostPark'), t('reason')],
      rows: list.map((x, i) => [String(i + 1), nm(x.enterprise), nm(x.enterprise.region), num(x.score, 1),
        x.host ? `${hostName(x.host)} — ${lang() === 'en' ? x.host.reasonEn : x.host.reasonZh}` : '', lang() === 'en' ? x.reasonEn : x.reasonZh]),
      numeric: [0, 3],
      caption: dsRef,
    });
  }

  // 5. The phased roadmap.
  H(1, t('brief.h.roadmap'), 'brief-roadmap');
  const phases = [...new Set(inp.roadmap.steps.map((s) => s.phase))].sort((a, b) => a - b);
  if (!phases.length) P(t('none'), 'muted');
  for (const ph of phases) {
    H(2, t('phaseN', { n: ph }));
    blocks.push({
      kind: 'list', ordered: true, id: `brief-phase-${ph}`,
      items: inp.roadmap.steps.filter((s) => s.phase === ph).map((s) => {
        const bits = [`${segName(s.gap.segment.id)}（${kindLabel(s.gap.kind, s.gap.kindZh)}）`];
        if (s.targets.length) bits.push(`${t('brief.targetsShort')}${t('colon')}${s.targets.map((x) => nm(x.enterprise)).join('、')}`);
        if (s.host) bits.push(`${t('brief.hostPark')}${t('colon')}${hostName(s.host)}`);
        if (s.policies.length) bits.push(`${t('policies')}${t('colon')}${s.policies.map((p) => `${policyTitle(p)}${cite(p.sources)}`).join('、')}`);
        if (s.after.length) bits.push(`${t('dependsOn')}${t('colon')}${s.after.map((a) => segName(a.id)).join('、')}`);
        return bits.join('；');
      }),
    });
  }

  // 6. Policies that apply (rate and cap).
  const policies = applicablePolicies(r.segments);
  H(1, t('brief.h.policies'), 'brief-policies');
  if (!policies.length) P(t('noneInScope'), 'muted');
  else blocks.push({
    kind: 'table', id: 'brief-policies',
    header: [t('brief.policy'), t('brief.instrument'), `${t('rate')} (%)`, t('cap'), t('brief.condition'), t('sources')],
    rows: policies.map((p) => [policyTitle(p), instrumentLabel(p.instrument), p.rate !== null ? `${num(p.rate)}${p.base ? ` × ${p.base}` : ''}` : '',
      capText(p), p.condition ?? '', `${p.clause ? `${p.clause} ` : ''}${cite(p.sources)}`]),
  });

  // 7. Goal progress.
  H(1, t('brief.h.goals'), 'brief-goals');
  if (!inp.goals.length) P(t('noneInScope'), 'muted');
  else blocks.push({
    kind: 'table', id: 'brief-goals',
    header: [t('goals'), t('baseline'), t('target'), t('current'), t('onTrack'), t('sources')],
    rows: inp.goals.map((g) => [
      nm(g),
      g.baselineValue !== null ? `${g.baselineYear ? `${g.baselineYear}${t('colon')}` : ''}${num(g.baselineValue)} ${g.unit ?? ''}`.trim() : '',
      `${g.targetYear}${t('colon')}${goalTarget(g)} ${g.unit ?? ''}`.trim(),
      g.current !== null ? `${g.currentValueYear ? `${g.currentValueYear}${t('colon')}` : ''}${num(g.current)}${g.currentDerived ? ` ${t('derived')}` : ''}` : '',
      onTrackText(g.onTrack),
      `${cite(g.sources)}${g.currentDerived ? dsRef : ''}`,
    ]),
  });

  // 7 (cont.). The pipeline's leads on the gaps: only in a brief made while logged in.
  if (inp.leads) {
    const rows = pipelineRows(gaps, inp.leads);
    H(2, t('brief.h.leads'), 'brief-leads');
    if (!rows.length) P(t('brief.leadsNone'), 'muted');
    else blocks.push({
      kind: 'table', id: 'brief-leads-table',
      header: [t('segment'), ...LEAD_STAGES.map((s) => t(`leadStage.${s}` as MessageKey)), t('brief.leadsTotal')],
      rows: rows.map((x) => [segName(x.segment), ...x.counts.map(String), String(x.total)]),
      numeric: LEAD_STAGES.map((_, i) => i + 1).concat([LEAD_STAGES.length + 1]),
      caption: t('brief.leadsCaption'),
    });
  }

  // 7 (cont.). This year's KPIs: the 招商线索 page's table (kpiTableText), only while logged in.
  if (inp.kpis) {
    const k = kpiTableText(inp.kpis.report);
    H(2, t('brief.h.kpis'), 'brief-kpis');
    blocks.push({
      kind: 'table', id: 'brief-kpis-table', header: k.header, rows: k.rows,
      numeric: k.header.map((_, i) => i).slice(1),
      caption: t('brief.kpisCaption', {
        from: inp.kpis.from, to: inp.kpis.to,
        formulas: inp.kpis.report.formulas.map((f) => `${f.name}：${f.formula}`).join('；'),
      }),
    });
  }

  // 8. Caveats.
  H(1, t('brief.h.caveats'), 'brief-caveats');
  const caveats: string[] = [];
  if (ds.synthetic) caveats.push(t('brief.caveatSynthetic'));
  if (sugg.enterprises > 0) {
    caveats.push(t(inp.verifiedOnly ? 'brief.suggestedLeftOut' : 'brief.suggestedCounted', { n: sugg.enterprises, k: sugg.segments.length }) +
      `${t('colon')}${sugg.segments.map(segName).join('、')}`);
  }
  if (inp.roadmap.dataGaps.length) caveats.push(t('brief.caveatDataGaps', { list: inp.roadmap.dataGaps.map((g) => segName(g.segment.id)).join('、') }));
  const segWeak = weakFacts(new Map([...inp.facts.segments].map(([k, v]) => [k, v.confidence])), r.segments.map((g) => g.segment.id));
  const polWeak = weakFacts(inp.facts.policies, policies.map((p) => p.id));
  const goalWeak = weakFacts(inp.facts.goals, inp.goals.map((g) => g.id));
  const polName = (id: string) => policyTitle(policies.find((p) => p.id === id)!);
  const goalName = (id: string) => nm(inp.goals.find((g) => g.id === id));
  for (const [kind, w] of [['illustrative', 'ILLUSTRATIVE'], ['unverified', 'UNVERIFIED']] as const) {
    const names = [...segWeak[kind].map(segName), ...polWeak[kind].map(polName), ...goalWeak[kind].map(goalName)];
    if (names.length) caveats.push(t(kind === 'illustrative' ? 'brief.caveatIllustrative' : 'brief.caveatUnverified', { list: names.join('、'), w }));
  }
  caveats.push(inp.minEnterprises ? t('brief.caveatThresholdsOverride', { n: inp.minEnterprises }) : t('brief.caveatThresholds'));
  caveats.push(t('brief.caveatTargets'));
  blocks.push({ kind: 'list', ordered: true, items: caveats, id: 'brief-caveat-list' });

  const cover = [
    { label: t('scope'), value: inp.scope.name },
    { label: t('chain'), value: chainName },
    { label: t('brief.dataset'), value: `${dsTitle}${ds.version ? `，${t('brief.version')} ${ds.version}` : ''}` },
    { label: t('brief.date'), value: inp.date },
    { label: t('brief.basis'), value: `${t(inp.verifiedOnly ? 'brief.basisVerified' : 'brief.basisAll')}${inp.minEnterprises ? `；${t('thresholdLabel')} ${inp.minEnterprises}` : ''}` },
  ];
  return {
    title: t('brief.title', { chain: chainName, scope: inp.scope.name }),
    cover,
    blocks,
    sources: reg.entries(),
    fileStem: `brief-${inp.scope.id}-${inp.chain.id}-${inp.date}${inp.verifiedOnly ? '-verified' : ''}`.replace(/[^\p{L}\p{N}._-]/gu, '_'),
  };
}

const COMPARATORS: Record<string, string> = { ge: '≥', gt: '>', le: '≤', lt: '<', eq: '=', approx: '≈' };

function goalTarget(g: Goal): string {
  if (g.comparator === 'between') return `${num(g.targetValue)}–${num(g.targetMax)}`;
  return `${COMPARATORS[g.comparator] ?? g.comparator} ${num(g.targetValue)}`;
}

/** An appendix entry in one line (the page and the DOCX print the same). */
export function sourceLine(e: SourceEntry): string {
  const bits = [e.title];
  if (e.publisher) bits.push(e.publisher);
  if (e.date) bits.push(e.date);
  if (e.locators.length) bits.push(`${t('brief.cited')}${t('colon')}${e.locators.join('；')}`);
  if (e.url) bits.push(e.url);
  if (e.licence) bits.push(`${t('brief.licence')}${t('colon')}${e.licence}`);
  return bits.join(' · ');
}

/** Display width of text: CJK and full-width characters count double. */
export function textUnits(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return w;
}

/**
 * Column widths of a table as shares of the text width (summing to 1): each column's
 * typical cell (mean display width, header included), bounded so that a long reason
 * column gets room without starving the short ones.
 */
export function columnShares(header: string[], rows: string[][]): number[] {
  const n = header.length;
  const w = header.map((hd, i) => {
    const cells = rows.slice(0, 200).map((r) => textUnits(r[i] ?? ''));
    const mean = cells.length ? cells.reduce((a, b) => a + b, 0) / cells.length : 0;
    return Math.min(60, Math.max(4, textUnits(hd) * 0.8, mean));
  });
  const sum = w.reduce((a, b) => a + b, 0) || n;
  return w.map((x) => x / sum);
}
