import { describe, expect, it } from 'vitest';
import { evidenceLines, isSuggested, suggestedOnly, suggestedShare } from './verification';

const op = (id: string, verification?: string | null, evidence?: string) => ({ segment: { id }, verification, evidence });

describe('suggested placements', () => {
  const sub = new Set(['M1', 'M1a']);
  it('only "suggested" is unreviewed', () => {
    expect(isSuggested(op('M1', 'suggested'))).toBe(true);
    expect(isSuggested(op('M1', 'verified'))).toBe(false);
    expect(isSuggested(op('M1', null))).toBe(false);
    expect(isSuggested(op('M1', undefined))).toBe(false);
  });
  it('an enterprise rests on suggestions when every placement in the subtree is suggested', () => {
    expect(suggestedOnly([op('M1', 'suggested'), op('M1a', 'suggested')], sub)).toBe(true);
    // one verified placement in the subtree is enough to count it as verified
    expect(suggestedOnly([op('M1', 'suggested'), op('M1a', 'verified')], sub)).toBe(false);
    expect(suggestedOnly([op('M1', 'suggested'), op('M1a', null)], sub)).toBe(false);
    // a verified placement outside the subtree does not help
    expect(suggestedOnly([op('M1', 'suggested'), op('U4', 'verified')], sub)).toBe(true);
    // no placement in the subtree: not "suggested only"
    expect(suggestedOnly([op('U4', 'suggested')], sub)).toBe(false);
    expect(suggestedOnly([], sub)).toBe(false);
  });
  it('evidence lines name the segment and mark suggested placements', () => {
    expect(evidenceLines([op('M1', 'suggested', ' reference inference '), op('M1a', 'verified'), op('U4', null, 'x')], sub, '待核实')).toEqual([
      'M1 [待核实]: reference inference',
      'M1a: —',
    ]);
  });
  it('the share says suggested when counted, left out under verifiedOnly', () => {
    expect(suggestedShare({ enterprises: 11, suggested: 2 }, false)).toEqual({ counted: 11, suggested: 2, leftOut: 0 });
    expect(suggestedShare({ enterprises: 9, suggested: 2 }, true)).toEqual({ counted: 9, suggested: 0, leftOut: 2 });
  });
});
