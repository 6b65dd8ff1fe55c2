// A small zip reader for the tests (DOCX and XLSX are zips): the central directory, then
// each entry stored or deflated (node:zlib). Refuses what it does not understand.

import { inflateRawSync } from 'node:zlib';

/** The entries of a zip as name -> bytes. */
export function unzip(buf) {
  const b = Buffer.from(buf);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('zip: no end of central directory');
  const count = b.readUInt16LE(eocd + 10);
  let p = b.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    if (b.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip: bad central directory entry ${n}`);
    const method = b.readUInt16LE(p + 10);
    const csize = b.readUInt32LE(p + 20);
    const size = b.readUInt32LE(p + 24);
    const nameLen = b.readUInt16LE(p + 28);
    const extraLen = b.readUInt16LE(p + 30);
    const commentLen = b.readUInt16LE(p + 32);
    const local = b.readUInt32LE(p + 42);
    const name = b.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (b.readUInt32LE(local) !== 0x04034b50) throw new Error(`zip: bad local header for ${name}`);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const raw = b.subarray(start, start + csize);
    let data;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new Error(`zip: ${name}: method ${method}`);
    if (data.length !== size) throw new Error(`zip: ${name}: ${data.length} bytes, expected ${size}`);
    out.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

const unescapeXml = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/**
 * The first sheet of an XLSX as rows of cells (strings, numbers, or null where a row has no
 * cell): shared strings, inline strings and numbers only; a formula cell is refused, since
 * the exports write none.
 */
export function xlsxRows(buf) {
  const parts = unzip(buf);
  const sheet = parts.get('xl/worksheets/sheet1.xml');
  if (!sheet) throw new Error('xlsx: no xl/worksheets/sheet1.xml');
  const shared = [...(parts.get('xl/sharedStrings.xml')?.toString('utf8') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)]
    .map((m) => [...m[1].matchAll(/<t(?: [^>]*)?>([\s\S]*?)<\/t>/g)].map((t) => unescapeXml(t[1])).join(''));
  const col = (ref) => [...ref.replace(/\d+$/, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const rows = [];
  for (const [, body] of sheet.toString('utf8').matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const row = [];
    for (const [, attrs, inner = ''] of body.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const i = col(/\br="([A-Z]+\d+)"/.exec(attrs)[1]);
      while (row.length < i) row.push(null);
      if (/<f[\s>]/.test(inner)) throw new Error(`xlsx: a formula in ${attrs}`);
      const type = /\bt="(\w+)"/.exec(attrs)?.[1];
      const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
      if (type === 's') row.push(shared[Number(v)]);
      else if (type === 'inlineStr') row.push(unescapeXml(/<t(?: [^>]*)?>([\s\S]*?)<\/t>/.exec(inner)?.[1] ?? ''));
      else if (type === 'str') row.push(v === undefined ? null : unescapeXml(v));
      else if (type === 'b') row.push(v === '1');
      else row.push(v === undefined ? null : Number(v));
    }
    rows.push(row);
  }
  return rows;
}
