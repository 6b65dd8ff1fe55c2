// The chain map's chart option: stage columns (with completeness per stage in the headers),
// a box per segment coloured by the gap analysis' status with a second cue (border pattern
// and badge) and the gap kind as a small tag, material flows between boxes, and a title
// band with the legend so that an exported image explains itself. Shared by the chain map
// and the what-if view (which draws the analysis after its overlay).

import { echarts, FONT_FAMILY, textWidth, TOOLTIP_BASE } from '../charts/core';
import { escapeHtml } from '../dom';
import { entCount, nm, num, t } from '../i18n';
import type { GapKind, Segment, StageCompleteness, StatusChange } from '../api';
import { shortName, type SegmentIndex } from '../model';
import { kindLabel, STATUS_STYLES, STATUSES_IN_USE, type Status } from '../status';
import { STAGE_TINTS } from '../charts/stageStyle';
import { LAYOUT, type Box, type ChainLayout } from './chainLayout';

/** What a box shows about its segment. */
export interface BoxInfo {
  status: Status;
  kind: GapKind;
  kindZh: string;
  enterprises: number;
  capacity: number | null;
  score: number;
  reason: string;
  /** Counted enterprises placed here by suggested placements alone (0 under verifiedOnly). */
  suggested?: number;
  /** Under verifiedOnly: enterprises left out because their placements here are only suggested. */
  leftOut?: number;
  /** What-if: the segment's status or kind changed. */
  change?: StatusChange;
}

export interface ChainChartSpec {
  idx: SegmentIndex;
  layout: ChainLayout;
  info: Map<string, BoxInfo>;
  byStage: StageCompleteness[];
  present: number;
  total: number;
  /** Title band text (scope · chain). */
  title: string;
  /** The visible box of the selected segment. */
  selected?: string;
  /** Footer line of box tooltips. */
  tooltipHint?: string;
}

const richSafe = (s: string) => s.replace(/[{}|]/g, (c) => ({ '{': '｛', '}': '｝', '|': '｜' })[c]!);
const pct = (p: number, n: number) => (n ? Math.round((100 * p) / n) : 0);

export function chainOption(spec: ChainChartSpec): Record<string, unknown> {
  const L = spec.layout;
  const nodes: object[] = [
    // Two invisible anchors span the layout, so graph coordinates are pixels.
    { id: 'a0', x: 0, y: 0, symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } },
    { id: 'a1', x: L.width, y: L.height, symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } },
  ];
  for (const b of L.boxes) nodes.push(boxNode(spec, b, spec.idx.byId.get(b.id)!, spec.info.get(b.id)!, b.id === spec.selected));
  for (const b of L.boxes) {
    const y = b.y + b.h / 2;
    const port = { symbol: 'none', label: { show: false }, tooltip: { show: false }, emphasis: { disabled: true } };
    nodes.push({ id: `pl:${b.id}`, x: b.x, y, ...port }, { id: `pr:${b.id}`, x: b.x + b.w, y, ...port });
  }
  for (const b of L.boxes) if (b.hasChildren) nodes.push(toggleNode(b));
  return {
    animation: false,
    textStyle: { fontFamily: FONT_FAMILY },
    tooltip: { ...TOOLTIP_BASE, trigger: 'item' },
    graphic: { elements: backdrop(spec) },
    series: [
      {
        id: 'chain',
        name: nm(spec.idx.chain),
        type: 'graph',
        layout: 'none',
        roam: false,
        left: 0,
        top: 0,
        width: L.width,
        height: L.height,
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: [0, 7],
        emphasis: { focus: 'none', scale: false },
        data: nodes,
        links: flowLinks(spec.idx, L, spec.selected),
        z: 3,
      },
    ],
  };
}

