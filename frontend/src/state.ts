// The URL holds the whole view state so that any view can be shared:
//   #/chain?chain=aluminium&scope=410100&segment=M1a&lang=en
// Hash routing works with the server's SPA fallback and needs no server route.

import type { Lang } from './i18n';

export const VIEWS = ['chain', 'map', 'targets', 'roadmap', 'whatif'] as const;
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
  /** Roadmap: show all projects, not only those in the scope. */
  all?: boolean;
}

const KEYS = ['chain', 'scope', 'segment', 'stage', 'park', 'ent'] as const;
const ID_RE = /^[\p{L}\p{N}_.:+-]{1,120}$/u;

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
  return state;
}

export function toHash(s: AppState): string {
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = s[k];
    if (v) p.set(k, v);
  }
  if (s.open?.length) p.set('open', s.open.join(','));
  if (s.all) p.set('all', '1');
  p.set('lang', s.lang);
  return `#/${s.view}?${p.toString()}`;
}

/** Parameters that only mean something in one view are dropped when switching views. */
export function forView(s: AppState, view: ViewId): AppState {
  const next: AppState = { view, lang: s.lang, chain: s.chain, scope: s.scope };
  if (view === 'chain' || view === 'map' || view === 'targets') next.segment = s.segment;
  if (view === 'chain') next.open = s.open;
  if (view === 'map' || view === 'targets') next.stage = s.stage;
  if (view === 'roadmap') next.all = s.all;
  return next;
}
