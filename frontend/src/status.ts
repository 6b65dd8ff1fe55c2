// Segment status: the ONE place the front end decides whether a chain link is missing,
// weak or strong in a scope.
//
// Phase 1 (now): a provisional rule computed here from the scope's enterprise counts —
// no enterprise in the segment subtree = MISSING, otherwise PRESENT.
// Phase 2: the backend's gap-analysis API returns MISSING / WEAK / STRONG per segment
// with a reason; replace the body of `loadSegmentStatuses` with a call to it (same
// signature: it is already async and gets the chain and scope) and set STATUSES_IN_USE
// to the API's values. Views and legends only read from here.

import type { SegmentStats } from './model';
import type { MessageKey } from './i18n';

export type Status = 'MISSING' | 'WEAK' | 'STRONG' | 'PRESENT';

export interface SegmentStatus {
  status: Status;
  /** True while the status comes from the client-side rule, not the API. */
  provisional: boolean;
  /** Why, as an interface key plus parameters (the API will send its own text). */
  reasonKey: MessageKey;
  reasonParams?: Record<string, string | number>;
  /** The API's reason text, when it sends one. */
  reasonText?: string;
}

/** Statuses the current source can produce (the legend shows these). */
export const STATUSES_IN_USE: Status[] = ['MISSING', 'PRESENT'];

export interface StatusInput {
  chainId: string;
  /** Region adcode or park id. */
  scopeId: string;
  /** The scope's figures per segment (enterprise counts, capacity). */
  stats: Map<string, SegmentStats>;
}

/** Status of every segment of the chain in the scope. */
export async function loadSegmentStatuses(input: StatusInput): Promise<Map<string, SegmentStatus>> {
  return segmentStatuses(input.stats);
}

/** Provisional status of every segment from the scope's figures. */
export function segmentStatuses(stats: Map<string, SegmentStats>): Map<string, SegmentStatus> {
  const out = new Map<string, SegmentStatus>();
  for (const [id, s] of stats) {
    const n = s.enterprises.size;
    out.set(
      id,
      n === 0
        ? { status: 'MISSING', provisional: true, reasonKey: 'statusReason.MISSING.provisional' }
        : { status: 'PRESENT', provisional: true, reasonKey: 'statusReason.PRESENT.provisional', reasonParams: { n } },
    );
  }
  return out;
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
  STRONG: { fill: '#d5efe6', border: '#009e73', borderType: 'solid', borderWidth: 2.5, badge: '★', labelKey: 'status.STRONG', cls: 'st-strong' },
  PRESENT: { fill: '#dcebf7', border: '#0072b2', borderType: 'solid', borderWidth: 1.5, badge: '√', labelKey: 'status.PRESENT', cls: 'st-present' },
};
