// Browser test of 名录导入 (views/import.ts): a manager logs in, uploads the walk-through's
// lists (docs/import.md), accepts the placements, applies, and sees the chain's
// completeness change (21 → 25 present of 72); a viewer sees no import entry. The test
// starts its own chainmap (CHAINMAP_BIN, set by scripts/test-frontend.sh) on a copy of the
// Zhengzhou dataset with two accounts, since the shared server serves the bundled
// (read-only) dataset.
//
//   CHAINMAP_BIN=/tmp/chainmap node --test tests/import.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gql, launch, newPage, waitReady } from './browser.mjs';

const BIN = process.env.CHAINMAP_BIN;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const EXAMPLE = join(ROOT, 'testdata', 'import-example');
const SHOTS = join(HERE, '..', 'test-results', 'screenshots');
const PASSWORD = 'import test password';

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

function run(args, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { stdio: ['pipe', 'ignore', 'inherit'] });
    p.stdin.end(input);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chainmap ${args.join(' ')}: exit ${code}`))));
  });
}

async function waitHealthy(url, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

describe('名录导入 (enterprise-list import in the page)', { skip: !BIN && 'CHAINMAP_BIN is not set (scripts/test-frontend.sh sets it)' }, () => {
  let browser;
  let server;
  let work;
  let base;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'chainmap-import-'));
    const data = join(work, 'zz');
    cpSync(join(ROOT, 'data', 'zhengzhou-aluminium'), data, { recursive: true });
    const state = join(work, 'state', 'state.db');
    mkdirSync(dirname(state), { recursive: true });
    await run(['user', 'add', 'li', '--role', 'manager', '--state', state], `${PASSWORD}\n`);
    await run(['user', 'add', 'zhao', '--role', 'viewer', '--state', state], `${PASSWORD}\n`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['serve', '--data', data, '--state', state, '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitHealthy(base);
    browser = await launch();
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function loginInPage(page, name) {
    await page.goto(`${base}/#/import`);
    await waitReady(page, 'import');
    // The view offers the page's one login dialog (session.ts), the header's 登录 too.
    await page.click('#import-login-open');
    await page.fill('#login-name', name);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector(`#account[data-user="${name}"]`);
    await page.waitForSelector(`#import-whoami[data-user="${name}"]`);
  }

  test('a viewer sees no import entry, and the view refuses', async () => {
    const { page, context } = await newPage(browser);
    await page.goto(`${base}/#/chain`);
    await waitReady(page, 'chain');
    assert.equal(await page.locator('a.tab[data-view="import"]').count(), 0, 'anonymous: no import tab');
    // A second tab opened before the login has no CSRF token; once the session exists its
    // queries are refused (403) until it reads the token again, which api.ts does once.
    const other = await context.newPage();
    await other.goto(`${base}/#/chain`);
    await waitReady(other, 'chain');
    await loginInPage(page, 'zhao');
    await other.click('a.tab[data-view="roadmap"]');
    await waitReady(other, 'roadmap');
    assert.equal(await other.locator('.error-box').count(), 0, 'the other tab shows no error');
    await page.waitForSelector('#import-forbidden');
    assert.equal(await page.locator('#import-files').count(), 0);
    await page.goto(`${base}/#/chain`);
    await waitReady(page, 'chain');
    await page.waitForSelector('#lang-switch');
    await page.waitForSelector('#account[data-user="zhao"]', { timeout: 10_000 });
    assert.equal(await page.locator('#login-open').count(), 0, 'logged in: no 登录 button');
    assert.equal(await page.locator('a.tab[data-view="import"]').count(), 0, 'viewer: no import tab');
    await context.close();
  });

  test('a manager uploads the example lists, accepts the placements and sees completeness change', async () => {
    const { page, context, errors } = await newPage(browser);
    await page.goto(`${base}/#/chain`);
    await waitReady(page, 'chain');
    const before = await page.textContent('#chain-completeness');
    assert.match(before, /21\/72/, `chain view before: ${before}`);

    await loginInPage(page, 'li');
    await page.waitForSelector('a.tab[data-view="import"]');
    await page.setInputFiles('#import-files', [join(EXAMPLE, 'registry-export.csv'), join(EXAMPLE, '规上企业名录.xlsx')]);
    await page.click('#import-upload');
    await page.waitForSelector('#import-review', { timeout: 60_000 });
    const fig = async (k) => Number(await page.textContent(`#import-report .figure[data-k="${k}"] .fig-v`));
    assert.equal(await fig('firms'), 8);
    assert.equal(await fig('confirmed'), 3);
    assert.equal(await fig('uncertain'), 1);
    const problems = await page.locator('#import-problems li').allTextContents();
    assert.ok(problems.some((p) => /^registry-export\.csv:\d+: /.test(p)), `problems name file:line: ${problems.join(' | ')}`);
    // Evidence is shown for each placement.
    const wheel = page.locator('#import-review tr[data-id="imp-a4d146de2d7b"]'); // 巩义市示例轮毂制造有限公司 (docs/import.md)
    assert.match(await wheel.textContent(), /E1\.wheel/);
    assert.match(await wheel.textContent(), /轮毂 in products/);

    await page.click('#import-accept-all');
    const accepted = await page.$$eval('select.import-decision', (ss) => ss.filter((s) => s.value === 'accept').length);
    assert.ok(accepted >= 4, `${accepted} rows set to accept`);
    await page.screenshot({ path: join(SHOTS, 'import-review.png') });
    await page.click('#import-apply');
    await page.waitForSelector('#import-result', { timeout: 60_000 });
    const line = page.locator('.import-change[data-chain="aluminium"] .import-change-line');
    assert.equal(await line.getAttribute('data-before'), '21');
    assert.equal(await line.getAttribute('data-after'), '25');
    assert.equal(await line.getAttribute('data-total'), '72');
    const changed = await page.$$eval('.import-change[data-chain="aluminium"] tr[data-segment]', (rs) => rs.map((r) => r.dataset.segment));
    for (const s of ['E1.wheel', 'E3.can', 'E1.battery-tray']) assert.ok(changed.includes(s), `${s} in ${changed}`);
    assert.match(await page.textContent('#import-result-counts'), new RegExp(`接受 ${accepted}，`));
    await page.screenshot({ path: join(SHOTS, 'import-result.png') });

    // The chain map, reached from the result, shows the new completeness.
    await page.click('.import-change[data-chain="aluminium"] a[data-open-chain]');
    await waitReady(page, 'chain');
    await page.waitForFunction(() => /25\/72/.test(document.querySelector('#chain-completeness')?.textContent ?? ''), null, { timeout: 20_000 });
    assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);

    // The same lists again: nothing new is placed; the reviewer moves the steel-structure
    // firm (ruled out by the material guard) to 建筑结构用铝 E2.structure with a note.
    await page.goto(`${base}/#/import`);
    await waitReady(page, 'import');
    await page.setInputFiles('#import-files', [join(EXAMPLE, 'registry-export.csv'), join(EXAMPLE, '规上企业名录.xlsx')]);
    await page.click('#import-upload');
    await page.waitForSelector('#import-review', { timeout: 60_000 });
    assert.equal(await fig('added'), 0, 'importing the same lists again adds nothing');
    const steel = page.locator('#import-review tr[data-id="imp-684c26887f51"]'); // 郑州示例钢结构工程有限公司
    await steel.locator('select.import-decision').selectOption('E2.structure');
    await steel.locator('input.import-note').fill('also builds aluminium structures');
    await steel.locator('input.import-note').dispatchEvent('change');
    await page.click('#import-apply');
    await page.waitForSelector('#import-result', { timeout: 60_000 });
    assert.match(await page.textContent('#import-result-counts'), /接受 0，拒绝 0，改环节 1，/);
    const d = await gql(base, '{ enterprise(id: "imp-684c26887f51") { nameZh operations { segment { id } verification } } }');
    assert.deepEqual(d.enterprise.operations.map((o) => [o.segment.id, o.verification]), [['E2.structure', 'verified']]);
    await context.close();
  });
});
