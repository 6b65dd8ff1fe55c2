// Suggested placements (issue 14): an import's 挂链 not yet reviewed. The API counts an
// enterprise in a segment by suggested placements alone unless the analysis asks for
// verified placements only (gapAnalysis(verifiedOnly: true)); these helpers tell which of a
// panel's enterprises rest on suggestions, by the same rule, without recounting anything.

/** The verification a placement carries: only "suggested" is unreviewed; empty means verified. */
export const SUGGESTED = 'suggested';

export interface PlacementLike {
  segment: { id: string };
  role?: string | null;
  verification?: string | null;
}

/** Whether a placement is suggested (not yet verified). */
export function isSuggested(p: PlacementLike): boolean {
  return p.verification === SUGGESTED;
}

/**
 * Whether an enterprise is placed in a segment's subtree by suggested placements alone: it
 * has a placement there and none of them is verified. Such an enterprise is counted in
 * SegmentGap.suggested and left out under verifiedOnly.
 */
export function suggestedOnly(placements: readonly PlacementLike[], subtree: ReadonlySet<string>): boolean {
  const here = placements.filter((p) => subtree.has(p.segment.id));
  return here.length > 0 && here.every(isSuggested);
}

/** The evidence lines of an enterprise's placements in a subtree: "segment: evidence" with suggested ones marked. */
export function evidenceLines(
  placements: readonly (PlacementLike & { evidence?: string | null })[],
  subtree: ReadonlySet<string>,
  mark: string,
): string[] {
  return placements
    .filter((p) => subtree.has(p.segment.id))
    .map((p) => `${p.segment.id}${isSuggested(p) ? ` [${mark}]` : ''}: ${p.evidence?.trim() || '—'}`);
}

/** How many of a segment's counted enterprises are suggested, as the box and the panel say it. */
export function suggestedShare(g: { enterprises: number; suggested: number }, verifiedOnly: boolean): { counted: number; suggested: number; leftOut: number } {
  return verifiedOnly ? { counted: g.enterprises, suggested: 0, leftOut: g.suggested } : { counted: g.enterprises, suggested: g.suggested, leftOut: 0 };
}
