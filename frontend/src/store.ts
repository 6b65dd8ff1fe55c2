// Loads and caches what the views need from the API. Every request is same-origin.

import {
  allEnterprises,
  allPlacements,
  type Placement,
  gql,
  type Dataset,
  type Enterprise,
  type EnterpriseFilter,
  type Goal,
  type ClusterComposition,
  type GapReport,
  type InvestmentTarget,
  type Named,
  type Policy,
  type Project,
  type Region,
  type RegionBoundary,
  type Park,
  type Roadmap,
  type ScopeInput,
  type SegmentDetail,
  type ThresholdInput,
  type WhatIfInput,
  type WhatIfResult,
} from './api';
import {
  BootDocument,
  BriefFactsDocument,
  type BriefFactsQuery,
  BoundariesDocument,
  ChainDocument,
  ClusterDocument,
  EnterpriseNameDocument,
  GapDocument,
  GoalsDocument,
  PoliciesDocument,
  ProjectsDocument,
  RoadmapDocument,
  ScopeCoverageDocument,
  SegmentDetailDocument,
  TargetsDocument,
  WhatIfDocument,
} from './graphql/generated';
import { ParkIndex, RegionIndex, SegmentIndex } from './model';

export interface Boot {
  dataset: Dataset;
  chains: Named[];
  regions: RegionIndex;
  parks: ParkIndex;
}

/** What a view is scoped to: a region subtree, or a park (its regions and nested parks). */
export type Scope = { kind: 'region'; id: string; region: Region } | { kind: 'park'; id: string; park: Park };

/** What a scope covers (the API's `scopeCoverage`): ids of the parks and regions inside it. */
export interface Coverage {
  parks: Set<string>;
  regions: Set<string>;
}

export interface ChinaGeoJson {
  type: string;
  features: { id?: string; properties: { name: string; cp?: [number, number] } }[];
  UTF8Encoding?: boolean;
}

