// Loads and caches what the views need from the API. Every request is same-origin.

import {
  allEnterprises,
  gql,
  Q_BOOT,
  Q_BOUNDARIES,
  Q_CHAIN,
  Q_GOALS,
  Q_POLICIES,
  Q_PROJECTS,
  Q_SEGMENT,
  type Chain,
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
   * Enterprises of a scope: for a region, the API's region filter (the region and its
   * sub-regions); for a park, those in the park's regions plus those recorded in the
   * park or a park nested in it.
   */
  async scopeEnterprises(scope: Scope, parks: ParkIndex, chain?: string): Promise<Enterprise[]> {
    const base = chain ? { chain } : {};
    if (scope.kind === 'region') return this.enterprises({ ...base, region: scope.id });
    const lists = await Promise.all([
      ...scope.park.regions.map((r) => this.enterprises({ ...base, region: r.id })),
      ...[...parks.subtree(scope.id)].map((p) => this.enterprises({ ...base, park: p })),
    ]);
    const byId = new Map<string, Enterprise>();
    for (const l of lists) for (const e of l) byId.set(e.id, e);
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
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

/** In a scope? (same rule as Store.scopeEnterprises, for records that carry a region/park). */
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
  return !!rec.region && scope.park.regions.some((r) => regions.within(rec.region!.id, r.id));
}
