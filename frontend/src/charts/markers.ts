// Enterprise markers for the maps: one scatter series per stage (colour + shape), size by
// capacity relative to the largest figure of the same unit.

import { STAGES, type Enterprise, type Stage } from '../api';
import { escapeHtml } from '../dom';
import { nm, num, t } from '../i18n';
import { placeEnterprise, primaryStage, type Placed, type RegionIndex, type ParkIndex, type SegmentIndex, shortName } from '../model';
import { STAGE_COLORS, STAGE_SYMBOLS } from './stageStyle';

export interface MarkerFilter {
  /** Only enterprises with an operation in this segment subtree. */
  segments?: Set<string>;
  stage?: Stage;
}

export interface Marker {
  e: Enterprise;
  at: Placed;
  stage: Stage | 'NONE';
  capacity: number | null;
  unit: string | null;
}

export function filterEnterprises(list: Enterprise[], f: MarkerFilter): Enterprise[] {
  return list.filter((e) => {
    const ops = e.operations.filter((o) => (!f.segments || f.segments.has(o.segment.id)) && (!f.stage || o.segment.stage === f.stage));
    return (!f.segments && !f.stage) || ops.length > 0;
  });
}

export function toMarkers(
  list: Enterprise[],
  f: MarkerFilter,
  regions: RegionIndex,
  chainId: string,
  fallback?: (regionId: string) => { lon: number; lat: number } | null,
): { markers: Marker[]; unplaced: Enterprise[] } {
  const markers: Marker[] = [];
  const unplaced: Enterprise[] = [];
  for (const e of list) {
    const at = placeEnterprise(e, regions, fallback);
    if (!at) {
      unplaced.push(e);
      continue;
    }
    const ops = e.operations.filter((o) => (!f.segments || f.segments.has(o.segment.id)) && (!f.stage || o.segment.stage === f.stage));
    const scoped = { ...e, operations: ops.length ? ops : e.operations };
    const stage = f.stage ?? primaryStage(scoped, chainId) ?? 'NONE';
    let capacity: number | null = null;
    let unit: string | null = null;
    for (const o of scoped.operations) {
      if (o.capacity !== null && (capacity === null || o.capacity > capacity)) {
        capacity = o.capacity;
        unit = o.capacityUnit;
      }
    }
    markers.push({ e, at, stage, capacity, unit });
  }
  return { markers, unplaced };
}

const MIN_SIZE = 11;
const MAX_SIZE = 30;

export function markerSeries(
  markers: Marker[],
  opts: { regions: RegionIndex; parks: ParkIndex; idx?: SegmentIndex; coordinateSystem?: string; selected?: string },
): object[] {
  const maxByUnit = new Map<string, number>();
  for (const m of markers) {
    if (m.capacity !== null && m.unit) maxByUnit.set(m.unit, Math.max(maxByUnit.get(m.unit) ?? 0, m.capacity));
  }
  const sizeOf = (m: Marker) => {
    if (m.capacity === null || !m.unit) return MIN_SIZE;
    const max = maxByUnit.get(m.unit) || 1;
    return MIN_SIZE + (MAX_SIZE - MIN_SIZE) * Math.sqrt(Math.max(0, m.capacity) / max);
  };
  const groups: (Stage | 'NONE')[] = [...STAGES, 'NONE'];
  return groups
    .map((stage) => {
      const ms = markers.filter((m) => m.stage === stage);
      return {
        id: `ent-${stage}`,
        name: t(`stage.${stage}`),
        type: 'scatter',
        coordinateSystem: opts.coordinateSystem ?? 'geo',
        geoIndex: 0,
        symbol: STAGE_SYMBOLS[stage],
        large: true,
        largeThreshold: 2000,
        progressive: 0,
        itemStyle: { color: STAGE_COLORS[stage], borderColor: '#ffffff', borderWidth: 1, opacity: 0.92 },
        emphasis: { scale: 1.4, itemStyle: { borderColor: '#15202b', borderWidth: 1.5 } },
        data: ms.map((m) => ({
          id: m.e.id,
          name: nm(m.e),
          value: [round(m.at.lon), round(m.at.lat), m.capacity ?? 0],
          symbolSize: sizeOf(m),
          itemStyle: m.e.id === opts.selected ? { borderColor: '#15202b', borderWidth: 2.5 } : undefined,
        })),
        tooltip: {
          show: true,
          formatter: (p: { dataIndex: number }) => markerTooltip(ms[p.dataIndex], opts),
        },
        z: 4,
      };
    })
    .filter((s) => s.data.length > 0 || s.id !== 'ent-NONE');
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

export function markerTooltip(m: Marker | undefined, opts: { regions: RegionIndex; parks: ParkIndex; idx?: SegmentIndex }): string {
  if (!m) return '';
  const e = m.e;
  const region = nm(opts.regions.get(e.region.id)) || e.region.id;
  const park = e.park ? nm(opts.parks.get(e.park.id)) || e.park.id : '';
  const segs = [...new Set(e.operations.map((o) => o.segment.id))]
    .map((id) => {
      const s = opts.idx?.get(id);
      return s ? shortName(nm(s)) : id;
    })
    .join('、');
  return [
    `<div class="tt-title">${escapeHtml(nm(e))}</div>`,
    `<div class="tt-muted">${escapeHtml(region)}${park ? ' · ' + escapeHtml(park) : ''}</div>`,
    segs ? `<div>${escapeHtml(t(`stage.${m.stage}`))} · ${escapeHtml(segs)}</div>` : '',
    m.capacity !== null ? `<div>${escapeHtml(t('capacity'))} ${escapeHtml(num(m.capacity))} ${escapeHtml(m.unit ?? '')}</div>` : '',
    m.at.approx ? `<div class="tt-muted">${escapeHtml(t('approxShort'))}</div>` : '',
  ].join('');
}