function boxNode(spec: ChainChartSpec, b: Box, seg: Segment, info: BoxInfo, selected: boolean): object {
  const style = STATUS_STYLES[info.status];
  const nameFont = `${b.depth === 0 ? 600 : 400} 13px ${FONT_FAMILY}`;
  const textW = b.w - 16 - (b.hasChildren ? 24 : 0);
  // Second line: badge, local enterprises (and capacity, if there is room), then the kind tag.
  const metaFont = `12px ${FONT_FAMILY}`;
  const kindFont = `600 11px ${FONT_FAMILY}`;
  const ch = info.change;
  // Suggested placements: a dashed tag "n待核实" (or "未计n待核实" under verified only).
  const suggFont = `11px ${FONT_FAMILY}`;
  // The kind tag keeps priority: the long form only where the count and the kind leave room, else the number alone.
  const count = ch ? `${ch.enterprisesBefore}→${entCount(ch.enterprisesAfter)}` : entCount(info.enterprises);
  let kind = info.kind === 'NONE' ? '' : kindLabel(info.kind, info.kindZh);
  const kindW = kind ? textWidth(kind, kindFont) + 14 : 0;
  const suggN = ch ? 0 : info.suggested || info.leftOut || 0;
  let sugg = suggN ? t(info.suggested ? 'suggestedBox' : 'suggestedLeftBox', { n: suggN }) : '';
  // Where the second line has no room, the number alone goes on the name line (the name gives way).
  const suggOnName = !!sugg && textWidth(count, metaFont) + kindW + textWidth(sugg, suggFont) + 12 > textW - 34; // 12 px to spare: truncateText needs slack
  if (suggOnName) sugg = info.suggested ? String(suggN) : `−${suggN}`;
  const suggW = sugg ? textWidth(sugg, suggFont) + 12 : 0;
  const name = echarts.format.truncateText(richSafe(shortName(nm(seg))), textW - (suggOnName ? suggW + 4 : 0), nameFont, '…', {});
  const suggTag = sugg ? ` {sugg|${richSafe(sugg)}}` : '';
  const avail = textW - 22 - (suggOnName ? 0 : suggW);
  const withCap = !ch && info.capacity !== null && seg.unit ? `${count} · ${num(info.capacity, 1)} ${seg.unit}` : count;
  let meta = textWidth(withCap, metaFont) + kindW <= avail ? withCap : count;
  meta = echarts.format.truncateText(richSafe(meta), Math.max(24, avail - Math.min(kindW, 40)), metaFont, '…', {});
  if (kind) kind = echarts.format.truncateText(kind, Math.max(14, avail - textWidth(meta, metaFont) - 14), kindFont, '…', {});
  const emphasised = selected || !!ch;
  return {
    id: `b:${b.id}`,
    name: nm(seg),
    x: b.x + b.w / 2,
    y: b.y + b.h / 2,
    symbol: 'rect',
    symbolSize: [b.w, b.h],
    // Read by the browser tests.
    segment: b.id,
    status: info.status,
    kind: info.kind,
    changed: ch ? `${ch.statusBefore}>${ch.statusAfter}` : undefined,
    suggested: info.suggested ?? 0,
    leftOut: info.leftOut ?? 0,
    itemStyle: {
      color: style.fill,
      borderColor: style.border,
      borderWidth: emphasised ? style.borderWidth + 1.5 : style.borderWidth,
      borderType: style.borderType,
      shadowBlur: selected ? 10 : ch ? 8 : 0,
      shadowColor: ch ? 'rgba(29,53,87,0.85)' : 'rgba(20,40,70,0.45)',
    },
    label: {
      show: true,
      position: 'insideLeft',
      padding: [0, 0, 0, 8],
      formatter: `{name|${name}}${suggOnName ? suggTag : ''}\n{badge|${style.badge}} {${ch ? 'chg' : 'meta'}|${meta}}${suggOnName ? '' : suggTag}${kind ? ` {kind|${richSafe(kind)}}` : ''}`,
      rich: {
        name: { fontSize: 13, fontWeight: b.depth === 0 ? 600 : 400, color: '#15202b', lineHeight: 19, fontFamily: FONT_FAMILY },
        meta: { fontSize: 12, color: '#3d4b5c', lineHeight: 17, fontFamily: FONT_FAMILY },
        chg: { fontSize: 12, color: '#1d3557', fontWeight: 700, lineHeight: 17, fontFamily: FONT_FAMILY },
        badge: {
          fontSize: 10, color: '#ffffff', backgroundColor: style.border, borderRadius: 3,
          padding: [1, 3, 0, 3], fontWeight: 700, lineHeight: 14, fontFamily: FONT_FAMILY,
        },
        sugg: {
          fontSize: 11, color: '#5a3d00', backgroundColor: '#fff8e6', borderColor: '#8a6d1f', borderWidth: 1, borderType: 'dashed',
          borderRadius: 3, padding: [1, 3, 0, 3], lineHeight: 14, fontFamily: FONT_FAMILY,
        },
        kind: {
          fontSize: 11, color: style.border === '#009e73' ? '#00513b' : '#4a2a00', backgroundColor: '#ffffff',
          borderColor: style.border, borderWidth: 1, borderRadius: 3, padding: [1, 4, 0, 4], fontWeight: 600, lineHeight: 14,
          fontFamily: FONT_FAMILY,
        },
      },
    },
    tooltip: { formatter: () => boxTooltip(spec, seg, info) },
    emphasis: { scale: false, itemStyle: { shadowBlur: 8, shadowColor: 'rgba(20,40,70,0.35)' } },
    cursor: 'pointer',
  };
}

