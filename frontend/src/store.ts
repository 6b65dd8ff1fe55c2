// Loads and caches what the views need from the API. Every request is same-origin.

import {
  allEnterprises,
  gql,
  Q_BOOT,
  Q_BOUNDARIES,
  Q_CHAIN,
  Q_CLUSTER,
  Q_GAP,
  Q_GOALS,
  Q_POLICIES,
  Q_PROJECTS,
  Q_ROADMAP,
  Q_SEGMENT,
  Q_TARGETS,
  Q_WHATIF,
  type Chain,
  type ClusterComposition,
  type GapReport,
  type InvestmentTarget,
  type Roadmap,
  type ScopeInput,
  type ThresholdInput,
  type WhatIfInput,
  type WhatIfResult,
  type Dataset,
  type Enterprise,
  type EnterpriseFilter,
  type Goal,
  type Named,
  type Park,
  type Policy,
  type Project,
  type Region,
  type RegionBoundary,
  type SegmentDetail,
} from './api';
import { ParkIndex, RegionIndex, SegmentIndex } from './model';

export interface Boot {
  dataset: Dataset;
  chains: Named[];
  regions: RegionIndex;
  parks: ParkIndex;
}

/** What a view is scoped to: a region subtree, or a park (its regions and nested parks). */
export type Scope = { kind: 'region'; id: string; region: Region } | { kind: 'park'; id: string; park: Park };

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

  boot(): Promise<Boot> {
    return this.once('boot', async () => {
      const d = await gql<{ dataset: Dataset; chains: Named[]; regions: Region[]; parks: Park[] }>(Q_BOOT);
      return { dataset: d.dataset, chains: d.chains, regions: new RegionIndex(d.regions), parks: new ParkIndex(d.parks) };
    });
  }

  chain(id: string): Promise<SegmentIndex> {
    return this.once(`chain:${id}`, async () => {
      const d = await gql<{ chain: Chain | null }>(Q_CHAIN, { id });
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

  /** The gap analysis of a chain in a scope (segments in chain order). */
  gap(chain: string, scope: Scope, thresholds?: ThresholdInput[]): Promise<GapReport> {
    const vars = { chain, scope: scopeInput(scope), thresholds: thresholds?.length ? thresholds : null };
    return this.once(`gap:${JSON.stringify(vars)}`, async () => (await gql<{ gapAnalysis: GapReport }>(Q_GAP, vars)).gapAnalysis);
  }

  targets(chain: string, scope: Scope, segment: string, first = 10): Promise<InvestmentTarget[]> {
    const vars = { chain, scope: scopeInput(scope), segment, first };
    return this.once(`tgt:${JSON.stringify(vars)}`, async () => (await gql<{ investmentTargets: InvestmentTarget[] }>(Q_TARGETS, vars)).investmentTargets);
  }

  roadmap(chain: string, scope: Scope, steps = 12, per = 3): Promise<Roadmap> {
    const vars = { chain, scope: scopeInput(scope), steps, per };
    return this.once(`rm:${JSON.stringify(vars)}`, async () => (await gql<{ roadmap: Roadmap }>(Q_ROADMAP, vars)).roadmap);
  }

  whatIf(chain: string, scope: Scope, add: WhatIfInput[], remove: WhatIfInput[] = []): Promise<WhatIfResult> {
    const vars = { chain, scope: scopeInput(scope), add, remove };
    return this.once(`wi:${JSON.stringify(vars)}`, async () => (await gql<{ whatIf: WhatIfResult }>(Q_WHATIF, vars)).whatIf);
  }

  /** An enterprise's names (what-if additions restored from a URL). */
  enterpriseName(id: string): Promise<Named | null> {
    return this.once(`name:${id}`, async () => (await gql<{ enterprise: Named | null }>('query Name($id: ID!) { enterprise(id: $id) { id nameZh nameEn } }', { id })).enterprise);
  }

  cluster(park: string, chain: string): Promise<ClusterComposition> {
    return this.once(`cl:${park}:${chain}`, async () => (await gql<{ clusterComposition: ClusterComposition }>(Q_CLUSTER, { park, chain })).clusterComposition);
  }

  projects(): Promise<Project[]> {
    return this.once('projects', async () => (await gql<{ projects: Project[] }>(Q_PROJECTS)).projects);
  }

  policies(): Promise<Policy[]> {
    return this.once('policies', async () => (await gql<{ policies: Policy[] }>(Q_POLICIES)).policies);
  }

  goals(): Promise<Goal[]> {
    return this.once('goals', async () => (await gql<{ goals: Goal[] }>(Q_GOALS)).goals);
  }

  segment(id: string): Promise<SegmentDetail | null> {
    return this.once(`seg:${id}`, async () => (await gql<{ segment: SegmentDetail | null }>(Q_SEGMENT, { id })).segment);
  }

  boundaries(parent: string): Promise<RegionBoundary[]> {
    return this.once(`bnd:${parent}`, async () => (await gql<{ regions: RegionBoundary[] }>(Q_BOUNDARIES, { parent })).regions);
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

/** Park kinds whose scope also holds everything located in the regions they span. */
export const AREA_PARK_KINDS = ['zone', 'cluster'];

/**
 * In a scope? The API's rule (see Store.scopeEnterprises), for records that carry a
 * region and/or a park, such as projects.
 */
export function inScope(
  scope: Scope,
  rec: { region?: { id: string } | null; park?: { id: string } | null },
  regions: RegionIndex,
  parks: ParkIndex,
): boolean {
  if (scope.kind === 'region') {
    if (rec.region && regions.within(rec.region.id, scope.id)) return true;
    // A record with only a park counts when the park lies in the region.
    if (!rec.region && rec.park) {
      return (parks.get(rec.park.id)?.regions ?? []).some((r) => regions.within(r.id, scope.id));
    }
    return false;
  }
  if (rec.park && parks.subtree(scope.id).has(rec.park.id)) return true;
  if (!AREA_PARK_KINDS.includes(scope.park.kind)) return false;
  return !!rec.region && scope.park.regions.some((r) => regions.within(rec.region!.id, r.id));
}
