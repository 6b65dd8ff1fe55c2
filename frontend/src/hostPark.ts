// Which Zhengzhou park a target enterprise would go to: the ONE place the front end
// decides it. Phase 1: the park whose focus segments include one of the enterprise's
// segments (the most specific match wins, then the dataset's order of focus parks).
// Phase 2: the gap-analysis API's recommended host park and reason replace this.

import type { Enterprise, Park } from './api';
import type { SegmentIndex } from './model';

export interface HostMatch {
  park: Park;
  /** The enterprise's segment and the park's focus segment it matched. */
  segment: string;
  focus: string;
  provisional: boolean;
}

export function matchHostPark(e: Enterprise, parks: Park[], idx: SegmentIndex): HostMatch | null {
  let best: { m: HostMatch; depth: number; rank: number } | null = null;
  parks.forEach((park, rank) => {
    for (const op of e.operations) {
      const sid = op.segment.id;
      if (!idx.byId.has(sid)) continue;
      for (const f of park.focusSegments) {
        if (f.id !== sid && !idx.isAncestor(f.id, sid)) continue;
        const depth = idx.depth(f.id);
        if (!best || depth > best.depth || (depth === best.depth && rank < best.rank)) {
          best = { m: { park, segment: sid, focus: f.id, provisional: true }, depth, rank };
        }
      }
    }
  });
  return best ? (best as { m: HostMatch }).m : null;
}
