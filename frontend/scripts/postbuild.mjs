// Keeps dist/.gitkeep and reports the bundle: every file's size, raw and gzipped, and
// which chunks index.html loads up front (the "main bundle").
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'dist');
if (!existsSync(join(dist, '.gitkeep'))) writeFileSync(join(dist, '.gitkeep'), '');
for (const f of ['index.html', 'graphiql.html', 'maps/china.json']) {
  if (!existsSync(join(dist, f))) {
    console.error(`postbuild: dist/${f} is missing`);
    process.exit(1);
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
const rows = walk(dist)
  .filter((p) => !p.endsWith('.gitkeep'))
  .map((p) => {
    const buf = readFileSync(p);
    return { file: relative(dist, p), raw: buf.length, gz: gzipSync(buf, { level: 9 }).length };
  })
  .sort((a, b) => b.raw - a.raw);

// What index.html pulls in before any view is opened.
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]));
let iRaw = 0;
let iGz = 0;
console.log('\nBundle (dist/):');
console.log('  raw'.padEnd(14) + 'gzip'.padEnd(13) + 'file');
for (const r of rows) {
  const mark = initial.has(r.file) ? ' *' : '';
  if (mark) {
    iRaw += r.raw;
    iGz += r.gz;
  }
  console.log(`${kb(r.raw)} ${kb(r.gz)}  ${r.file}${mark}`);
}
console.log(`\n* loaded up front by index.html: ${kb(iRaw).trim()} raw, ${kb(iGz).trim()} gzip`);
