// Small PNGs for the README screenshots, in plain Node (zlib only; no image tools needed):
// Chromium writes screenshots fast, not small. compressPng reduces an 8-bit RGB(A)
// screenshot to a 256-colour palette (median cut over the colour histogram, weighted by
// pixel count; each colour maps to its nearest palette entry, no dithering, so flat UI
// colours and text stay crisp) and deflates at level 9. Screenshots with at most 256
// colours keep every pixel exact. Anything else (interlaced, 16-bit, already a palette) is
// returned as it was, as is any result that would not be smaller.

import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG into plain pixel rows, or null. */
export function decodePng(buf) {
  if (!buf.subarray(0, 8).equals(SIGNATURE)) return null;
  let off = 8;
  let ihdr = null;
  const idat = [];
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    off += 12 + len;
    if (type === 'IHDR') ihdr = data;
    else if (type === 'IDAT') idat.push(data);
  }
  if (!ihdr || ihdr[8] !== 8 || (ihdr[9] !== 2 && ihdr[9] !== 6) || ihdr[12] !== 0) return null;
  const w = ihdr.readUInt32BE(0);
  const h = ihdr.readUInt32BE(4);
  const bpp = ihdr[9] === 6 ? 4 : 3;
  const stride = w * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== h * (stride + 1)) return null;
  const px = Buffer.alloc(h * stride);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[row + x - bpp] : 0;
      const b = y ? px[prev + x] : 0;
      const c = y && x >= bpp ? px[prev + x - bpp] : 0;
      let v = raw[src + x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) v += paeth(a, b, c);
      px[row + x] = v & 255;
    }
  }
  return { w, h, bpp, px };
}

/** A 256-entry palette by median cut over a histogram (Map rgb -> count). */
function medianCut(hist, size) {
  let boxes = [[...hist.entries()].map(([k, n]) => [k >> 16, (k >> 8) & 255, k & 255, n])];
  const stats = (box) => {
    let pop = 0;
    const lo = [255, 255, 255];
    const hi = [0, 0, 0];
    for (const c of box) {
      pop += c[3];
      for (let i = 0; i < 3; i++) {
        if (c[i] < lo[i]) lo[i] = c[i];
        if (c[i] > hi[i]) hi[i] = c[i];
      }
    }
    const ranges = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
    const ch = ranges.indexOf(Math.max(...ranges));
    return { pop, ch, score: ranges[ch] * Math.sqrt(pop) };
  };
  let info = boxes.map(stats);
  while (boxes.length < size) {
    let bi = -1;
    for (let i = 0; i < boxes.length; i++) if (boxes[i].length > 1 && (bi < 0 || info[i].score > info[bi].score)) bi = i;
    if (bi < 0 || info[bi].score === 0) break;
    const { ch, pop } = info[bi];
    const box = boxes[bi].sort((a, b) => a[ch] - b[ch]);
    let acc = 0;
    let cut = 1;
    for (let i = 0; i < box.length - 1; i++) {
      acc += box[i][3];
      if (acc >= pop / 2) {
        cut = i + 1;
        break;
      }
      cut = i + 1;
    }
    const parts = [box.slice(0, cut), box.slice(cut)];
    boxes.splice(bi, 1, ...parts);
    info.splice(bi, 1, ...parts.map(stats));
  }
  return boxes.map((box) => {
    const n = box.reduce((s, c) => s + c[3], 0);
    return [0, 1, 2].map((i) => Math.round(box.reduce((s, c) => s + c[i] * c[3], 0) / n));
  });
}

function encodeIndexed(w, h, indices, palette) {
  const raw = Buffer.alloc(h * (w + 1));
  for (let y = 0; y < h; y++) indices.copy(raw, y * (w + 1) + 1, y * w, (y + 1) * w);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 3;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from(palette.flat())),
    chunk('IDAT', deflateSync(raw, { level: 9, memLevel: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A smaller PNG of the same screenshot (see above). */
export function compressPng(buf) {
  const img = decodePng(buf);
  if (!img) return buf;
  const { w, h, bpp, px } = img;
  if (bpp === 4) for (let i = 3; i < px.length; i += 4) if (px[i] !== 255) return buf; // keep transparency as it is
  const hist = new Map();
  for (let i = 0; i < px.length; i += bpp) {
    const k = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    hist.set(k, (hist.get(k) ?? 0) + 1);
  }
  const palette = hist.size <= 256 ? [...hist.keys()].map((k) => [k >> 16, (k >> 8) & 255, k & 255]) : medianCut(hist, 256);
  const nearest = new Map();
  const indices = Buffer.alloc(w * h);
  for (let i = 0, p = 0; i < px.length; i += bpp, p++) {
    const k = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    let idx = nearest.get(k);
    if (idx === undefined) {
      let best = Infinity;
      for (let j = 0; j < palette.length; j++) {
        const c = palette[j];
        // Weighted distance (the eye is most sensitive to green, least to blue).
        const d = 2 * (c[0] - px[i]) ** 2 + 4 * (c[1] - px[i + 1]) ** 2 + 3 * (c[2] - px[i + 2]) ** 2;
        if (d < best) {
          best = d;
          idx = j;
        }
      }
      nearest.set(k, idx);
    }
    indices[p] = idx;
  }
  const png = encodeIndexed(w, h, indices, palette);
  return png.length < buf.length ? png : buf;
}