function statusTag(s: Status): string {
  const st = STATUS_STYLES[s];
  return `<span class="tt-badge" data-status="${escapeHtml(s)}">${escapeHtml(st.badge)} ${escapeHtml(t(st.labelKey))}</span>`;
}

function boxTooltip(spec: ChainChartSpec, seg: Segment, info: BoxInfo): string {
  const cap = info.capacity !== null && seg.unit ? `${t('capacity')} ${num(info.capacity, 1)} ${seg.unit}` : '';
  const ch = info.change;
  const kind = info.kind === 'NONE' ? '' : ` · ${escapeHtml(kindLabel(info.kind, info.kindZh))}`;
  return [
    `<div class="tt-title">${escapeHtml(nm(seg))}</div>`,
    `<div class="tt-muted">${escapeHtml(t(`stage.${seg.stage}`))} · ${escapeHtml(seg.id)}</div>`,
    ch
      ? `<div>${statusTag(ch.statusBefore)} → ${statusTag(ch.statusAfter)} · ${escapeHtml(kindLabel(ch.kindBefore))} → ${escapeHtml(kindLabel(ch.kindAfter))}</div>` +
        `<div>${escapeHtml(t('enterprises'))} ${ch.enterprisesBefore} → ${ch.enterprisesAfter}</div>`
      : `<div>${escapeHtml(entCount(info.enterprises))}${cap ? ' · ' + escapeHtml(cap) : ''}</div>`,
    info.suggested ? `<div class="tt-muted">${escapeHtml(t('suggestedNote', { n: info.suggested }))}</div>` : '',
    info.leftOut ? `<div class="tt-muted">${escapeHtml(t('suggestedLeftNote', { n: info.leftOut }))}</div>` : '',
    `<div>${statusTag(info.status)}${kind} · ${escapeHtml(t('score'))} ${escapeHtml(num(info.score, 1))}</div>`,
    `<div>${escapeHtml(info.reason)}</div>`,
    spec.tooltipHint ? `<div class="tt-muted">${escapeHtml(spec.tooltipHint)}</div>` : '',
  ].join('');
}

function toggleNode(b: Box): object {
  return {
    id: `t:${b.id}`,
    x: b.x + b.w - 14,
    y: b.y + b.h / 2,
    symbol: 'roundRect',
    symbolSize: [18, 18],
    itemStyle: { color: '#ffffff', borderColor: '#6b7a8c', borderWidth: 1 },
    label: { show: true, position: 'inside', formatter: b.expanded ? '−' : '+', fontSize: 14, fontWeight: 700, color: '#2b3a4d', fontFamily: FONT_FAMILY },
    tooltip: { formatter: () => escapeHtml(t(b.expanded ? 'collapse' : 'expand')) },
    emphasis: { scale: false, itemStyle: { borderColor: '#1d2733', borderWidth: 1.5 } },
    cursor: 'pointer',
  };
}

function flowLinks(idx: SegmentIndex, L: ChainLayout, selectedBox: string | undefined): object[] {
  const seen = new Map<string, { from: string; to: string; flows: typeof idx.flows }>();
  for (const f of idx.flows) {
    const a = L.visibleOf(f.from.id);
    const b = L.visibleOf(f.to.id);
    if (!a || !b || a === b || idx.isAncestor(a, b) || idx.isAncestor(b, a)) continue;
    const key = `${a}>${b}`;
    const e = seen.get(key) ?? { from: a, to: b, flows: [] };
    e.flows.push(f);
    seen.set(key, e);
  }
  const links: object[] = [];
  for (const e of seen.values()) {
    const A = L.byId.get(e.from)!;
    const B = L.byId.get(e.to)!;
    const sameCol = A.stage === B.stage;
    const touches = selectedBox !== undefined && (e.from === selectedBox || e.to === selectedBox);
    const faded = selectedBox !== undefined && !touches;
    links.push({
      source: `pr:${e.from}`,
      target: sameCol ? `pr:${e.to}` : `pl:${e.to}`,
      lineStyle: {
        color: touches ? '#1d3557' : '#8795a8',
        width: touches ? 2.2 : 1.2,
        opacity: faded ? 0.18 : touches ? 0.95 : 0.6,
        // Same column: a bow of about 28 px to the right, into the gap between columns.
        curveness: sameCol ? Math.sign(B.y - A.y) * Math.min(0.6, 56 / Math.max(1, Math.abs(B.y - A.y))) : 0.08,
      },
      tooltip: {
        formatter: () => {
          const rows = e.flows.map((f) => {
            const from = idx.get(f.from.id)!;
            const to = idx.get(f.to.id)!;
            const coef = f.coefficient !== null ? ` (${num(f.coefficient, 3)} ${f.coefficientUnit ?? ''})` : '';
            return `<div>${escapeHtml(shortName(nm(from)))} → ${escapeHtml(shortName(nm(to)))}${escapeHtml(coef)}</div>`;
          });
          return `<div class="tt-title">${escapeHtml(t('legendFlow'))}</div>${rows.join('')}`;
        },
      },
      emphasis: { lineStyle: { width: 2.6, opacity: 1, color: '#1d3557' } },
    });
  }
  return links;
}

