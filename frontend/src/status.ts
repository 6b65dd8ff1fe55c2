// Segment status: whether a chain link is missing, weak or strong in a scope, and the kind
// of gap (补链 / 延链 / 建链 / 强链). The backend's gap analysis decides both
// (`gapAnalysis`, rules in docs/gap-analysis.md); the front end only shows them. This
// module says how each status and kind looks, so views and legends read from one place.

import type { GapKind, GapStatus, SegmentGap } from './api';
import { lang, t, type MessageKey } from './i18n';

export type Status = GapStatus;

/** Statuses the API produces (the legend shows these, in this order). */
export const STATUSES_IN_USE: Status[] = ['MISSING', 'WEAK', 'STRONG'];
export const GAP_KINDS: GapKind[] = ['FILL', 'EXTEND', 'BUILD', 'STRENGTHEN'];

/** A gap needs closing: missing or weak. */
export function isGap(g: { status: Status }): boolean {
  return g.status !== 'STRONG';
}

/** The kind in the current language (the API's own Chinese term in Chinese). */
export function kindLabel(kind: GapKind, kindZh?: string): string {
  if (kind === 'NONE') return '—';
  if (lang() === 'zh' && kindZh) return kindZh;
  return t(`kind.${kind}` as MessageKey);
}

/** The API's one-sentence reason in the current language. */
export function reasonOf(g: { reasonZh: string; reasonEn: string }): string {
  return lang() === 'en' ? g.reasonEn || g.reasonZh : g.reasonZh || g.reasonEn;
}

/** Gaps (missing or weak), highest score first, then in chain order. */
export function rankedGaps<T extends Pick<SegmentGap, 'status' | 'score'>>(segments: T[]): T[] {
  return segments
    .map((g, i) => ({ g, i }))
    .filter((x) => isGap(x.g))
    .sort((a, b) => b.g.score - a.g.score || a.i - b.i)
    .map((x) => x.g);
}

/** The default gap to look at: the top-scoring missing one, else the top-scoring gap. */
export function defaultGap<T extends Pick<SegmentGap, 'status' | 'score'>>(segments: T[]): T | undefined {
  const ranked = rankedGaps(segments);
  return ranked.find((g) => g.status === 'MISSING') ?? ranked[0];
}

// ---- How each status looks: colour plus a second cue (border pattern and badge) ----------
// Okabe–Ito colours (safe for the common colour-vision deficiencies); fills are light tints
// so the dark text stays legible on a projector.

export interface StatusStyle {
  fill: string;
  border: string;
  borderType: 'solid' | 'dashed' | 'dotted';
  borderWidth: number;
  /** Badge text drawn in the box (glyphs present in CJK fonts). */
  badge: string;
  labelKey: MessageKey;
  /** CSS class of the HTML legend swatch. */
  cls: string;
}

export const STATUS_STYLES: Record<Status, StatusStyle> = {
  MISSING: { fill: '#fbe3d6', border: '#d55e00', borderType: 'dashed', borderWidth: 2, badge: '×', labelKey: 'status.MISSING', cls: 'st-missing' },
  WEAK: { fill: '#fdf1d3', border: '#b07800', borderType: 'dotted', borderWidth: 2.5, badge: '!', labelKey: 'status.WEAK', cls: 'st-weak' },
  STRONG: { fill: '#d5efe6', border: '#009e73', borderType: 'solid', borderWidth: 2, badge: '√', labelKey: 'status.STRONG', cls: 'st-strong' },
};

/** Explanation of each gap kind (legend). */
export function kindHint(kind: GapKind): string {
  return t(`kindHint.${kind}` as MessageKey);
}
