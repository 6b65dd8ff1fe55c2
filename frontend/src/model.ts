// Indexes over what the API returned, and the figures the views derive from them.
// Pure functions: unit-tested in model.test.ts.

import type { Chain, Enterprise, Flow, Park, Region, Segment, Stage } from './api';
import { STAGES } from './api';

// ---- Segments ------------------------------------------------------------------------

export class SegmentIndex {
  readonly byId = new Map<string, Segment>();
  readonly roots: Segment[] = [];
  readonly flows: Flow[];

  constructor(readonly chain: Chain) {
    for (const s of chain.segments) this.byId.set(s.id, s);
    for (const s of chain.segments) if (!s.parent || !this.byId.has(s.parent.id)) this.roots.push(s);
    this.roots.sort(bySegmentOrder);
    this.flows = chain.flows.filter((f) => this.byId.has(f.from.id) && this.byId.has(f.to.id));
  }

  get(id: string | undefined | null): Segment | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  children(id: string): Segment[] {
    const s = this.byId.get(id);
    if (!s) return [];
    return s.children
      .map((c) => this.byId.get(c.id))
      .filter((c): c is Segment => !!c)
      .sort(bySegmentOrder);
  }

  parent(id: string): Segment | undefined {
    const p = this.byId.get(id)?.parent;
    return p ? this.byId.get(p.id) : undefined;
  }

  /** The segment's ancestors, nearest first. */
  ancestors(id: string): Segment[] {
    const out: Segment[] = [];
    const seen = new Set<string>([id]);
    for (let p = this.parent(id); p && !seen.has(p.id); p = this.parent(p.id)) {
      out.push(p);
      seen.add(p.id);
    }
    return out;
  }

  depth(id: string): number {
    return this.ancestors(id).length;
  }

  /** The segment and all its descendants. */
  subtree(id: string): Set<string> {
    const out = new Set<string>();
    const walk = (sid: string) => {
      if (out.has(sid)) return;
      out.add(sid);
      for (const c of this.children(sid)) walk(c.id);
    };
    walk(id);
    return out;
  }

  isAncestor(a: string, b: string): boolean {
    return this.ancestors(b).some((s) => s.id === a);
  }

  rootsOfStage(stage: Stage): Segment[] {
    return this.roots.filter((s) => s.stage === stage);
  }

  /** Segments in display order (depth-first by stage, order), with their depth. */
  ordered(): { seg: Segment; depth: number }[] {
    const out: { seg: Segment; depth: number }[] = [];
    const walk = (s: Segment, d: number) => {
      out.push({ seg: s, depth: d });
      for (const c of this.children(s.id)) walk(c, d + 1);
    };
    for (const st of STAGES) for (const r of this.rootsOfStage(st)) walk(r, 0);
    return out;
  }
}

export function bySegmentOrder(a: Segment, b: Segment): number {
  return STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage) || a.order - b.order || a.id.localeCompare(b.id);
}

/** Short label for a box: the name without its parenthesised detail. */
export function shortName(name: string): string {
  const s = name.replace(/（[^）]*）/g, '').replace(/\s*\([^)]*\)/g, '').trim();
  return s || name;
}

// ---- Per-segment figures within a scope ----------------------------------------------

export interface SegmentStats {
  /** Enterprises operating in the segment or any sub-segment. */
  enterprises: Set<string>;
  /** Capacity in the segment's unit (see capacityOf), or null when none is known. */
  capacity: number | null;
  /** Enterprises whose capacity here is known. */
  capacityKnown: number;
}

/**
 * Figures per segment over a set of enterprises (those of the current scope).
 * An enterprise counts once per segment subtree. Its capacity in a segment is its own
 * operation there when that gives a figure in the segment's unit, else the sum of its
 * figures in the sub-segments: a parent figure is a total, children break it down, so
 * nothing is counted twice.
 */
