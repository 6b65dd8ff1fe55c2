import { describe, expect, it } from 'vitest';
import { applicablePolicies, columnShares, pipelineRows, statusCounts, textUnits, suggestedSummary, topGaps, weakFacts } from './model';
import type { Policy } from '../api';

const g = (id: string, status: 'MISSING' | 'WEAK' | 'STRONG', score: number, suggested = 0) => ({ segment: { id }, status, score, suggested });

describe('the brief’s figures', () => {
  const segs = [g('A', 'STRONG', 10, 2), g('B', 'WEAK', 75, 1), g('C', 'MISSING', 60), g('D', 'MISSING', 90), g('E', 'WEAK', 99)];
  it('counts segments by status', () => {
    expect(statusCounts(segs)).toEqual({ STRONG: 1, WEAK: 2, MISSING: 2 });
  });
  it('names targets for the API’s top gaps: highest score first, strong links never', () => {
    expect(topGaps(segs, 3).map((x) => x.segment.id)).toEqual(['E', 'D', 'B']);
    expect(topGaps([g('A', 'STRONG', 100)])).toEqual([]);
  });
  it('sums the suggested placements and names their segments', () => {
    expect(suggestedSummary(segs)).toEqual({ segments: ['A', 'B'], enterprises: 3 });
    expect(suggestedSummary([g('A', 'WEAK', 1)])).toEqual({ segments: [], enterprises: 0 });
  });
  it('finds illustrative and unverified facts among those shown', () => {
    const conf = new Map([['p1', 'ILLUSTRATIVE'], ['p2', 'UNVERIFIED'], ['p3', 'SOURCED'], ['p4', 'ILLUSTRATIVE']]);
    expect(weakFacts(conf, ['p1', 'p2', 'p3', 'p5'])).toEqual({ illustrative: ['p1'], unverified: ['p2'] });
  });
  it('lists each applicable policy once, in order of first mention', () => {
    const p = (id: string) => ({ id }) as Policy;
    expect(applicablePolicies([{ policies: [p('x'), p('y')] }, { policies: [p('y'), p('z')] }, { policies: [] }]).map((x) => x.id)).toEqual(['x', 'y', 'z']);
  });
});

describe('DOCX column widths', () => {
  it('counts CJK characters double', () => {
    expect(textUnits('E3 包装')).toBe(7);
  });
  it('gives long columns more room, bounded, summing to 1', () => {
    const shares = columnShares(['#', '环节', '理由'], [['1', '包装用铝', '本地有上游铝板带，但缺少包装用铝且无下游，产业链止步于此（延链）。'.repeat(3)], ['2', '铝箔', '短']]);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(shares[2]).toBeGreaterThan(shares[1]);
    expect(shares[1]).toBeGreaterThan(shares[0]);
    expect(shares[2] / shares[0]).toBeLessThanOrEqual(15); // 60 / 4 at most
    expect(columnShares(['a', 'b'], [])).toEqual([0.5, 0.5]);
  });
});

describe('the pipeline summary', () => {
  it('counts each gap’s leads by stage, in the gaps’ order, leaving out gaps without leads', () => {
    const leads = new Map<string, ('CLUE' | 'SIGNED' | 'ON_HOLD')[]>([['B', ['CLUE', 'SIGNED', 'CLUE']], ['Z', ['ON_HOLD']]]);
    const rows = pipelineRows([{ segment: { id: 'A' } }, { segment: { id: 'B' } }, { segment: { id: 'Z' } }], leads);
    expect(rows.map((r) => r.segment)).toEqual(['B', 'Z']);
    // CLUE CONTACT VISIT NEGOTIATION SIGNED REGISTERED CONSTRUCTION PRODUCTION ON_HOLD TERMINATED
    expect(rows[0].counts).toEqual([2, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(rows[0].total).toBe(3);
    expect(rows[1].counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  });
});
