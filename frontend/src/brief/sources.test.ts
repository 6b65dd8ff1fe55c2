import { describe, expect, it } from 'vitest';
import { SourceRegistry } from './sources';

const seed = { id: 'SEED', title: '郑州市铝工业发展规划', publisher: '郑州市人民政府', date: '2019', url: null, licence: null };

describe('the appendix of sources', () => {
  it('numbers sources in the order first cited and keeps every clause cited', () => {
    const r = new SourceRegistry();
    expect(r.add('dataset', '郑州铝工业产业链 2026.11')).toBe(1);
    expect(r.cite({ text: 'SEED#二(四)2', sourceId: 'SEED', locator: '二(四)2', source: seed })).toBe('[2: 二(四)2]');
    expect(r.cite({ text: 'GBT', sourceId: 'GBT', locator: '', source: { id: 'GBT', title: 'GB/T 4754-2017' } })).toBe('[3]');
    expect(r.cite({ text: 'SEED#三(一)', sourceId: 'SEED', locator: '三(一)', source: seed })).toBe('[2: 三(一)]');
    expect(r.citeAll([
      { text: 'SEED#三(一)', sourceId: 'SEED', locator: '三(一)', source: seed },
      { text: 'SEED#三(一)', sourceId: 'SEED', locator: '三(一)', source: seed },
      { text: 'GBT', sourceId: 'GBT', locator: '', source: null },
    ])).toBe('[2: 三(一)][3]');
    const e = r.entries();
    expect(e.map((x) => [x.n, x.id])).toEqual([[1, 'dataset'], [2, 'SEED'], [3, 'GBT']]);
    expect(e[1].locators).toEqual(['二(四)2', '三(一)']);
    expect(e[1].publisher).toBe('郑州市人民政府');
    expect(r.add('dataset', 'again')).toBe(1);
  });
  it('a source missing from the dataset is listed under its citation text', () => {
    const r = new SourceRegistry();
    expect(r.cite({ text: 'ZZRB-0411 p.3', sourceId: 'ZZRB-0411', locator: 'p.3', source: null })).toBe('[1: p.3]');
    expect(r.entries()[0].title).toBe('ZZRB-0411 p.3');
  });
  it('bounds what a dataset can put in: long fields clipped, locators capped', () => {
    const r = new SourceRegistry();
    for (let i = 0; i < 100; i++) r.cite({ text: 'x', sourceId: 'S', locator: `p.${i}`, source: { id: 'S', title: 'T'.repeat(5000) } });
    const [e] = r.entries();
    expect(e.title.length).toBe(400);
    expect(e.locators.length).toBe(40);
  });
});