export function segmentStats(idx: SegmentIndex, enterprises: Enterprise[]): Map<string, SegmentStats> {
  const stats = new Map<string, SegmentStats>();
  for (const s of idx.chain.segments) stats.set(s.id, { enterprises: new Set(), capacity: null, capacityKnown: 0 });
  for (const e of enterprises) {
    const ops = new Map<string, { capacity: number | null; unit: string | null }>();
    for (const op of e.operations) {
      if (!idx.byId.has(op.segment.id)) continue;
      ops.set(op.segment.id, { capacity: op.capacity, unit: op.capacityUnit });
      for (const a of [idx.byId.get(op.segment.id)!, ...idx.ancestors(op.segment.id)]) {
        stats.get(a.id)!.enterprises.add(e.id);
      }
    }
    if (!ops.size) continue;
    const memo = new Map<string, number | null>();
    const cap = (sid: string): number | null => {
      if (memo.has(sid)) return memo.get(sid)!;
      memo.set(sid, null); // cycle guard
      const seg = idx.byId.get(sid)!;
      const own = ops.get(sid);
      let v: number | null = null;
      if (own && own.capacity !== null && seg.unit && sameUnit(own.unit, seg.unit)) {
        v = own.capacity;
      } else {
        for (const c of idx.children(sid)) {
          if (!c.unit || !seg.unit || !sameUnit(c.unit, seg.unit)) continue;
          const cv = cap(c.id);
          if (cv !== null) v = (v ?? 0) + cv;
        }
      }
      memo.set(sid, v);
      return v;
    };
    for (const sid of stats.keys()) {
      if (!stats.get(sid)!.enterprises.has(e.id)) continue;
      const v = cap(sid);
      if (v !== null) {
        const st = stats.get(sid)!;
        st.capacity = (st.capacity ?? 0) + v;
        st.capacityKnown++;
      }
    }
  }
  return stats;
}

export function sameUnit(a: string | null | undefined, b: string | null | undefined): boolean {
  const n = (u: string | null | undefined) => (u ?? '').replace(/\s+/g, '').toLowerCase();
  return n(a) === n(b);
}

/** The stage an enterprise is drawn with: that of its first operation in the chain, else any. */
export function primaryStage(e: Enterprise, chainId?: string): Stage | null {
  const inChain = e.operations.filter((o) => !chainId || o.segment.chain?.id === chainId);
  const ops = inChain.length ? inChain : e.operations;
  if (!ops.length) return null;
  // Prefer the operation with the largest known capacity, then the earliest stage.
  const sorted = [...ops].sort(
    (a, b) => (b.capacity ?? -1) - (a.capacity ?? -1) || STAGES.indexOf(a.segment.stage) - STAGES.indexOf(b.segment.stage),
  );
  return sorted[0].segment.stage;
}

// ---- Regions -------------------------------------------------------------------------

export class RegionIndex {
  readonly byId = new Map<string, Region>();
  readonly childrenOf = new Map<string, Region[]>();

  constructor(regions: Region[]) {
    for (const r of regions) this.byId.set(r.id, r);
    for (const r of regions) {
      if (!r.parent) continue;
      const list = this.childrenOf.get(r.parent.id) ?? [];
      list.push(r);
      this.childrenOf.set(r.parent.id, list);
    }
  }

  get(id: string | undefined | null): Region | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  children(id: string): Region[] {
    return this.childrenOf.get(id) ?? [];
  }

  /** Whether region id is ancestor or the region itself. */
  within(id: string, ancestor: string): boolean {
    const seen = new Set<string>();
    for (let r = this.byId.get(id); r && !seen.has(r.id); r = r.parent ? this.byId.get(r.parent.id) : undefined) {
      if (r.id === ancestor) return true;
      seen.add(r.id);
    }
    return id === ancestor;
  }

