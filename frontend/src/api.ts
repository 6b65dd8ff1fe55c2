// GraphQL client for chainmap's /graphql (same origin; the dev server proxies it).

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function gql<T>(query: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`GraphQL: HTTP ${res.status}`);
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new ApiError(e.message, e.extensions?.code);
  }
  if (!res.ok || !body.data) throw new ApiError(`GraphQL: HTTP ${res.status}`);
  return body.data;
}

// ---- Types of what the queries below return ---------------------------------------

export type Stage = 'UPSTREAM' | 'MIDSTREAM' | 'DOWNSTREAM' | 'END_PRODUCT' | 'SERVICE';
export const STAGES: Stage[] = ['UPSTREAM', 'MIDSTREAM', 'DOWNSTREAM', 'END_PRODUCT', 'SERVICE'];

export interface Ref {
  id: string;
}
export interface Named extends Ref {
  nameZh: string;
  nameEn?: string | null;
}

export interface SourceInfo {
  id: string;
  title: string;
  publisher?: string | null;
  date?: string | null;
  url?: string | null;
  licence?: string | null;
  kind?: string | null;
}
export interface Citation {
  text: string;
  sourceId: string;
  locator: string;
  source: SourceInfo | null;
}

export interface Dataset {
  id: string;
  titleZh: string | null;
  titleEn: string | null;
  version: string | null;
  licence: string | null;
  synthetic: boolean;
  focusChain: Ref | null;
  focusRegion: Ref | null;
  focusParks: Ref[];
}

export interface Segment extends Named {
  stage: Stage;
  order: number;
  unit: string | null;
  parent: Ref | null;
  children: Ref[];
  priorities: { tag: string; clause: { text: string } | null }[];
}
export interface Flow {
  from: Ref;
  to: Ref;
  coefficient: number | null;
  coefficientUnit: string | null;
}
export interface Chain extends Named {
  description: string | null;
  segments: Segment[];
  flows: Flow[];
}

export interface Region extends Named {
  level: string;
  lon: number | null;
  lat: number | null;
  parent: Ref | null;
}
export interface RegionBoundary extends Named {
  boundaryGeoJson: string | null;
  sources: Citation[];
}

export interface Park extends Named {
  kind: string;
  lon: number | null;
  lat: number | null;
  parent: Ref | null;
  regions: Ref[];
  focusSegments: Ref[];
}

export interface Operation {
  segment: { id: string; stage: Stage; chain: Ref };
  capacity: number | null;
  capacityUnit: string | null;
}
export interface Enterprise extends Named {
  lon: number | null;
  lat: number | null;
  region: Ref;
  park: Ref | null;
  designations: string[];
  operations: Operation[];
}

export interface Project extends Named {
  stage: string;
  capacity: number | null;
  capacityUnit: string | null;
  investment: number | null;
  startYear: number | null;
  endYear: number | null;
  enterprise: Named | null;
  park: Ref | null;
  region: Ref | null;
  segments: Ref[];
  sources: Citation[];
}

export interface Policy {
  id: string;
  titleZh: string;
  titleEn: string | null;
  instrument: string;
  rate: number | null;
  base: string | null;
  cap: number | null;
  capPeriod: string | null;
  condition: string | null;
  clause: string | null;
  document: { id: string; title: string } | null;
  segments: Ref[];
  regions: Ref[];
  sources: Citation[];
}

export interface Goal extends Named {
  metric: string;
  region: Ref | null;
  park: Ref | null;
  segment: Ref | null;
  baselineYear: number | null;
  baselineValue: number | null;
  targetYear: number;
  comparator: string;
  targetValue: number;
  targetMax: number | null;
  unit: string | null;
  currentYear: number | null;
  currentValue: number | null;
  sources: Citation[];
}

export interface SegmentDetail extends Named {
  gbt: string[];
  hs: string[];
  note: string | null;
  confidence: string;
  sources: Citation[];
}

// ---- Queries -------------------------------------------------------------------------

const CITATION = 'text sourceId locator source { id title publisher date url licence kind }';

export const Q_BOOT = `query Boot {
  dataset { id titleZh titleEn version licence synthetic focusChain { id } focusRegion { id } focusParks { id } }
  chains { id nameZh nameEn }
  regions { id nameZh nameEn level lon lat parent { id } }
  parks { id nameZh nameEn kind lon lat parent { id } regions { id } focusSegments { id } }
}`;

export const Q_CHAIN = `query Chain($id: ID!) {
  chain(id: $id) {
    id nameZh nameEn description
    segments { id nameZh nameEn stage order unit parent { id } children { id } priorities { tag clause { text } } }
    flows { from { id } to { id } coefficient coefficientUnit }
  }
}`;

export const Q_ENTERPRISES = `query Enterprises($filter: EnterpriseFilter, $first: Int, $after: String) {
  enterprises(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id nameZh nameEn lon lat designations
      region { id } park { id }
      operations { segment { id stage chain { id } } capacity capacityUnit }
    }
  }
}`;

export const Q_PROJECTS = `query Projects {
  projects {
    id nameZh nameEn stage capacity capacityUnit investment startYear endYear
    enterprise { id nameZh nameEn } park { id } region { id } segments { id }
    sources { ${CITATION} }
  }
}`;

export const Q_POLICIES = `query Policies {
  policies {
    id titleZh titleEn instrument rate base cap capPeriod condition clause
    document { id title } segments { id } regions { id }
    sources { ${CITATION} }
  }
}`;

export const Q_GOALS = `query Goals {
  goals {
    id nameZh nameEn metric region { id } park { id } segment { id }
    baselineYear baselineValue targetYear comparator targetValue targetMax unit currentYear currentValue
    sources { ${CITATION} }
  }
}`;

export const Q_SEGMENT = `query SegmentDetail($id: ID!) {
  segment(id: $id) { id nameZh nameEn gbt hs note confidence sources { ${CITATION} } }
}`;

export const Q_BOUNDARIES = `query Boundaries($parent: ID!) {
  regions(parent: $parent) { id nameZh nameEn boundaryGeoJson sources { ${CITATION} } }
}`;

export interface EnterpriseFilter {
  region?: string;
  park?: string;
  segment?: string;
  chain?: string;
}

interface EnterprisePage {
  enterprises: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: Enterprise[];
  };
}

/** Every enterprise matching the filter, following the Relay cursor 500 at a time. */
export async function allEnterprises(filter: EnterpriseFilter): Promise<Enterprise[]> {
  const out: Enterprise[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 10000; guard++) {
    const page: EnterprisePage = await gql<EnterprisePage>(Q_ENTERPRISES, { filter, first: 500, after });
    out.push(...page.enterprises.nodes);
    if (!page.enterprises.pageInfo.hasNextPage || !page.enterprises.pageInfo.endCursor) break;
    after = page.enterprises.pageInfo.endCursor;
  }
  return out;
}