function backdrop(spec: ChainChartSpec): object[] {
  const L = spec.layout;
  const out: object[] = [];
  // Title band: scope, chain and completeness, and the legend.
  out.push({
    type: 'text', left: LAYOUT.padX, top: 8, silent: true,
    style: {
      text: `${spec.title} · ${t('completenessLine', { p: spec.present, n: spec.total, pct: pct(spec.present, spec.total) })}`,
      font: `600 15px ${FONT_FAMILY}`, fill: '#15202b',
    },
  });
  let lx = L.width - LAYOUT.padX;
  const legendFont = `13px ${FONT_FAMILY}`;
  for (const s of [...STATUSES_IN_USE].reverse()) {
    const st = STATUS_STYLES[s];
    const label = `${st.badge} ${t(st.labelKey)}`;
    lx -= 14 + 6 + textWidth(label, legendFont) + 16;
    out.push(
      { type: 'rect', x: lx, y: 10, shape: { width: 14, height: 14, r: 2 }, style: { fill: st.fill, stroke: st.border, lineWidth: 2, lineDash: st.borderType === 'solid' ? null : st.borderType === 'dashed' ? [4, 2] : [1.5, 2] }, silent: true },
      { type: 'text', x: lx + 20, y: 10, style: { text: label, font: legendFont, fill: '#2b3a4d' }, silent: true },
    );
  }
  lx -= 36 + textWidth(t('legendFlow'), legendFont) + 16;
  out.push(
    { type: 'line', x: lx, y: 17, shape: { x1: 0, y1: 0, x2: 26, y2: 0 }, style: { stroke: '#8795a8', lineWidth: 1.5 }, silent: true },
    { type: 'polygon', x: lx + 26, y: 17, shape: { points: [[0, -4], [7, 0], [0, 4]] }, style: { fill: '#8795a8' }, silent: true },
    { type: 'text', x: lx + 36, y: 10, style: { text: t('legendFlow'), font: legendFont, fill: '#2b3a4d' }, silent: true },
  );
  const byStage = new Map(spec.byStage.map((s) => [s.stage, s]));
  for (const col of L.columns) {
    const c = byStage.get(col.stage) ?? { present: 0, total: 0 };
    const p = pct(c.present, c.total);
    const barW = col.w - 4;
    out.push(
      { type: 'rect', shape: { x: col.x - 6, y: LAYOUT.titleH, width: col.w + 12, height: L.height - LAYOUT.titleH - 4, r: 6 }, style: { fill: STAGE_TINTS[col.stage] }, silent: true, z: -10 },
      {
        type: 'text', x: col.x + 2, y: LAYOUT.titleH + 8, silent: true,
        style: { text: echarts.format.truncateText(t(`stageLong.${col.stage}`), col.w - 4, `600 14px ${FONT_FAMILY}`, '…', {}), font: `600 14px ${FONT_FAMILY}`, fill: '#15202b' },
      },
      {
        type: 'text', x: col.x + 2, y: LAYOUT.titleH + 28, silent: true,
        // Read by the browser tests: the stage and its completeness.
        info: { stage: col.stage, present: c.present, total: c.total },
        style: {
          text: echarts.format.truncateText(t('stageCompleteness', { p: c.present, n: c.total, pct: p }), col.w - 4, `12px ${FONT_FAMILY}`, '…', {}),
          font: `12px ${FONT_FAMILY}`, fill: p < 50 ? '#a04000' : '#2b3a4d',
        },
      },
      { type: 'rect', shape: { x: col.x + 2, y: LAYOUT.titleH + 46, width: barW, height: 5, r: 2 }, style: { fill: '#ffffff', stroke: '#c5ccd6', lineWidth: 0.5 }, silent: true },
      { type: 'rect', shape: { x: col.x + 2, y: LAYOUT.titleH + 46, width: (barW * p) / 100, height: 5, r: 2 }, style: { fill: '#009e73' }, silent: true },
    );
  }
  return out;
}
