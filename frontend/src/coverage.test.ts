// What-if's park list (parksInScope) follows the API's scopeCoverage (vitest, node environment).
import { describe, expect, it } from 'vitest';
import { ParkIndex } from './model';
import type { Dataset, Park } from './api';
import { parksInScope, type Coverage } from './store';

const park = (id: string, regions: string[], parent: string | null = null): Park => ({
  id, nameZh: id, nameEn: null, kind: 'park', lon: null, lat: null, parent: parent ? { id: parent } : null, regions: regions.map((r) => ({ id: r })), focusSegments: [],
});

describe('parksInScope', () => {
  const parks = [park('zone', ['410181']), park('inner', ['410181'], 'zone'), park('span', ['410181', '410182']), park('far', ['410300']), park('nowhere', [])];
  const dataset: Dataset = {
    id: 'd', titleZh: null, titleEn: null, version: null, licence: null, synthetic: true, focusChain: null, focusRegion: null, focusParks: [{ id: 'span' }],
  };
  const boot = { dataset, parks: new ParkIndex(parks) };
  const cov = (p: string[], r: string[]): Coverage => ({ parks: new Set(p), regions: new Set(r) });
  const ids = (c: Coverage) => parksInScope(c, boot).map((p) => p.id);
  it('lists covered parks and parks lying wholly in covered regions, focus parks first', () => {
    expect(ids(cov([], ['410181', '410182']))).toEqual(['span', 'inner', 'zone']);
    expect(ids(cov([], ['410181']))).toEqual(['inner', 'zone']);
    expect(ids(cov(['zone', 'inner'], []))).toEqual(['inner', 'zone']);
    expect(ids(cov(['far'], ['410181']))).toEqual(['far', 'inner', 'zone']);
    expect(ids(cov([], []))).toEqual([]);
  });
});
