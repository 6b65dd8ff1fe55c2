// Time to render 10,000 enterprise markers on the region map (canvas), in headless
// chromium against a synthetic dataset.
//
//   CHAINMAP_PERF_URL=http://127.0.0.1:8091 node tests/perf-markers.mjs
//     uses a running `chainmap serve --data <synthetic>`;
//   CHAINMAP_BIN=/tmp/chainmap node tests/perf-markers.mjs
//     generates the data (chainmap gen --enterprises 10000), serves it on a free loopback
//     port and stops it afterwards.
//
// It opens the map scoped to the whole country (every enterprise), waits for the app's
// ready mark and prints: markers drawn, the render time (placing markers, setting the
// option and painting, as measured in the page), the median of re-renders, and the time
// from navigation to a drawn map (which includes fetching 10,000 enterprises in pages of 750, ENTERPRISE_PAGE in src/api.ts).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, newPage, waitReady } from './browser.mjs';

const N = Number(process.env.PERF_ENTERPRISES || 10000);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}`))));
  });
}

async function waitHealthy(url, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

let server;
let dataDir;
let base = process.env.CHAINMAP_PERF_URL?.replace(/\/+$/, '');
const cleanup = () => {
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
};
process.on('exit', cleanup);

if (!base) {
  const bin = process.env.CHAINMAP_BIN || '/tmp/chainmap';
  dataDir = mkdtempSync(join(tmpdir(), 'chainmap-syn-'));
  await run(bin, ['gen', '--enterprises', String(N), '--out', join(dataDir, 'syn')]);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve', '--data', join(dataDir, 'syn'), '--addr', `127.0.0.1:${port}`], { stdio: 'ignore' });
  await waitHealthy(base);
}

const { dataset } = await (
  await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ dataset { id synthetic focusChain { id } } enterprises(first: 1) { totalCount } }' }),
  })
).json().then((r) => r.data);

const browser = await launch();
try {
  const { page, errors } = await newPage(browser, { width: 1440, height: 900 });
  // Scope: the country, so that every enterprise of the dataset is a marker.
  const url = `${base}/#/map?chain=${dataset.focusChain.id}&scope=100000&lang=zh`;
  const t0 = Date.now();
  await page.goto(url);
  await waitReady(page, 'map', 180_000);
  const total = Date.now() - t0;
  const first = await page.evaluate(() => window.__chainmapRender);

  // Re-renders with the same markers (selecting an enterprise redraws the whole map).
  const ids = await page.$$eval('[data-table-id="map-enterprises"] tbody tr[data-row-id]', (t) => t.slice(0, 5).map((r) => r.dataset.rowId));
  const again = [];
  for (const id of ids.slice(0, 5)) {
    await page.evaluate(() => delete document.body.dataset.ready);
    await page.evaluate((e) => {
      location.hash = location.hash.replace(/&ent=[^&]*/, '') + `&ent=${e}`;
    }, id);
    await waitReady(page, 'map', 60_000);
    again.push((await page.evaluate(() => window.__chainmapRender)).ms);
  }
  again.sort((a, b) => a - b);
  const median = again.length ? again[Math.floor(again.length / 2)] : NaN;
  await page.screenshot({ path: join(import.meta.dirname, '..', 'test-results', 'screenshots', 'perf-10k.png') }).catch(() => {});
  console.log(`dataset ${dataset.id} (synthetic: ${dataset.synthetic}), ${first.markers} markers drawn`);
  console.log(`render ${first.markers} markers: ${first.ms.toFixed(0)} ms (first), ${median.toFixed(0)} ms (median of ${again.length} re-renders)`);
  console.log(`navigation to drawn map (incl. fetching ${first.markers} enterprises): ${total} ms`);
  if (errors.length) console.log('page errors:', errors);
  if (first.markers < N) process.exitCode = 1;
} finally {
  await browser.close();
  cleanup();
}
