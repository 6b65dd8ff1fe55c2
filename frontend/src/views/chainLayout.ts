// Pixel layout of the chain map: one column per stage (上游 → 中游 → 下游 → 终端 → 服务),
// a box per segment, children nested (indented) under their parent when it is expanded.
// Pure: unit-tested in chainLayout.test.ts.

import { STAGES, type Stage } from '../api';
import type { SegmentIndex } from '../model';

export interface Box {
  id: string;
  stage: Stage;
  depth: number;
  x: number;
  y: number;
  w: number;
  h: number;
  hasChildren: boolean;
  expanded: boolean;
}

export interface Column {
  stage: Stage;
  x: number;
  w: number;
}

export interface ChainLayout {
  width: number;
  height: number;
  columns: Column[];
  boxes: Box[];
  byId: Map<string, Box>;
  /** The visible box a segment is drawn in (itself, or its nearest visible ancestor). */
  visibleOf: (id: string) => string | undefined;
}

export const LAYOUT = {
  padX: 12,
  colGap: 32,
  minColW: 146,
  titleH: 34,
  headerH: 58,
  boxH: [54, 44, 38],
  indent: 14,
  gapSibling: 6,
  gapGroup: 14,
  padBottom: 16,
};

export function layoutChain(idx: SegmentIndex, isExpanded: (id: string) => boolean, width: number): ChainLayout {
  const L = LAYOUT;
  const colW = Math.max(L.minColW, Math.floor((width - 2 * L.padX - (STAGES.length - 1) * L.colGap) / STAGES.length));
  const totalW = Math.max(width, 2 * L.padX + STAGES.length * colW + (STAGES.length - 1) * L.colGap);
  const columns: Column[] = STAGES.map((stage, i) => ({ stage, x: L.padX + i * (colW + L.colGap), w: colW }));
  const boxes: Box[] = [];
  const byId = new Map<string, Box>();
  let maxY = 0;
  const top = L.titleH + L.headerH;

  for (const col of columns) {
    let y = top;
    const roots = idx.rootsOfStage(col.stage);
    roots.forEach((root, ri) => {
      if (ri > 0) y += L.gapGroup - L.gapSibling;
      const place = (id: string, depth: number) => {
        const kids = idx.children(id);
        const expanded = kids.length > 0 && isExpanded(id);
        const d = Math.min(depth, L.boxH.length - 1);
        const indent = Math.min(depth, 3) * L.indent;
        const box: Box = {
          id,
          stage: col.stage,
          depth,
          x: col.x + indent,
          y,
          w: col.w - indent,
          h: L.boxH[d],
          hasChildren: kids.length > 0,
          expanded,
        };
        boxes.push(box);
        byId.set(id, box);
        y += box.h + L.gapSibling;
        if (expanded) for (const k of kids) place(k.id, depth + 1);
      };
      place(root.id, 0);
    });
    maxY = Math.max(maxY, y);
  }

  const visibleOf = (id: string): string | undefined => {
    if (byId.has(id)) return id;
    for (const a of idx.ancestors(id)) if (byId.has(a.id)) return a.id;
    return undefined;
  };

  return { width: totalW, height: Math.max(maxY, top + 60) + L.padBottom, columns, boxes, byId, visibleOf };
}

/** Default expansion: top-level segments show their direct children. */
export function defaultExpanded(idx: SegmentIndex, id: string): boolean {
  return idx.depth(id) < 1;
}

/**
 * Expansion state from the URL's `open` overrides ("+id" expands, "-id" collapses),
 * with the selected segment's ancestors always expanded so that it is visible.
 */
export function expansion(idx: SegmentIndex, open: string[] | undefined, selected: string | undefined): (id: string) => boolean {
  const plus = new Set<string>();
  const minus = new Set<string>();
  for (const o of open ?? []) {
    if (o.startsWith('-')) minus.add(o.slice(1));
    else plus.add(o.replace(/^\+/, ''));
  }
  const forced = new Set(selected ? idx.ancestors(selected).map((s) => s.id) : []);
  return (id) => forced.has(id) || (plus.has(id) ? true : minus.has(id) ? false : defaultExpanded(idx, id));
}

/** The `open` overrides after toggling one segment (overrides equal to the default are dropped). */
export function toggleOpen(idx: SegmentIndex, open: string[] | undefined, id: string, nowExpanded: boolean): string[] {
  const rest = (open ?? []).filter((o) => o.replace(/^[+-]/, '') !== id);
  const want = !nowExpanded;
  if (want !== defaultExpanded(idx, id)) rest.push(want ? `+${id}` : `-${id}`);
  return rest;
}

export function openAll(idx: SegmentIndex): string[] {
  return idx.chain.segments.filter((s) => s.children.length && !defaultExpanded(idx, s.id)).map((s) => `+${s.id}`);
}

export function closeAll(idx: SegmentIndex): string[] {
  return idx.chain.segments.filter((s) => s.children.length && defaultExpanded(idx, s.id)).map((s) => `-${s.id}`);
}