  /** The region and its ancestors, nearest first. */
  chain(id: string): Region[] {
    const out: Region[] = [];
    const seen = new Set<string>();
    for (let r = this.byId.get(id); r && !seen.has(r.id); r = r.parent ? this.byId.get(r.parent.id) : undefined) {
      out.push(r);
      seen.add(r.id);
    }
    return out;
  }

  /** The nearest region up the tree with a point, and how far up it is. */
  point(id: string): { lon: number; lat: number; region: Region } | null {
    for (const r of this.chain(id)) {
      if (r.lon !== null && r.lat !== null) return { lon: r.lon, lat: r.lat, region: r };
    }
    return null;
  }

  province(id: string): Region | undefined {
    return this.chain(id).find((r) => r.level === 'PROVINCE');
  }
}

// ---- Parks ---------------------------------------------------------------------------

export class ParkIndex {
  readonly byId = new Map<string, Park>();
  constructor(readonly parks: Park[]) {
    for (const p of parks) this.byId.set(p.id, p);
  }
  get(id: string | undefined | null): Park | undefined {
    return id ? this.byId.get(id) : undefined;
  }
  /** The park and the parks nested in it. */
  subtree(id: string): Set<string> {
    const out = new Set<string>([id]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of this.parks) {
        if (p.parent && out.has(p.parent.id) && !out.has(p.id)) {
          out.add(p.id);
          grew = true;
        }
      }
    }
    return out;
  }
  /** A point for the park: its own, else the mean of its regions' points. */
  point(id: string, regions: RegionIndex): { lon: number; lat: number } | null {
    const p = this.byId.get(id);
    if (!p) return null;
    if (p.lon !== null && p.lat !== null) return { lon: p.lon, lat: p.lat };
    const pts = p.regions.map((r) => regions.point(r.id)).filter((x): x is NonNullable<typeof x> => !!x);
    if (!pts.length) return null;
    return {
      lon: pts.reduce((s, q) => s + q.lon, 0) / pts.length,
      lat: pts.reduce((s, q) => s + q.lat, 0) / pts.length,
    };
  }
}

// ---- Positions -----------------------------------------------------------------------

/** FNV-1a 32-bit hash of a string. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic offset for an enterprise drawn at its region's point, so that firms
 * of one county do not sit on top of each other: uniform in a disc of radius r degrees,
 * the same for the same id on every load.
 */
export function jitter(id: string, r: number): [number, number] {
  const a = (hash32(id) / 0x100000000) * Math.PI * 2;
  const d = Math.sqrt(hash32(id + '#r') / 0x100000000) * r;
  return [Math.cos(a) * d, Math.sin(a) * d * 0.82];
}

const JITTER_BY_LEVEL: Record<string, number> = {
  COUNTRY: 0,
  PROVINCE: 0.9,
  PREFECTURE: 0.12,
  COUNTY: 0.05,
  ZONE: 0.04,
  TOWN: 0.01,
};

export interface Placed {
  lon: number;
  lat: number;
  approx: boolean;
}

/** Where to draw an enterprise: its own point, else near its region's (or an ancestor's). */
export function placeEnterprise(
  e: Pick<Enterprise, 'id' | 'lon' | 'lat'> & { region: { id: string } },
  regions: RegionIndex,
  fallback?: (regionId: string) => { lon: number; lat: number } | null,
): Placed | null {
  if (e.lon !== null && e.lat !== null) return { lon: e.lon, lat: e.lat, approx: false };
  const pt = regions.point(e.region.id);
  let base: { lon: number; lat: number; level: string } | null = pt
    ? { lon: pt.lon, lat: pt.lat, level: pt.region.level }
    : null;
  if (!base && fallback) {
    const f = fallback(e.region.id);
    if (f) base = { ...f, level: 'PROVINCE' };
  }
  if (!base) return null;
  const [dx, dy] = jitter(e.id, JITTER_BY_LEVEL[base.level] ?? 0.05);
  return { lon: base.lon + dx, lat: base.lat + dy, approx: true };
}
