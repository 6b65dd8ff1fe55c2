import { describe, expect, test } from 'vitest';
import { ACTIVE_STAGES, allowedMoves, chinaToday, formulaFor, LEAD_STAGES, needsApproval, needsReason, stageGroup, STAGE_ZH, stageSummary, today } from './leads';
import { canCreate, canEdit, canManage, type Session } from './session';

// The stage menu must offer exactly the moves chainmap.CheckStageMove accepts (lead.go).
describe('allowedMoves', () => {
  test('from an active stage: any later stage, one back, 搁置, 终止', () => {
    expect(allowedMoves('CLUE')).toEqual(['CONTACT', 'VISIT', 'NEGOTIATION', 'SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION', 'ON_HOLD', 'TERMINATED']);
    expect(allowedMoves('SIGNED')).toEqual(['NEGOTIATION', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION', 'ON_HOLD', 'TERMINATED']);
    expect(allowedMoves('CONSTRUCTION')).toEqual(['REGISTERED', 'PRODUCTION', 'ON_HOLD', 'TERMINATED']);
  });
  test('never two back, never to itself', () => {
    for (const s of ACTIVE_STAGES) {
      const m = allowedMoves(s);
      expect(m).not.toContain(s);
      const i = ACTIVE_STAGES.indexOf(s);
      for (const back of ACTIVE_STAGES.slice(0, Math.max(0, i - 1))) expect(m).not.toContain(back);
    }
  });
  test('投产 and 终止 are final', () => {
    expect(allowedMoves('PRODUCTION')).toEqual([]);
    expect(allowedMoves('TERMINATED')).toEqual([]);
  });
  test('from 搁置: up to the stage it was parked from, or 终止', () => {
    expect(allowedMoves('ON_HOLD', 'VISIT')).toEqual(['CLUE', 'CONTACT', 'VISIT', 'TERMINATED']);
    expect(allowedMoves('ON_HOLD', null)).toEqual([...ACTIVE_STAGES, 'TERMINATED']);
  });
  test('only 搁置 and 终止 need a reason', () => {
    expect(LEAD_STAGES.filter(needsReason)).toEqual(['ON_HOLD', 'TERMINATED']);
  });
  test('today is YYYY-MM-DD', () => {
    expect(today(new Date(2026, 0, 5))).toBe('2026-01-05');
  });
});

// Moves that wait for approval, as chainmap.NeedsApproval (approval.go) decides.
describe('needsApproval', () => {
  test('forward to 签约 or later is a request; earlier stages are direct', () => {
    expect(allowedMoves('NEGOTIATION').filter((to) => needsApproval('NEGOTIATION', null, to))).toEqual(['SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION']);
    expect(allowedMoves('CLUE').filter((to) => needsApproval('CLUE', null, to))).toEqual(['SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION']);
    expect(needsApproval('SIGNED', null, 'REGISTERED')).toBe(true);
  });
  test('a correction back, 搁置 and 终止 are direct', () => {
    expect(needsApproval('REGISTERED', null, 'SIGNED')).toBe(false);
    expect(needsApproval('SIGNED', null, 'ON_HOLD')).toBe(false);
    expect(needsApproval('SIGNED', null, 'TERMINATED')).toBe(false);
  });
  test('resuming from 搁置 up to where it was is direct; beyond it is a request', () => {
    expect(needsApproval('ON_HOLD', 'SIGNED', 'SIGNED')).toBe(false);
    expect(needsApproval('ON_HOLD', 'NEGOTIATION', 'NEGOTIATION')).toBe(false);
    expect(needsApproval('ON_HOLD', 'SIGNED', 'REGISTERED')).toBe(true);
  });
});

describe('role-aware controls (docs/pipeline.md)', () => {
  const s = (name: string, role: Session['role']): Session => ({ name, role, csrfToken: 'x' });
  test('who may create', () => {
    expect(canCreate(null)).toBe(false);
    expect(canCreate(s('a', 'viewer'))).toBe(false);
    expect(canCreate(s('a', 'promoter'))).toBe(true);
    expect(canCreate(s('a', 'manager'))).toBe(true);
  });
  test('promoters edit their own leads only; managers and admins every lead', () => {
    const lead = { owner: 'wang' };
    expect(canEdit(lead, s('wang', 'promoter'))).toBe(true);
    expect(canEdit(lead, s('li', 'promoter'))).toBe(false);
    expect(canEdit(lead, s('wang', 'viewer'))).toBe(false);
    expect(canEdit(lead, s('zhao', 'manager'))).toBe(true);
    expect(canEdit(lead, s('root', 'admin'))).toBe(true);
    expect(canEdit(lead, null)).toBe(false);
  });
  test('reassign and audit: managers and admins', () => {
    expect(canManage(s('wang', 'promoter'))).toBe(false);
    expect(canManage(s('zhao', 'manager'))).toBe(true);
    expect(canManage(s('root', 'admin'))).toBe(true);
  });
});

describe('stageGroup', () => {
  test('finds pipeline.byStage groups by their Chinese key', () => {
    const groups = LEAD_STAGES.map((s, i) => ({ key: STAGE_ZH[s], leads: i }));
    expect(stageGroup(groups, 'SIGNED')?.leads).toBe(4);
    expect(stageGroup(groups, 'TERMINATED')?.key).toBe('终止');
    expect(stageGroup([{ key: 'CLUE', leads: 7 }], 'CLUE')?.leads).toBe(7);
    expect(stageGroup([], 'CLUE')).toBeUndefined();
  });
});

describe('stageSummary', () => {
  test('counts per stage, in stage order, empty stages left out', () => {
    expect(stageSummary(['SIGNED', 'CLUE', 'CLUE', 'TERMINATED'], (s) => STAGE_ZH[s])).toBe('线索 2、签约 1、终止 1');
    expect(stageSummary([], (s) => s)).toBe('');
  });
});

describe('formulaFor', () => {
  const formulas = [
    { name: 'leadsCreated', formula: 'a' },
    { name: 'signed / registered / started / producing', formula: 'b' },
    { name: 'signedToDate', formula: 'c' },
    { name: '履约率 performanceRate', formula: 'd' },
  ];
  test('finds the formula whose name lists the key, whole words only', () => {
    expect(formulaFor(formulas, 'signed')?.formula).toBe('b');
    expect(formulaFor(formulas, 'producing')?.formula).toBe('b');
    expect(formulaFor(formulas, 'signedToDate')?.formula).toBe('c');
    expect(formulaFor(formulas, 'performanceRate')?.formula).toBe('d');
    expect(formulaFor(formulas, 'sign')).toBeUndefined();
  });
});

describe('chinaToday', () => {
  test('is the date at UTC+8', () => {
    expect(chinaToday(Date.UTC(2026, 11, 31, 15, 59))).toBe('2026-12-31');
    expect(chinaToday(Date.UTC(2026, 11, 31, 16, 0))).toBe('2027-01-01');
  });
});
