// Pieces shared by the two map views: the bundled China base map and the filter fields.

import { echarts } from '../charts/geo';
import { h } from '../dom';
import { nm, t } from '../i18n';
import { STAGES } from '../api';
import { shortName, type SegmentIndex } from '../model';
import type { Ctx } from './types';

/** Registers the bundled China province map as "china" (ECharts then adds 南海诸岛). */
export async function chinaBase(ctx: Ctx): Promise<{
  fallback: (regionId: string) => { lon: number; lat: number } | null;
  /** The map's name of the province containing a region (to style it), if any. */
  provinceName: (regionId: string) => string | undefined;
}> {
  const geo = await ctx.store.chinaMap();
  if (!echarts.getMap('china')) echarts.registerMap('china', geo as never);
  const cp = new Map<string, [number, number]>();
  const names = new Map<string, string>();
  for (const f of geo.features) {
    if (f.id && f.properties.cp) cp.set(String(f.id), f.properties.cp);
    if (f.id) names.set(String(f.id), f.properties.name);
  }
  // A region with no point of its own (nor any ancestor with one) sits at its province's centre.
  const fallback = (regionId: string) => {
    for (const r of ctx.boot.regions.chain(regionId)) {
      const p = cp.get(r.id);
      if (p) return { lon: p[0], lat: p[1] };
    }
    return null;
  };
  const provinceName = (regionId: string) => {
    for (const r of ctx.boot.regions.chain(regionId)) if (names.has(r.id)) return names.get(r.id);
    return undefined;
  };
  return { fallback, provinceName };
}

export function segmentOptions(idx: SegmentIndex, value: string | undefined, onChange: (v: string) => void): HTMLElement {
  const sel = h('select', { id: 'segment-filter', class: 'select', 'aria-label': t('filterSegment'), on: { change: () => onChange(sel.value) } });
  sel.appendChild(h('option', { value: '' }, t('allSegments')));
  let stage = '';
  let group: HTMLElement = sel;
  for (const { seg, depth } of idx.ordered()) {
    if (seg.stage !== stage) {
      stage = seg.stage;
      group = h('optgroup', { label: t(`stage.${seg.stage}`) });
      sel.appendChild(group);
    }
    const o = h('option', { value: seg.id }, `${'\u3000'.repeat(depth)}${shortName(nm(seg))}`);
    if (seg.id === value) o.selected = true;
    group.appendChild(o);
  }
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('filterSegment')), sel);
}

export function stageOptions(value: string | undefined, onChange: (v: string) => void): HTMLElement {
  const sel = h('select', { id: 'stage-filter', class: 'select', 'aria-label': t('filterStage'), on: { change: () => onChange(sel.value) } });
  sel.appendChild(h('option', { value: '' }, t('allStages')));
  for (const s of STAGES) {
    const o = h('option', { value: s }, t(`stage.${s}`));
    if (s === value) o.selected = true;
    sel.appendChild(o);
  }
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('filterStage')), sel);
}