export class Store {
  private cache = new Map<string, Promise<unknown>>();

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key)); // let a retry load again
    }
    return p;
  }

  /** Forgets every answer but the boot one, after the dataset changed (an import applied). */
  clear(): void {
    for (const k of [...this.cache.keys()]) if (k !== 'boot') this.cache.delete(k);
  }

  boot(): Promise<Boot> {
    return this.once('boot', async () => {
      const d = await gql(BootDocument, {});
      return { dataset: d.dataset, chains: d.chains, regions: new RegionIndex(d.regions), parks: new ParkIndex(d.parks) };
    });
  }

  chain(id: string): Promise<SegmentIndex> {
    return this.once(`chain:${id}`, async () => {
      const d = await gql(ChainDocument, { id });
      if (!d.chain) throw new Error(`chain ${id} not found`);
      return new SegmentIndex(d.chain);
    });
  }

  enterprises(filter: EnterpriseFilter): Promise<Enterprise[]> {
    return this.once(`ent:${JSON.stringify(filter)}`, () => allEnterprises(filter));
  }

  /**
   * Enterprises of a scope, as the API defines it: for a region, the region and its
   * sub-regions; for a park, those recorded in the park or a park inside it and, for a
   * zone or cluster, every enterprise located in the regions it spans (the park filter
   * and the gap analysis use the same rule).
   */
  scopeEnterprises(scope: Scope, chain?: string): Promise<Enterprise[]> {
    const base = chain ? { chain } : {};
    return this.enterprises(scope.kind === 'region' ? { ...base, region: scope.id } : { ...base, park: scope.id });
  }

  /**
   * What a scope covers, as the API defines it (`scopeCoverage`, the server's one rule of
   * scope membership): the parks and regions whose records are inside it.
   */
  coverage(scope: Scope): Promise<Coverage> {
    const input = scopeInput(scope);
    return this.once(`cov:${JSON.stringify(input)}`, async () => {
      const c = (await gql(ScopeCoverageDocument, { scope: input })).scopeCoverage;
      return { parks: new Set(c.parks), regions: new Set(c.regions) };
    });
  }

  /**
   * The gap analysis of a chain in a scope (segments in chain order); verifiedOnly leaves
   * out enterprises placed in a segment by suggested placements alone.
   */
  gap(chain: string, scope: Scope, thresholds?: ThresholdInput[], verifiedOnly = false): Promise<GapReport> {
    const vars = { chain, scope: scopeInput(scope), thresholds: thresholds?.length ? thresholds : null, verifiedOnly };
    return this.once(`gap:${JSON.stringify(vars)}`, async () => (await gql(GapDocument, vars)).gapAnalysis);
  }

  /**
   * The placements (operations, with evidence and verification) of the scope's enterprises
   * in a segment's subtree, by enterprise id.
   */
  placements(scope: Scope, chain: string, segment: string): Promise<Map<string, Placement[]>> {
    const filter: EnterpriseFilter = scope.kind === 'region' ? { chain, segment, region: scope.id } : { chain, segment, park: scope.id };
    return this.once(`plc:${JSON.stringify(filter)}`, async () => new Map((await allPlacements(filter)).map((e) => [e.id, e.operations])));
  }

  targets(chain: string, scope: Scope, segment: string, first = 10): Promise<InvestmentTarget[]> {
    const vars = { chain, scope: scopeInput(scope), segment, first };
    return this.once(`tgt:${JSON.stringify(vars)}`, async () => (await gql(TargetsDocument, vars)).investmentTargets);
  }

  roadmap(chain: string, scope: Scope, steps = 12, per = 3): Promise<Roadmap> {
    const vars = { chain, scope: scopeInput(scope), steps, per };
    return this.once(`rm:${JSON.stringify(vars)}`, async () => (await gql(RoadmapDocument, vars)).roadmap);
  }

  whatIf(chain: string, scope: Scope, add: WhatIfInput[], remove: WhatIfInput[] = []): Promise<WhatIfResult> {
    const vars = { chain, scope: scopeInput(scope), add, remove };
    return this.once(`wi:${JSON.stringify(vars)}`, async () => (await gql(WhatIfDocument, vars)).whatIf);
  }

  /** An enterprise's names (what-if additions restored from a URL). */
  enterpriseName(id: string): Promise<Named | null> {
    return this.once(`name:${id}`, async () => (await gql(EnterpriseNameDocument, { id })).enterprise);
  }

  cluster(park: string, chain: string): Promise<ClusterComposition> {
    return this.once(`cl:${park}:${chain}`, async () => (await gql(ClusterDocument, { park, chain })).clusterComposition);
  }

  /** The brief's extra facts: confidence of segments, policies and goals; segment sources. */
  briefFacts(chain: string): Promise<BriefFactsQuery> {
    return this.once(`facts:${chain}`, () => gql(BriefFactsDocument, { chain }));
  }

  projects(): Promise<Project[]> {
    return this.once('projects', async () => (await gql(ProjectsDocument, {})).projects);
  }

  policies(): Promise<Policy[]> {
    return this.once('policies', async () => (await gql(PoliciesDocument, {})).policies);
  }

  goals(): Promise<Goal[]> {
    return this.once('goals', async () => (await gql(GoalsDocument, {})).goals);
  }

  segment(id: string): Promise<SegmentDetail | null> {
    return this.once(`seg:${id}`, async () => (await gql(SegmentDetailDocument, { id })).segment);
  }

  boundaries(parent: string): Promise<RegionBoundary[]> {
    return this.once(`bnd:${parent}`, async () => (await gql(BoundariesDocument, { parent })).regions);
  }

  /** The China province map bundled from echarts@4.9.0 (dist/maps/china.json). */
  chinaMap(): Promise<ChinaGeoJson> {
    return this.once('china', async () => {
      const res = await fetch('/maps/china.json');
      if (!res.ok) throw new Error(`maps/china.json: HTTP ${res.status}`);
      return (await res.json()) as ChinaGeoJson;
    });
  }
}

export function scopeInput(scope: Scope): ScopeInput {
  return scope.kind === 'region' ? { region: scope.id } : { park: scope.id };
}

/**
 * In a scope? For records that carry a region and/or a park, such as projects: inside
 * when the scope covers its park or its region (Store.coverage); a record with only a
 * park is placed in the park's regions, as the API places one (Places.ContainsPlace).
 */
export function inScope(
  cov: Coverage,
  rec: { region?: { id: string } | null; park?: { id: string } | null },
  parks: ParkIndex,
): boolean {
  if (rec.park && cov.parks.has(rec.park.id)) return true;
  if (rec.region) return cov.regions.has(rec.region.id);
  return !!rec.park && (parks.get(rec.park.id)?.regions ?? []).some((r) => cov.regions.has(r.id));
}

/**
 * Parks where an addition can go: inside the scope (the API refuses others), as the API's
 * scopeCoverage says: a covered park, or a park lying wholly in covered regions.
 */
export function parksInScope(cov: Coverage, boot: Pick<Boot, 'dataset' | 'parks'>): Park[] {
  const { parks, dataset } = boot;
  const list = parks.parks.filter((p) => cov.parks.has(p.id) || (p.regions.length > 0 && p.regions.every((r) => cov.regions.has(r.id))));
  const focus = dataset.focusParks.map((p) => p.id);
  const rank = (p: Park) => (focus.includes(p.id) ? focus.indexOf(p.id) : focus.length);
  return list.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}
