// The URL holds the whole view state so that any view can be shared:
//   #/chain?chain=aluminium&scope=410100&segment=M1a&lang=en
// Hash routing works with the server's SPA fallback and needs no server route.

import type { Lang } from './i18n';

export const VIEWS = ['chain', 'map', 'targets', 'roadmap', 'whatif', 'brief', 'leads', 'import'] as const;
export type ViewId = (typeof VIEWS)[number];

export interface AppState {
  view: ViewId;
  lang: Lang;
  /** Chain id (default: the dataset's focus chain). */
  chain?: string;
  /** Region adcode or park id (default: the dataset's focus region). */
  scope?: string;
  /** Selected segment (chain map panel; segment filter on the maps). */
  segment?: string;
  /** Stage filter on the maps. */
  stage?: string;
  /** Selected park on the region map. */
  park?: string;
  /** Selected enterprise on a map. */
  ent?: string;
  /** Segments expanded on the chain map beyond the default depth ("+id"), or collapsed ("-id"). */
  open?: string[];
  /** Roadmap: show all projects, not only those in the scope. Targets: all gaps. */
  all?: boolean;
  /** Chain map: minimum local enterprises for a strong link (threshold override). */
  minent?: number;
  /** Chain map and brief: count verified placements only (`gapAnalysis(verifiedOnly: true)`). */
  verified?: boolean;
  /** Roadmap: how many gaps the roadmap takes. */
  steps?: number;
  /** What-if: enterprises added to segments (the overlay). */
  add?: WhatIfAdd[];
  /** 招商线索: the lead whose page is open. */
  lead?: string;
  /** 招商线索: filters by region, owner and lead stage (`stage` above filters by lead stage there too). */
  region?: string;
  owner?: string;
  /** 招商线索: only open leads without a follow-up for this many days. */
  stale?: number;
}

/** One what-if addition: an existing enterprise (id) or a new one (name) in a segment. */
export interface WhatIfAdd {
  enterprise?: string;
  name?: string;
  segment: string;
  park?: string;
  capacity?: number;
}

const KEYS = ['chain', 'scope', 'segment', 'stage', 'park', 'ent', 'lead', 'region', 'owner'] as const;
const ID_RE = /^[\p{L}\p{N}_.:+-]{1,120}$/u;
const MAX_ADDS = 20;

function clean(v: string | null): string | undefined {
  if (v === null) return undefined;
  const s = v.trim();
  return s && ID_RE.test(s) ? s : undefined;
}

export function parseHash(hash: string): AppState {
  const h = hash.replace(/^#/, '');
  const q = h.indexOf('?');
  const path = (q >= 0 ? h.slice(0, q) : h).replace(/^\/+|\/+$/g, '');
  const params = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  const view = (VIEWS as readonly string[]).includes(path) ? (path as ViewId) : 'chain';
  const state: AppState = { view, lang: params.get('lang') === 'en' ? 'en' : 'zh' };
  for (const k of KEYS) {
    const v = clean(params.get(k));
    if (v) state[k] = v;
  }
  const open = params.get('open');
  if (open) {
    const ids = open.split(',').map((s) => clean(s)).filter((s): s is string => !!s);
    if (ids.length) state.open = ids;
  }
  if (params.get('all') === '1') state.all = true;
  if (params.get('verified') === '1') state.verified = true;
  const minent = int(params.get('minent'), 1, 50);
  if (minent !== undefined) state.minent = minent;
  const steps = int(params.get('steps'), 1, 50);
  if (steps !== undefined) state.steps = steps;
  const stale = int(params.get('stale'), 1, 999);
  if (stale !== undefined) state.stale = stale;
  const add = parseAdds(params.get('add') ?? '');
  if (add.length) state.add = add;
  return state;
}

function int(v: string | null, min: number, max: number): number | undefined {
  if (!v || !/^\d{1,3}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

/** A new enterprise's name as typed: no control characters or separators, at most 60 characters. */
export function cleanName(v: string): string {
  return v.replace(/[\p{Cc}\p{Cf};,]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 60);
}

/**
 * What-if additions in the URL: `e:<enterprise id>` or `n:<new name>`, then segment, park
 * and capacity, separated by commas; additions separated by semicolons. Anything that
 * does not parse is dropped.
 */
export function parseAdds(s: string): WhatIfAdd[] {
  const out: WhatIfAdd[] = [];
  for (const item of s.split(';')) {
    const [who, segment, park, capacity] = item.split(',');
    if (!who || !segment) continue;
    const seg = clean(segment);
    if (!seg) continue;
    const a: WhatIfAdd = { segment: seg };
    if (who.startsWith('e:')) {
      const id = clean(who.slice(2));
      if (!id) continue;
      a.enterprise = id;
    } else if (who.startsWith('n:')) {
      const name = cleanName(who.slice(2));
      if (!name) continue;
      a.name = name;
    } else continue;
    const p = clean(park ?? null);
    if (p) a.park = p;
    if (capacity && /^\d{1,9}(\.\d{1,4})?$/.test(capacity)) a.capacity = Number(capacity);
    out.push(a);
    if (out.length >= MAX_ADDS) break;
  }
  return out;
}

export function formatAdds(adds: WhatIfAdd[]): string {
  return adds
    .map((a) => [a.enterprise ? `e:${a.enterprise}` : `n:${cleanName(a.name ?? '')}`, a.segment, a.park ?? '', a.capacity ?? ''].join(',').replace(/,+$/, ''))
    .join(';');
}

export function toHash(s: AppState): string {
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = s[k];
    if (v) p.set(k, v);
  }
  if (s.open?.length) p.set('open', s.open.join(','));
  if (s.all) p.set('all', '1');
  if (s.minent) p.set('minent', String(s.minent));
  if (s.verified) p.set('verified', '1');
  if (s.steps) p.set('steps', String(s.steps));
  if (s.add?.length) p.set('add', formatAdds(s.add));
  if (s.stale) p.set('stale', String(s.stale));
  p.set('lang', s.lang);
  return `#/${s.view}?${p.toString()}`;
}

/** Parameters that only mean something in one view are dropped when switching views. */
export function forView(s: AppState, view: ViewId): AppState {
  const next: AppState = { view, lang: s.lang, chain: s.chain, scope: s.scope };
  if (view === 'chain' || view === 'map' || view === 'targets' || view === 'whatif') next.segment = s.segment;
  if (view === 'chain') next.open = s.open;
  if (view === 'chain') next.minent = s.minent;
  if (view === 'chain') next.verified = s.verified;
  if (view === 'map') next.stage = s.stage;
  if (view === 'roadmap') {
    next.all = s.all;
    next.steps = s.steps;
  }
  if (view === 'whatif') next.add = s.add;
  // The brief follows the chain map's basis (verified only, threshold) and the roadmap's length.
  if (view === 'brief') {
    next.verified = s.verified;
    next.minent = s.minent;
    next.steps = s.steps;
  }
  return next;
}
