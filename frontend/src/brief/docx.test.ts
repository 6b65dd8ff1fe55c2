import { describe, expect, it } from 'vitest';
import { xmlSafe } from './docx';

describe('DOCX text', () => {
  it('replaces what XML 1.0 forbids and keeps everything else', () => {
    expect(xmlSafe('郑州 <b>&"\'\t\n')).toBe('郑州 <b>&"\'\t\n');
    expect(xmlSafe('a\u0000b\u0001c\u001Fd\uFFFEe')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    expect(xmlSafe('𠀀 ok')).toBe('𠀀 ok'); // a paired surrogate (CJK Ext. B)
    expect(xmlSafe('x\uD800y\uDC00')).toBe('x\uFFFDy\uFFFD');
  });
});
