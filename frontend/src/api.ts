// GraphQL client for chainmap's /graphql (same origin; the dev server proxies it).

import {
  EnterprisesDocument,
  type BootQuery,
  type BoundariesQuery,
  type ChainQuery,
  type CitationFieldsFragment,
  type ClusterQuery,
  type EnterpriseFilter,
  type EnterprisesQuery,
  type PlacementsQuery,
  PlacementsDocument,
  type GapQuery,
  type GoalsQuery,
  type HostFieldsFragment,
  type PolicyFieldsFragment,
  type ProjectFieldsFragment,
  type RoadmapGapFieldsFragment,
  type RoadmapQuery,
  type ScopeCoverageQuery,
  type SegmentDetailQuery,
  type Stage,
  type TargetFieldsFragment,
  type TypedDocumentString,
  type WhatIfQuery,
  type WhatIfReportFieldsFragment,
} from './graphql/generated';
import { CSRF_HEADER, csrfToken, refreshSession, session } from './session';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    /** The error's extensions (e.g. currentVersion on a CONFLICT). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A GraphQL response as the spec shapes it; data has the type the document selects. */
interface Response<R> {
  data?: R | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

/**
 * Sends one of the generated documents (src/graphql/generated.ts) with its variables and
 * returns its data. The document's result type R is trusted here, and only here: the
 * build checked the document against the schema the server serves, and the server
 * validates it again and answers in its shape or with errors.
 */
export async function gql<R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R> {
  try {
    return await gqlOnce(document, variables, signal);
  } catch (err) {
    // The session was replaced (a login in another tab) or ended: learn the current
    // token and send once more; a second refusal is reported.
    if (err instanceof ApiError && err.code === 'CSRF_TOKEN_INVALID') {
      await refreshSession();
      return gqlOnce(document, variables, signal);
    }
    // The page thought it was logged in but the server says not (the session expired or
    // the server restarted): learn that, so the header and views ask to log in again.
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED' && session()) void refreshSession();
    throw err;
  }
}

async function gqlOnce<R, V>(document: TypedDocumentString<R, V>, variables: V, signal?: AbortSignal): Promise<R> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  // Every POST with the session cookie must carry the CSRF token (server/session.go).
  const csrf = csrfToken();
  if (csrf) headers[CSRF_HEADER] = csrf;
  const res = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: document.toString(), variables }),
    signal,
    credentials: 'same-origin',
  });
  let body: Response<R>;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`GraphQL: HTTP ${res.status}`);
  }
  if (typeof body !== 'object' || body === null) throw new ApiError(`GraphQL: HTTP ${res.status}: not a GraphQL response`);
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new ApiError(e.message, e.extensions?.code, e.extensions ?? {});
  }
  if (!res.ok || !body.data) throw new ApiError(`GraphQL: HTTP ${res.status}`);
  return body.data;
}

// ---- Types of what the queries return ------------------------------------------------
// Every document is in src/graphql/operations.graphql; scripts/codegen.mjs checks it
// against ../schema/*.graphqls and generates its result and variable types
// (src/graphql/generated.ts). The names below are the views' names for parts of them.

export type {
  EnterpriseFilter,
  GapKind,
  GapStatus,
  ScopeInput,
  Stage,
  ThresholdInput,
  WhatIfInput,
} from './graphql/generated';

/** Anything with an id. */
export interface Ref {
  id: string;
}
/** Anything with an id and names (a chain, region, park, enterprise, goal…). */
export interface Named extends Ref {
  nameZh: string;
  nameEn?: string | null;
}

/** Every stage, in chain order. */
export const STAGES = ['UPSTREAM', 'MIDSTREAM', 'DOWNSTREAM', 'END_PRODUCT', 'SERVICE'] as const satisfies readonly Stage[];
/** Compiles only while STAGES lists every stage of the schema. */
export const STAGES_COMPLETE: [Exclude<Stage, (typeof STAGES)[number]>] extends [never] ? true : never = true;

export type Dataset = BootQuery['dataset'];
export type Region = BootQuery['regions'][number];
export type Park = BootQuery['parks'][number];
export type Chain = NonNullable<ChainQuery['chain']>;
export type Segment = Chain['segments'][number];
export type Flow = Chain['flows'][number];
export type Enterprise = EnterprisesQuery['enterprises']['nodes'][number];
export type Operation = Enterprise['operations'][number];
/** An operation with why it was made (evidence) and whether it is verified or suggested. */
export type Placement = PlacementsQuery['enterprises']['nodes'][number]['operations'][number];
export type Citation = CitationFieldsFragment;
export type SourceInfo = NonNullable<Citation['source']>;
export type Project = ProjectFieldsFragment;
export type Policy = PolicyFieldsFragment;
export type Goal = GoalsQuery['goals'][number];
export type SegmentDetail = NonNullable<SegmentDetailQuery['segment']>;
export type RegionBoundary = BoundariesQuery['regions'][number];

export type ScopeCoverage = ScopeCoverageQuery['scopeCoverage'];
export type GapReport = GapQuery['gapAnalysis'];
export type SegmentGap = GapReport['segments'][number];
export type StageCompleteness = GapReport['byStage'][number];
export type ScoreFactor = SegmentGap['factors'][number];
export type NeighbourSegment = SegmentGap['upstream'][number];
export type Balance = SegmentGap['balances'][number];
export type HostPark = HostFieldsFragment;
export type InvestmentTarget = TargetFieldsFragment;
export type TargetEnterprise = InvestmentTarget['enterprise'];
export type RoadmapGap = RoadmapGapFieldsFragment;
export type Roadmap = RoadmapQuery['roadmap'];
export type RoadmapStep = Roadmap['steps'][number];
export type WhatIfResult = WhatIfQuery['whatIf'];
export type WhatIfReport = WhatIfReportFieldsFragment;
export type StatusChange = WhatIfResult['changes'][number];
export type ClusterComposition = ClusterQuery['clusterComposition'];

/**
 * Page size for enterprise lists. The server's complexity limit (20,000) charges a page
 * `first` × what each node selects: the Enterprises query costs 25 per node, so 750 a page
 * costs 18,751 (the server allows up to 2,000 for leaner selections). A browser test
 * runs this query at this size, so a heavier selection fails there first.
 */
export const ENTERPRISE_PAGE = 750;

/** Every enterprise matching the filter, following the Relay cursor a page at a time. */
export async function allEnterprises(filter: EnterpriseFilter): Promise<Enterprise[]> {
  const out: Enterprise[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 10000; guard++) {
    const { enterprises }: EnterprisesQuery = await gql(EnterprisesDocument, { filter, first: ENTERPRISE_PAGE, after });
    out.push(...enterprises.nodes);
    if (!enterprises.pageInfo.hasNextPage || !enterprises.pageInfo.endCursor) break;
    after = enterprises.pageInfo.endCursor;
  }
  return out;
}

/** Every enterprise matching the filter with its placements' evidence and verification. */
export async function allPlacements(filter: EnterpriseFilter): Promise<PlacementsQuery['enterprises']['nodes']> {
  const out: PlacementsQuery['enterprises']['nodes'] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 10000; guard++) {
    const { enterprises }: PlacementsQuery = await gql(PlacementsDocument, { filter, first: ENTERPRISE_PAGE, after });
    out.push(...enterprises.nodes);
    if (!enterprises.pageInfo.hasNextPage || !enterprises.pageInfo.endCursor) break;
    after = enterprises.pageInfo.endCursor;
  }
  return out;
}
