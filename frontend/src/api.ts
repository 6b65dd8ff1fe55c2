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
  /** Empty, "service" or "rnd" (a research role does not count for presence). */
  role: string | null;
}
export interface Enterprise extends Named {
  lon: number | null;
  lat: number | null;
  region: Ref;
  park: Ref | null;
  designations: string[];
  /** Empty or "active" for an operating enterprise; "planned", "closed", "unknown". */
  status: string | null;
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
  /** Computed from the graph when the goal says how (derive), else the dataset's figure. */
  current: number | null;
  currentValueYear: number | null;
  currentDerived: boolean;
  /** null: unknown. */
  onTrack: boolean | null;
  currentNote: string | null;
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
      id nameZh nameEn lon lat designations status
      region { id } park { id }
      operations { segment { id stage chain { id } } capacity capacityUnit role }
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
    current currentValueYear currentDerived onTrack currentNote
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

/**
 * Page size for enterprise lists. The server's complexity limit (20,000) charges a page
 * `first` × what each node selects: Q_ENTERPRISES costs 25 per node, so 750 a page
 * costs 18,751 (the server allows up to 2,000 for leaner selections). A browser test
 * runs this query at this size, so a heavier selection fails there first.
 */
export const ENTERPRISE_PAGE = 750;

/** Every enterprise matching the filter, following the Relay cursor a page at a time. */
export async function allEnterprises(filter: EnterpriseFilter): Promise<Enterprise[]> {
  const out: Enterprise[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 10000; guard++) {
    const page: EnterprisePage = await gql<EnterprisePage>(Q_ENTERPRISES, { filter, first: ENTERPRISE_PAGE, after });
    out.push(...page.enterprises.nodes);
    if (!page.enterprises.pageInfo.hasNextPage || !page.enterprises.pageInfo.endCursor) break;
    after = page.enterprises.pageInfo.endCursor;
  }
  return out;
}

// ---- Gap analysis (docs/gap-analysis.md) ---------------------------------------------

export type GapStatus = 'MISSING' | 'WEAK' | 'STRONG';
export type GapKind = 'FILL' | 'EXTEND' | 'BUILD' | 'STRENGTHEN' | 'NONE';

/** The API's scope argument: exactly one of region and park. */
export type ScopeInput = { region: string } | { park: string };

export interface ThresholdInput {
  segment?: string;
  minEnterprises?: number;
  minCapacity?: number;
  minLq?: number;
}

export interface ScoreFactor {
  name: string;
  points: number;
  detail: string;
}
export interface NeighbourSegment {
  segment: Ref;
  present: boolean;
  enterprises: number;
}
export interface Balance {
  from: Ref;
  to: Ref;
  supply: number | null;
  demand: number | null;
  unit: string | null;
  net: number | null;
  kind: string | null;
  note: string | null;
}
export interface StageCompleteness {
  stage: Stage;
  present: number;
  total: number;
}
export interface SegmentGap {
  segment: Ref;
  enterprises: number;
  capacity: number | null;
  revenue: number;
  lq: number | null;
  minEnterprises: number;
  minCapacity: number | null;
  minLq: number;
  status: GapStatus;
  kind: GapKind;
  kindZh: string;
  upstream: NeighbourSegment[];
  downstream: NeighbourSegment[];
  balances: Balance[];
  policies: Policy[];
  goals: Named[];
  priorities: { tag: string }[];
  /** Enterprises of the dataset outside the scope operating in the segment (-1: unknown). */
  elsewhere: number;
  score: number;
  factors: ScoreFactor[];
  reasonZh: string;
  reasonEn: string;
}
export interface GapReport {
  present: number;
  total: number;
  completeness: number;
  byStage: StageCompleteness[];
  segments: SegmentGap[];
}

export interface HostPark {
  park: Named & { lon: number | null; lat: number | null; regions: (Ref & { lon: number | null; lat: number | null })[] };
  score: number;
  reasonZh: string;
  reasonEn: string;
}
export interface TargetEnterprise extends Named {
  lon: number | null;
  lat: number | null;
  region: Named;
  designations: string[];
  stockCode: string | null;
}
export interface InvestmentTarget {
  enterprise: TargetEnterprise;
  segment: Ref;
  capacity: number | null;
  linksToScope: number;
  distanceKm: number | null;
  score: number;
  factors: ScoreFactor[];
  reasonZh: string;
  reasonEn: string;
  host: HostPark | null;
}

export type RoadmapGap = Pick<SegmentGap, 'segment' | 'status' | 'kind' | 'kindZh' | 'score' | 'reasonZh' | 'reasonEn' | 'enterprises' | 'elsewhere'>;
export interface Roadmap {
  steps: RoadmapStep[];
  /** Missing links no enterprise in the dataset operates in: nobody to attract yet. */
  dataGaps: RoadmapGap[];
}
export interface RoadmapStep {
  phase: number;
  gap: RoadmapGap;
  targets: InvestmentTarget[];
  host: HostPark | null;
  policies: Policy[];
  goals: Named[];
  after: Ref[];
}

export interface WhatIfInput {
  enterprise?: string;
  name?: string;
  segment: string;
  capacity?: number;
  park?: string;
  region?: string;
}
export interface StatusChange {
  segment: Ref;
  statusBefore: GapStatus;
  statusAfter: GapStatus;
  kindBefore: GapKind;
  kindAfter: GapKind;
  enterprisesBefore: number;
  enterprisesAfter: number;
}
export interface WhatIfReport {
  present: number;
  total: number;
  completeness: number;
  byStage: StageCompleteness[];
  segments: Pick<SegmentGap, 'segment' | 'status' | 'kind' | 'kindZh' | 'enterprises' | 'capacity' | 'score' | 'reasonZh' | 'reasonEn'>[];
}
export interface WhatIfResult {
  before: WhatIfReport;
  after: WhatIfReport;
  changes: StatusChange[];
}

export interface ClusterComposition {
  park: Ref;
  reference: Named | null;
  enterprises: number;
  coverage: number;
  byStage: StageCompleteness[];
  segments: { segment: Ref; enterprises: number; capacity: number | null; lq: number | null }[];
  projects: Project[];
  hostable: { segment: Ref; status: GapStatus; kind: GapKind; kindZh: string; score: number }[];
}

const POLICY_FIELDS = `id titleZh titleEn instrument rate base cap capPeriod condition clause
    document { id title } segments { id } regions { id } sources { ${CITATION} }`;
const HOST = 'host { park { id nameZh nameEn lon lat regions { id lon lat } } score reasonZh reasonEn }';
const TARGET_FIELDS = `enterprise { id nameZh nameEn lon lat region { id nameZh nameEn } designations stockCode }
    segment { id } capacity linksToScope distanceKm score factors { name points detail } reasonZh reasonEn ${HOST}`;

export const Q_GAP = `query Gap($chain: ID!, $scope: ScopeInput!, $thresholds: [ThresholdInput!]) {
  gapAnalysis(chain: $chain, scope: $scope, thresholds: $thresholds, orderBy: CHAIN) {
    present total completeness
    byStage { stage present total }
    segments {
      segment { id }
      enterprises capacity revenue lq minEnterprises minCapacity minLq
      status kind kindZh score reasonZh reasonEn elsewhere
      factors { name points detail }
      upstream { segment { id } present enterprises }
      downstream { segment { id } present enterprises }
      balances { from { id } to { id } supply demand unit net kind note }
      policies { ${POLICY_FIELDS} }
      goals { id nameZh nameEn }
      priorities { tag }
    }
  }
}`;

export const Q_TARGETS = `query Targets($chain: ID!, $scope: ScopeInput!, $segment: ID!, $first: Int) {
  investmentTargets(chain: $chain, scope: $scope, segment: $segment, first: $first) { ${TARGET_FIELDS} }
}`;

const ROADMAP_GAP = 'segment { id } status kind kindZh score reasonZh reasonEn enterprises elsewhere';
export const Q_ROADMAP = `query Roadmap($chain: ID!, $scope: ScopeInput!, $steps: Int, $per: Int) {
  roadmap(chain: $chain, scope: $scope, steps: $steps, targetsPerStep: $per) {
    steps {
      phase
      gap { ${ROADMAP_GAP} }
      targets { ${TARGET_FIELDS} }
      ${HOST}
      policies { ${POLICY_FIELDS} }
      goals { id nameZh nameEn }
      after { id }
    }
    dataGaps { ${ROADMAP_GAP} }
  }
}`;

const WHATIF_REPORT = `present total completeness byStage { stage present total }
    segments { segment { id } status kind kindZh enterprises capacity score reasonZh reasonEn }`;
export const Q_WHATIF = `query WhatIf($chain: ID!, $scope: ScopeInput!, $add: [WhatIfInput!], $remove: [WhatIfInput!]) {
  whatIf(chain: $chain, scope: $scope, add: $add, remove: $remove) {
    before { ${WHATIF_REPORT} }
    after { ${WHATIF_REPORT} }
    changes { segment { id } statusBefore statusAfter kindBefore kindAfter enterprisesBefore enterprisesAfter }
  }
}`;

export const Q_CLUSTER = `query Cluster($park: ID!, $chain: ID) {
  clusterComposition(park: $park, chain: $chain) {
    park { id }
    reference { id nameZh nameEn }
    enterprises coverage
    byStage { stage present total }
    segments { segment { id } enterprises capacity lq }
    projects {
      id nameZh nameEn stage capacity capacityUnit investment startYear endYear
      enterprise { id nameZh nameEn } park { id } region { id } segments { id }
      sources { ${CITATION} }
    }
    hostable { segment { id } status kind kindZh score }
  }
}`;
