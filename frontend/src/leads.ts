// The 招商 pipeline's stages and moves as the page offers them. The rules mirror
// chainmap.CheckStageMove (lead.go, docs/pipeline.md "Stages") so that the stage menu lists
// only moves the server accepts; the server checks every move again.

import type { CloseReason, FollowUpKind, LeadStage } from './graphql/generated';

/** The active stages, in order: 线索 → … → 投产. */
export const ACTIVE_STAGES = [
  'CLUE', 'CONTACT', 'VISIT', 'NEGOTIATION', 'SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION',
] as const satisfies readonly LeadStage[];

/** Every stage, as the board's columns: the active ones, then 搁置 and 终止. */
export const LEAD_STAGES = [...ACTIVE_STAGES, 'ON_HOLD', 'TERMINATED'] as const satisfies readonly LeadStage[];
/** Compiles only while LEAD_STAGES lists every stage of the schema. */
export const LEAD_STAGES_COMPLETE: [Exclude<LeadStage, (typeof LEAD_STAGES)[number]>] extends [never] ? true : never = true;

/**
 * The Chinese names of the stages: `pipeline.byStage` keys its groups by them (线索, 接洽…),
 * as pipeline_report.go does.
 */
export const STAGE_ZH: Record<(typeof LEAD_STAGES)[number], string> = {
  CLUE: '线索', CONTACT: '接洽', VISIT: '考察', NEGOTIATION: '洽谈', SIGNED: '签约',
  REGISTERED: '注册', CONSTRUCTION: '开工', PRODUCTION: '投产', ON_HOLD: '搁置', TERMINATED: '终止',
};

/** A stage's group in `pipeline.byStage` (keyed by the Chinese name; the enum name is accepted too). */
export function stageGroup<G extends { key: string }>(groups: readonly G[], stage: LeadStage): G | undefined {
  return groups.find((g) => g.key === STAGE_ZH[stage] || g.key === stage);
}

export const CLOSE_REASONS = [
  'NO_INTEREST', 'OTHER_REGION', 'CONDITIONS', 'FUNDING', 'POLICY', 'DUPLICATE', 'TIMING', 'OTHER',
] as const satisfies readonly CloseReason[];
export const CLOSE_REASONS_COMPLETE: [Exclude<CloseReason, (typeof CLOSE_REASONS)[number]>] extends [never] ? true : never = true;

export const FOLLOW_UP_KINDS = ['CALL', 'VISIT', 'INSPECTION', 'MEETING', 'SIGNING', 'MESSAGE', 'OTHER'] as const satisfies readonly FollowUpKind[];
export const FOLLOW_UP_KINDS_COMPLETE: [Exclude<FollowUpKind, (typeof FOLLOW_UP_KINDS)[number]>] extends [never] ? true : never = true;

function rank(s: LeadStage | null | undefined): number {
  return s ? (ACTIVE_STAGES as readonly string[]).indexOf(s) : -1;
}

/** Whether a move needs a reason (搁置 and 终止). */
export function needsReason(to: LeadStage): boolean {
  return to === 'ON_HOLD' || to === 'TERMINATED';
}

/**
 * The stages a lead may move to from `from` (held from `heldFrom` when on hold): from an
 * active stage forward to any later one, back by one, or to 搁置 / 终止; from 搁置 back to
 * any active stage up to the one it was parked from, or to 终止; from 投产 and 终止 nowhere.
 */
export function allowedMoves(from: LeadStage, heldFrom?: LeadStage | null): LeadStage[] {
  if (from === 'TERMINATED' || from === 'PRODUCTION') return [];
  if (from === 'ON_HOLD') {
    const cap = rank(heldFrom);
    const active = ACTIVE_STAGES.filter((s) => cap < 0 || rank(s) <= cap);
    return [...active, 'TERMINATED'];
  }
  const r = rank(from);
  return LEAD_STAGES.filter((s) => {
    if (s === from) return false;
    if (s === 'ON_HOLD' || s === 'TERMINATED') return true;
    return rank(s) > r || rank(s) === r - 1;
  });
}

/** Today as YYYY-MM-DD in the user's time zone (the follow-up form's default date). */
export function today(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * Today in China time (UTC+8), YYYY-MM-DD: the KPIs' periods run from midnight to midnight
 * China time (docs/pipeline.md "KPIs"), so their default range ends on this day.
 */
export function chinaToday(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Leads by stage in stage order, e.g. "线索 2、签约 1" (stages without leads left out). */
export function stageSummary(stages: readonly LeadStage[], label: (s: LeadStage) => string, sep = '、'): string {
  return LEAD_STAGES.map((s) => [s, stages.filter((x) => x === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${label(s)} ${n}`)
    .join(sep);
}

/** The stages a move to which counts (签约 and later): moves up to them are approval requests. */
export const APPROVAL_STAGES = ['SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION'] as const satisfies readonly LeadStage[];

/**
 * Whether a move waits for approval, as chainmap.NeedsApproval (approval.go) decides: a move
 * to 签约 or later beyond the furthest stage the lead holds (its stage, or on hold the one
 * it was parked from). Corrections back, 搁置, 终止 and resuming up to where it was are direct.
 */
export function needsApproval(from: LeadStage, heldFrom: LeadStage | null | undefined, to: LeadStage): boolean {
  const held = from === 'ON_HOLD' ? rank(heldFrom) : rank(from);
  return rank(to) >= rank('SIGNED') && rank(to) > held;
}

/**
 * The API's formula for a KPI column: the formula whose name lists the key ("signed" is in
 * "signed / registered / started / producing", "performanceRate" in "履约率 performanceRate").
 */
export function formulaFor<F extends { name: string }>(formulas: readonly F[], key: string): F | undefined {
  return formulas.find((f) => f.name.split(/[\s/]+/).includes(key));
}
