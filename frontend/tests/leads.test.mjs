// Browser tests of the 招商 pipeline's pages (招商线索, login, "加入线索"): Debian's chromium
// (playwright-core) against a running chainmap (CHAINMAP_URL) whose state file holds the
// accounts scripts/test-frontend.sh adds before the server starts: wang and li (promoter),
// zhao (manager), chen (viewer), all with the password CHAINMAP_TEST_PASSWORD. What the page
// shows is compared with the API's own answers, asked with the same session.
//
// Logins are rate-limited per address (10 a minute): each user logs in once, in a browser
// context kept for the whole file, and the rate-limit test runs last.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, newPage, waitReady } from './browser.mjs';
import { compressPng } from './png.mjs';
import { xlsxRows } from './zip.mjs';

const BASE = (process.env.CHAINMAP_URL || '').replace(/\/+$/, '');
const PASSWORD = process.env.CHAINMAP_TEST_PASSWORD || '';
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, '..', 'test-results', 'screenshots');
const DOC_SHOTS = join(HERE, '..', '..', 'docs', 'screenshots');
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const HOSTILE = '<img src=x onerror=alert(1)>';

if (!BASE || !PASSWORD) {
  console.error('CHAINMAP_URL and CHAINMAP_TEST_PASSWORD must be set; run scripts/test-frontend.sh');
  process.exit(2);
}

let browser;
const dialogs = [];
const errors = [];
const requests = [];
/** Console errors a test provoked on purpose (a refused login or request logs one). */
const expected = [];
const users = new Map();
mkdirSync(SHOTS, { recursive: true });

async function open(hash, opts) {
  const p = await newPage(browser, opts);
  p.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  p.page.on('request', (r) => requests.push(r.url()));
  p.page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  p.page.on('pageerror', (e) => errors.push(String(e)));
  if (hash !== null) await p.page.goto(`${BASE}/${hash}`);
  return p;
}

/** Logs in through the page's dialog. */
async function loginInPage(page, name, password = PASSWORD) {
  await page.click('#login-open');
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

/** A page logged in as name (one login per user for the whole file). */
async function as(name) {
  if (users.has(name)) return users.get(name);
  const p = await open('#/leads');
  await waitReady(p.page, 'leads');
  await loginInPage(p.page, name);
  await p.page.waitForSelector(`#account[data-user="${name}"]`);
  await waitReady(p.page, 'leads');
  users.set(name, p);
  return p;
}

/** GraphQL with the page's session: cookie plus the CSRF token from /auth/me. */
async function api(page, query, variables) {
  return page.evaluate(async ({ query, variables }) => {
    const me = await (await fetch('/auth/me')).json();
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-CSRF-Token': me.csrfToken ?? '' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: await res.json() };
  }, { query, variables });
}

async function apiData(page, query, variables) {
  const r = await api(page, query, variables);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data;
}

const LEAD = 'id version stage owner firmName enterpriseId segmentId parkId regionId origin nextStep history { from to }';

async function goto(page, hash, view = 'leads') {
  await page.goto(`${BASE}/${hash}`);
  await waitReady(page, view);
}

/** Chooses a stage in a stage menu (the lead page's, or a board card's). */
async function moveTo(page, menu, stage) {
  await page.selectOption(menu, stage);
}

/**
 * Requests a move to 签约 or later through the stage menu's (or a drop's) request dialog:
 * one evidence item and, when given, the contracted investment.
 */
async function fillRequest(page, stage, { kind, ref, contracted = null }) {
  await page.waitForSelector(`#request-dialog[data-to="${stage}"]`);
  await page.selectOption('#req-kind', kind);
  await page.fill('#req-ref', ref);
  if (contracted !== null) await page.fill('#req-contracted', String(contracted));
  await page.click('#req-submit');
  await page.waitForSelector('#request-dialog', { state: 'detached' });
}

let leadId = '';
let target = null;

before(async () => {
  browser = await launch();
});

after(async () => {
  for (const p of users.values()) await p.context.close();
  await browser?.close();
});

describe('login', () => {
  test('without a login the page asks for one and no lead is readable', async () => {
    const { page, context } = await open('#/leads');
    await waitReady(page, 'leads');
    await page.waitForSelector('#leads-login');
    assert.equal(await page.$('#lead-board'), null);
    assert.ok(await page.$('#login-open'));
    // The analysis pages show no "加入线索" without a login.
    await goto(page, '#/roadmap', 'roadmap');
    assert.equal(await page.$$eval('.btn-add-lead', (b) => b.length), 0);
    const r = await page.evaluate(async () => (await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ leads { edges { node { id } } } }' }) })).json());
    assert.equal(r.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    await context.close();
  });

  test('a wrong password says so clearly; the right one logs in with a session cookie and the role', async () => {
    const { page, context } = await open('#/leads');
    await waitReady(page, 'leads');
    await loginInPage(page, 'wang', 'not the password at all');
    expected.push(/status of 401/);
    await page.waitForSelector('#login-error:not(:empty)');
    assert.match(await page.textContent('#login-error'), /用户名或密码错误/);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#account[data-user="wang"][data-role="promoter"]');
    await waitReady(page, 'leads');
    await page.waitForSelector('#lead-board');
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === 'chainmap_session');
    assert.ok(c, 'session cookie set');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    // The page cannot read the cookie.
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /chainmap_session/);
    // A reload keeps the session (GET /auth/me gives the page its CSRF token again).
    await page.reload();
    await waitReady(page, 'leads');
    await page.waitForSelector('#account[data-user="wang"]');
    users.set('wang', { page, context });
  });
});

describe('leads', () => {
  test('"加入线索" on a roadmap target creates a lead from it (createLeadFromTarget)', async () => {
    const { page } = await as('wang');
    await goto(page, '#/roadmap', 'roadmap');
    const btn = await page.waitForSelector('table.data .btn-add-lead');
    const ref = await btn.evaluate((b) => ({ key: b.closest('.add-lead').dataset.addLead, ent: b.closest('li').dataset.ent }));
    const [enterprise, segment] = ref.key.split('|');
    assert.equal(enterprise, ref.ent);
    await btn.click();
    const link = await page.waitForSelector('.add-lead a.lead-added');
    leadId = await link.getAttribute('data-lead');
    const { lead } = await apiData(page, `query($id: ID!) { lead(id: $id) { ${LEAD} } }`, { id: leadId });
    assert.equal(lead.stage, 'CLUE');
    assert.equal(lead.owner, 'wang');
    assert.equal(lead.enterpriseId, enterprise);
    assert.equal(lead.segmentId, segment);
    assert.equal(lead.origin, 'roadmap');
    assert.ok(lead.parkId || lead.regionId);
    target = { enterprise, segment };
    await link.click();
    await waitReady(page, 'leads');
    await page.waitForSelector(`.lead-page[data-lead="${leadId}"]`);
    assert.equal(await page.textContent('#lead-stage'), '线索');
  });

  test('"加入线索" again on that target links to its open lead and offers 仍要新建 instead of a duplicate', async () => {
    const { page } = await as('wang');
    await goto(page, '#/roadmap', 'roadmap');
    const sel = `.add-lead[data-add-lead="${target.enterprise}|${target.segment}"]`;
    await page.click(`${sel} .btn-add-lead`);
    const a = await page.waitForSelector(`${sel} a.lead-existing`);
    assert.equal(await a.getAttribute('data-lead'), leadId);
    assert.ok(await page.$(`${sel} .btn-add-anyway`), 'a way to add one anyway');
    const { leads } = await apiData(page, `query($f: LeadFilter) { leads(filter: $f, first: 50) { edges { node { id } } } }`,
      { f: { enterprise: target.enterprise, segment: target.segment } });
    assert.deepEqual(leads.edges.map((e) => e.node.id), [leadId], 'no second lead was created');
  });

  test('"加入线索" in the chain panel too', async () => {
    const { page } = await as('wang');
    await goto(page, '#/chain', 'chain');
    // The first missing box with targets: open its panel through the URL.
    const seg = await page.evaluate(() => {
      const inst = window.__chainmap.getInstanceByDom(document.querySelector('#chain-chart'));
      const n = inst.getOption().series[0].data.find((d) => String(d.id).startsWith('b:') && d.status === 'MISSING');
      return n ? String(n.id).slice(2) : null;
    });
    assert.ok(seg, 'a missing segment');
    await goto(page, `#/chain?segment=${encodeURIComponent(seg)}`, 'chain');
    await page.waitForSelector('#segment-panel[data-targets="ready"]');
    const n = await page.$$eval('[data-table-id="segment-targets"] tbody tr', (r) => r.length);
    const buttons = await page.$$eval('[data-table-id="segment-targets"] .btn-add-lead', (b) => b.length);
    assert.ok(n > 0);
    assert.equal(buttons, n, 'one button per target');
    // Exports leave the button column out.
    const head = await page.$$eval('[data-table-id="segment-targets"] thead th', (th) => th.length);
    assert.ok(head >= 2);
  });

  test('the lead moves through stages by the stage menu (page and board); 搁置 asks for a reason', async () => {
    const { page } = await as('wang');
    await goto(page, `#/leads?lead=${leadId}`);
    await moveTo(page, `.lead-head .stage-menu`, 'CONTACT');
    await page.waitForSelector(`.lead-page[data-stage="CONTACT"]`);
    await moveTo(page, `.lead-head .stage-menu`, 'VISIT');
    await page.waitForSelector(`.lead-page[data-stage="VISIT"]`);
    // On the board, a card's menu.
    await goto(page, '#/leads');
    await page.waitForSelector(`.board-col[data-stage="VISIT"] .lead-card[data-lead="${leadId}"]`);
    const options = await page.$$eval(`.lead-card[data-lead="${leadId}"] .stage-menu option`, (o) => o.map((x) => x.value).filter(Boolean));
    // Forward to any later stage, back one, 搁置, 终止 (docs/pipeline.md).
    assert.deepEqual(options, ['CONTACT', 'NEGOTIATION', 'SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION', 'ON_HOLD', 'TERMINATED']);
    await moveTo(page, `.lead-card[data-lead="${leadId}"] .stage-menu`, 'NEGOTIATION');
    await page.waitForSelector(`.board-col[data-stage="NEGOTIATION"] .lead-card[data-lead="${leadId}"]`);
    await waitReady(page, 'leads');
    // 搁置 needs a reason; OTHER needs a note.
    await moveTo(page, `.lead-card[data-lead="${leadId}"] .stage-menu`, 'ON_HOLD');
    await page.waitForSelector('#reason-dialog');
    await page.selectOption('#close-reason', 'OTHER');
    await page.click('#close-submit');
    assert.match(await page.textContent('#reason-dialog .form-msg'), /说明/);
    await page.fill('#close-note', '等待土地指标');
    await page.click('#close-submit');
    await page.waitForSelector(`.board-col[data-stage="ON_HOLD"] .lead-card[data-lead="${leadId}"]`);
    await waitReady(page, 'leads');
    // From 搁置: back to any stage up to 洽谈, or 终止.
    const held = await page.$$eval(`.lead-card[data-lead="${leadId}"] .stage-menu option`, (o) => o.map((x) => x.value).filter(Boolean));
    assert.deepEqual(held, ['CLUE', 'CONTACT', 'VISIT', 'NEGOTIATION', 'TERMINATED']);
    await moveTo(page, `.lead-card[data-lead="${leadId}"] .stage-menu`, 'NEGOTIATION');
    await page.waitForSelector(`.board-col[data-stage="NEGOTIATION"] .lead-card[data-lead="${leadId}"]`);
    await waitReady(page, 'leads');
    // 签约 is not a direct move (the approval backend refuses it): the API says so …
    const direct = await api(page, 'mutation($id: ID!, $v: Int!) { moveLeadStage(id: $id, version: $v, stage: SIGNED) { id } }',
      { id: leadId, v: Number(await page.getAttribute(`.lead-card[data-lead="${leadId}"]`, 'data-version')) });
    assert.equal(direct.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    // … and the menu opens a request with evidence instead; a request without a reference is not sent.
    await moveTo(page, `.lead-card[data-lead="${leadId}"] .stage-menu`, 'SIGNED');
    await page.waitForSelector('#request-dialog[data-to="SIGNED"]');
    const kinds = await page.$$eval('#req-kind option', (o) => o.map((x) => x.value));
    assert.equal(kinds[0], 'INVESTMENT_AGREEMENT', 'the kind that establishes 签约 comes first');
    assert.deepEqual([...kinds].sort(), ['BUSINESS_LICENCE', 'CONSTRUCTION_PERMIT', 'INVESTMENT_AGREEMENT', 'LAND_CONTRACT', 'OTHER', 'PRODUCTION_CERTIFICATE', 'TRANSFER_VOUCHER']);
    await page.click('#req-submit');
    assert.match(await page.textContent('#req-error'), /文号/);
    await page.fill('#req-ref', '郑经开投协〔2026〕7号');
    await page.fill('#req-contracted', '3');
    await page.click('#req-submit');
    await page.waitForSelector('#request-dialog', { state: 'detached' });
    // The lead keeps its stage, marked as waiting; it has no stage menu meanwhile.
    await page.waitForSelector(`.board-col[data-stage="NEGOTIATION"] .lead-card[data-lead="${leadId}"] .lead-pending[data-to="SIGNED"]`);
    assert.equal(await page.$(`.lead-card[data-lead="${leadId}"] .stage-menu`), null);
    // The promoter sees the request in the reminders, without approve / refuse.
    await page.waitForSelector(`#lead-reminders tr[data-kind="APPROVAL_WAITING"][data-lead="${leadId}"]`);
    assert.equal(await page.$(`#lead-reminders tr[data-lead="${leadId}"] .req-approve`), null);
    assert.ok(await page.$(`#lead-reminders tr[data-lead="${leadId}"] .req-withdraw`));
    // The manager refuses it; a refusal needs a reason.
    const z = (await as('zhao')).page;
    await goto(z, '#/leads');
    const row = `#lead-reminders tr[data-kind="APPROVAL_WAITING"][data-lead="${leadId}"]`;
    await z.waitForSelector(`${row} .request-box[data-to="SIGNED"]`);
    assert.match(await z.textContent(row), /郑经开投协〔2026〕7号/);
    await z.click(`${row} .req-refuse`);
    await z.waitForSelector('#refuse-dialog');
    await z.click('#refuse-submit');
    assert.match(await z.textContent('#refuse-dialog .form-msg'), /理由/);
    await z.fill('#refuse-reason', '协议未盖章');
    await z.click('#refuse-submit');
    await z.waitForSelector('#req-done');
    assert.match(await z.textContent('#req-done'), /已驳回/);
    await waitReady(z, 'leads');
    let { lead } = await apiData(page, `query($id: ID!) { lead(id: $id) { ${LEAD} request { id } decisions { decision decidedBy reason } } }`, { id: leadId });
    assert.equal(lead.stage, 'NEGOTIATION');
    assert.equal(lead.request, null);
    assert.deepEqual(lead.decisions, [{ decision: 'REFUSED', decidedBy: 'zhao', reason: '协议未盖章' }]);
    // Requested again, and approved by the manager: only now is the lead at 签约.
    await goto(page, '#/leads');
    await moveTo(page, `.lead-card[data-lead="${leadId}"] .stage-menu`, 'SIGNED');
    await fillRequest(page, 'SIGNED', { kind: 'INVESTMENT_AGREEMENT', ref: '郑经开投协〔2026〕7号（盖章版）', contracted: 3 });
    await goto(z, '#/leads');
    await z.click(`${row} .req-approve`);
    await z.waitForSelector('#req-done');
    assert.match(await z.textContent('#req-done'), /已批准/);
    await z.waitForSelector(`.board-col[data-stage="SIGNED"] .lead-card[data-lead="${leadId}"]`);
    ({ lead } = await apiData(page, `query($id: ID!) { lead(id: $id) { ${LEAD} contracted history { to by requestedBy } } }`, { id: leadId }));
    assert.equal(lead.stage, 'SIGNED');
    assert.equal(lead.contracted, 3);
    assert.deepEqual(lead.history.map((c) => c.to), ['CLUE', 'CONTACT', 'VISIT', 'NEGOTIATION', 'ON_HOLD', 'NEGOTIATION', 'SIGNED']);
    assert.deepEqual(lead.history.at(-1), { from: 'NEGOTIATION', to: 'SIGNED', by: 'zhao', requestedBy: 'wang' });
    // The lead's page lists the same history, and both decisions.
    await goto(page, `#/leads?lead=${leadId}`);
    assert.equal(await page.$$eval('[data-table-id="lead-history"] tbody tr', (r) => r.length), 7);
    assert.equal(await page.$$eval('[data-table-id="lead-decisions"] tbody tr', (r) => r.length), 2);
  });

  test('a follow-up joins the timeline; its notes (hostile markup) stay text', async () => {
    const { page } = await as('wang');
    await goto(page, `#/leads?lead=${leadId}`);
    await page.selectOption('#fu-kind', 'VISIT');
    await page.fill('#fu-notes', `见了总经理 ${HOSTILE}`);
    await page.click('#fu-submit');
    await page.waitForSelector('#lead-followups li');
    const li = await page.$eval('#lead-followups li', (el) => ({ text: el.textContent, imgs: el.querySelectorAll('img').length }));
    assert.ok(li.text.includes(HOSTILE));
    assert.ok(li.text.includes('拜访'));
    assert.equal(li.imgs, 0);
  });

  test('two sessions edit the same lead: the second save is refused with CONFLICT, shown, and a reload shows the winner', async () => {
    const a = (await as('wang')).page;
    const b = (await as('zhao')).page;
    await goto(a, `#/leads?lead=${leadId}`);
    await goto(b, `#/leads?lead=${leadId}`);
    const v = Number(await a.getAttribute('#lead-edit', 'data-version'));
    assert.equal(Number(await b.getAttribute('#lead-edit', 'data-version')), v);
    await b.fill('#edit-next', '经理：安排签约仪式');
    await b.click('#edit-submit');
    await b.waitForSelector(`.lead-page[data-version="${v + 1}"]`);
    await a.fill('#edit-next', '专员：补充材料');
    await a.click('#edit-submit');
    const box = await a.waitForSelector('#lead-msg .error-box.conflict');
    const text = await box.textContent();
    assert.match(text, /已被他人修改/);
    assert.ok(text.includes(`第 ${v} 版`) && text.includes(`第 ${v + 1} 版`), text);
    assert.equal(await box.getAttribute('data-code'), 'CONFLICT');
    // Nothing was overwritten.
    const { lead } = await apiData(a, `query($id: ID!) { lead(id: $id) { ${LEAD} } }`, { id: leadId });
    assert.equal(lead.nextStep, '经理：安排签约仪式');
    assert.equal(lead.version, v + 1);
    await a.click('#conflict-reload');
    await a.waitForSelector(`.lead-page[data-version="${v + 1}"]`);
    assert.equal(await a.inputValue('#edit-next'), '经理：安排签约仪式');
    await waitReady(a, 'leads');
    await a.screenshot({ path: join(SHOTS, 'lead-page.png') });
  });

  test('a stale stage move from the board is refused with CONFLICT too', async () => {
    const a = (await as('wang')).page;
    const b = (await as('zhao')).page;
    await goto(a, '#/leads');
    await goto(b, `#/leads?lead=${leadId}`);
    await b.fill('#edit-next', '经理：第二次修改');
    const v = Number(await b.getAttribute('#lead-edit', 'data-version'));
    await b.click('#edit-submit');
    await b.waitForSelector(`.lead-page[data-version="${v + 1}"]`);
    await moveTo(a, `.lead-card[data-lead="${leadId}"] .stage-menu`, 'NEGOTIATION');
    await a.waitForSelector('#leads-msg .error-box.conflict');
    await a.click('#conflict-reload');
    await a.waitForSelector(`.lead-card[data-lead="${leadId}"][data-version="${v + 1}"]`);
  });

  test('a viewer sees no edit controls, and a forced request is refused', async () => {
    const { page } = await as('chen');
    await goto(page, '#/leads');
    await page.waitForSelector(`.lead-card[data-lead="${leadId}"]`);
    assert.equal(await page.$$eval('.stage-menu', (s) => s.length), 0);
    assert.equal(await page.$('#audit-csv'), null);
    await goto(page, `#/leads?lead=${leadId}`);
    for (const sel of ['#lead-edit', '#followup-form', '.stage-menu', '#edit-owner', '#audit-trail']) {
      assert.equal(await page.$(sel), null, `${sel} hidden from a viewer`);
    }
    await goto(page, '#/roadmap', 'roadmap');
    assert.equal(await page.$$eval('.btn-add-lead', (b) => b.length), 0);
    const before_ = (await apiData(page, `query($id: ID!) { lead(id: $id) { ${LEAD} } }`, { id: leadId })).lead;
    const forced = await api(page, 'mutation($id: ID!, $v: Int!) { moveLeadStage(id: $id, version: $v, stage: PRODUCTION) { id } }', { id: leadId, v: before_.version });
    assert.equal(forced.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const created = await api(page, 'mutation($e: ID!, $s: ID!) { createLeadFromTarget(enterprise: $e, segment: $s, region: "410100") { id } }', { e: target.enterprise, s: target.segment });
    assert.equal(created.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const after_ = (await apiData(page, `query($id: ID!) { lead(id: $id) { ${LEAD} } }`, { id: leadId })).lead;
    assert.deepEqual(after_, before_);
    // Without the CSRF token, even a logged-in session's POST is refused.
    const noCsrf = await page.evaluate(async () => {
      const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { name } }' }) });
      return { status: res.status, body: await res.json() };
    });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.errors[0].extensions.code, 'CSRF_TOKEN_INVALID');
    expected.push(/status of 403/);
  });

  test('another promoter may not edit wang\'s lead: no controls for it', async () => {
    const { page } = await as('li');
    await goto(page, `#/leads?lead=${leadId}`);
    assert.equal(await page.$('#lead-edit'), null);
    assert.equal(await page.$('.stage-menu'), null);
    await goto(page, '#/roadmap', 'roadmap');
    assert.ok(await page.$$eval('.btn-add-lead', (b) => b.length) > 0, 'a promoter may create');
  });

  test('a manager reassigns and reads the audit trail and its CSV', async () => {
    const { page } = await as('zhao');
    await goto(page, `#/leads?lead=${leadId}`);
    await page.fill('#edit-owner', 'li');
    await page.click('#edit-submit');
    await page.waitForSelector('.lead-page .lead-facts');
    await page.waitForFunction(() => document.querySelector('#edit-owner')?.value === 'li');
    await page.waitForSelector('[data-table-id="audit"] tbody tr');
    const rows = await page.$$eval('[data-table-id="audit"] tbody tr', (r) => r.map((x) => x.textContent));
    const trail = (await apiData(page, 'query($s: String) { auditTrail(subject: $s, first: 1000) { seq action } }', { s: leadId })).auditTrail;
    assert.equal(rows.length, Math.min(trail.length, 50));
    assert.ok(rows[0].includes('lead.update'), 'latest first');
    const csv = await page.evaluate(async () => {
      const r = await fetch(document.querySelector('#audit-trail a[href="/export/audit.csv"]').getAttribute('href'));
      return { status: r.status, text: await r.text() };
    });
    assert.equal(csv.status, 200);
    assert.ok(csv.text.includes(leadId));
    // Now li owns it: li may edit, wang may not.
    const li = (await as('li')).page;
    await goto(li, `#/leads?lead=${leadId}`);
    assert.ok(await li.$('#lead-edit'));
    assert.equal(await li.$('#edit-owner'), null, 'reassigning is for managers');
    const wang = (await as('wang')).page;
    await goto(wang, `#/leads?lead=${leadId}`);
    assert.equal(await wang.$('#lead-edit'), null);
  });

  test('a card dragged to another stage\'s column moves the lead (only to allowed stages); 注册 by request, approved by another', async () => {
    // li owns the lead now (reassigned above): li drags, zhao (manager) approves.
    const { page } = await as('li');
    await goto(page, '#/leads');
    const card = `.lead-card[data-lead="${leadId}"]`;
    const from = await page.getAttribute(card, 'data-stage');
    assert.equal(from, 'SIGNED');
    assert.equal(await page.getAttribute(card, 'draggable'), 'true');
    // Two back is not allowed: the drop is ignored.
    await page.dragAndDrop(card, '.board-col[data-stage="VISIT"]');
    await page.waitForTimeout(300);
    assert.equal(await page.getAttribute(card, 'data-stage'), 'SIGNED');
    assert.equal(await page.$('#request-dialog'), null);
    await page.dragAndDrop(card, '.board-col[data-stage="REGISTERED"]');
    await fillRequest(page, 'REGISTERED', { kind: 'BUSINESS_LICENCE', ref: '91410100MA0000000X' });
    await page.waitForSelector(`.board-col[data-stage="SIGNED"] ${card} .lead-pending[data-to="REGISTERED"]`);
    assert.equal(await page.getAttribute(card, 'draggable'), null, 'no drag while a request waits');
    // A promoter never approves, even when the API is asked directly.
    const v = Number(await page.getAttribute(card, 'data-version'));
    const forced = await api(page, 'mutation($id: ID!, $v: Int!) { approveStageMove(id: $id, version: $v) { id } }', { id: leadId, v });
    assert.equal(forced.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    // The manager approves on the lead's page.
    const z = (await as('zhao')).page;
    await goto(z, `#/leads?lead=${leadId}`);
    await z.click('#lead-request .req-approve');
    await z.waitForSelector(`.lead-page[data-stage="REGISTERED"]`);
    const { lead } = await apiData(page, `query($id: ID!) { lead(id: $id) { ${LEAD} history { to by requestedBy } } }`, { id: leadId });
    assert.equal(lead.stage, 'REGISTERED');
    assert.deepEqual(lead.history.at(-1), { from: 'SIGNED', to: 'REGISTERED', by: 'zhao', requestedBy: 'li' });
  });

  test('a promoter requests 签约 with evidence, the manager approves, and the KPI table counts it (with each formula from the API)', async () => {
    const w = (await as('wang')).page;
    const z = (await as('zhao')).page;
    const { createLead } = await apiData(w, 'mutation($i: CreateLeadInput!) { createLead(input: $i) { id version } }', {
      i: { firmName: '郑州示例铝材签约测试有限公司', segment: target.segment, region: '410100', investment: 2 },
    });
    const id = createLead.id;
    await apiData(w, 'mutation($id: ID!, $v: Int!) { moveLeadStage(id: $id, version: $v, stage: NEGOTIATION) { id } }', { id, v: createLead.version });
    // The KPI table before: the months of this year, their signed counts as the API gives them.
    await goto(z, '#/leads');
    await z.waitForSelector('#lead-kpis[data-state="ready"]');
    const signedInTable = () => z.$$eval('#kpi-table tbody tr', (rows) => rows.reduce((a, r) => a + Number(r.querySelector('td[data-k="signed"]').textContent), 0));
    const before = await signedInTable();
    // wang requests 签约 on the lead's page with the agreement and the contracted amount.
    await goto(w, `#/leads?lead=${id}`);
    await moveTo(w, '.lead-head .stage-menu', 'SIGNED');
    await w.waitForSelector('#request-dialog[data-to="SIGNED"]');
    await w.selectOption('#req-kind', 'INVESTMENT_AGREEMENT');
    await w.fill('#req-ref', '郑投协〔2026〕21号');
    await w.fill('#req-contracted', '2');
    // A hostile file (HTML named .pdf) is refused by its content, said in the form; nothing is requested.
    await w.setInputFiles('#req-file', { name: 'agreement.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await w.click('#req-submit');
    await w.waitForSelector('#req-error:not(:empty)');
    assert.match(await w.textContent('#req-error'), /附件未能上传/);
    expected.push(/status of 4\d\d/);
    assert.ok(await w.$('#request-dialog'), 'the form stays open');
    // The signed agreement as a PDF: stored with the lead and cited by the evidence.
    const pdf = '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n';
    await w.setInputFiles('#req-file', { name: 'agreement.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
    await w.click('#req-submit');
    await w.waitForSelector('#request-dialog', { state: 'detached' });
    await w.waitForSelector('#lead-request .request-box[data-to="SIGNED"] a.req-file');
    assert.equal(await w.$('#lead-request .req-approve'), null, 'the requester may not approve');
    // Pending: not counted yet.
    await goto(z, '#/leads');
    await z.waitForSelector('#lead-kpis[data-state="ready"]');
    assert.equal(await signedInTable(), before, 'a pending request counts nowhere');
    // The approver downloads the evidence file the request cites: the same bytes, as a download.
    const href = await z.getAttribute(`#lead-reminders tr[data-lead="${id}"] a.req-file`, 'href');
    const file = await z.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, text: await r.text(), cd: r.headers.get('content-disposition') ?? '' };
    }, href);
    assert.equal(file.status, 200);
    assert.equal(file.text, pdf);
    assert.match(file.cd, /^attachment/);
    await z.click(`#lead-reminders tr[data-kind="APPROVAL_WAITING"][data-lead="${id}"] .req-approve`);
    await z.waitForSelector('#req-done');
    await z.waitForSelector('#lead-kpis[data-state="ready"]');
    assert.equal(await signedInTable(), before + 1, 'the approved signing is counted');
    // The table is the API's: every row and figure, and each column's formula as its tooltip.
    const vars = {
      period: await z.inputValue('#kpi-period'), groupBy: await z.inputValue('#kpi-group'),
      from: await z.inputValue('#kpi-from'), to: await z.inputValue('#kpi-to'),
      filter: { chain: await z.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain')) },
    };
    const { pipelineKPIs } = await apiData(z, `query($p: KPIPeriod!, $g: KPIGroup, $f: String!, $t: String!, $l: LeadFilter) {
      pipelineKPIs(period: $p, groupBy: $g, from: $f, to: $t, filter: $l) { rows { period signed contracted } formulas { name formula } } }`,
    { p: vars.period, g: vars.groupBy, f: vars.from, t: vars.to, l: vars.filter });
    const rows = await z.$$eval('#kpi-table tbody tr', (rs) => rs.map((r) => [r.dataset.period, Number(r.querySelector('td[data-k="signed"]').textContent)]));
    assert.deepEqual(rows, pipelineKPIs.rows.map((r) => [r.period, r.signed]));
    const signedFormula = pipelineKPIs.formulas.find((f) => f.name.split(/[\s/]+/).includes('signed'));
    assert.equal(await z.getAttribute('#kpi-table th[data-k="signed"]', 'title'), signedFormula.formula);
    assert.equal(await z.getAttribute('#kpi-table th[data-k="performanceRate"]', 'title'), pipelineKPIs.formulas.find((f) => f.name.includes('performanceRate')).formula);
    assert.equal(await z.$$eval('#kpi-formulas li', (l) => l.length), pipelineKPIs.formulas.length);
    // The CSV link gives the same signed counts.
    const csv = await z.evaluate(async () => {
      const r = await fetch(document.querySelector('#kpi-csv').getAttribute('href'));
      return { status: r.status, text: await r.text() };
    });
    assert.equal(csv.status, 200);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));
    const col = lines[0].indexOf('signed');
    assert.deepEqual(lines.slice(1).map((l) => [l[0], Number(l[col])]), rows);
  });

  test('the KPI Excel file holds the CSV\'s columns and the API\'s figures, cell for cell', async () => {
    const z = (await as('zhao')).page;
    await goto(z, '#/leads');
    await z.waitForSelector('#lead-kpis[data-state="ready"]');
    await z.selectOption('#kpi-period', 'QUARTER');
    await z.waitForSelector('#lead-kpis[data-state="ready"] #kpi-table tr[data-period$="-Q1"]');
    const vars = {
      p: await z.inputValue('#kpi-period'), g: await z.inputValue('#kpi-group'), f: await z.inputValue('#kpi-from'), t: await z.inputValue('#kpi-to'),
      l: { chain: await z.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain')) },
    };
    const { pipelineKPIs } = await apiData(z, `query($p: KPIPeriod!, $g: KPIGroup, $f: String!, $t: String!, $l: LeadFilter) {
      pipelineKPIs(period: $p, groupBy: $g, from: $f, to: $t, filter: $l) { rows { period start last group signed started contracted paidIn performanceRate fundingRate flagged
        conversion { from rate } daysInStage { stage median } } } }`, vars);
    assert.ok(pipelineKPIs.rows.reduce((a, r) => a + r.signed, 0) >= 1, 'the approved signing counts');
    // The chart draws the same answer: per period signed and started bars, 履约率 and 资金到位率 lines.
    const chart = await z.evaluate(() => {
      const o = window.__chainmap.getInstanceByDom(document.querySelector('#kpi-chart')).getOption();
      return { x: o.xAxis[0].data, series: o.series.map((s) => ({ id: s.id, type: s.type, data: s.data })) };
    });
    assert.deepEqual(chart.x, pipelineKPIs.rows.map((r) => r.period));
    assert.deepEqual(chart.series, [
      { id: 'signed', type: 'bar', data: pipelineKPIs.rows.map((r) => r.signed) },
      { id: 'started', type: 'bar', data: pipelineKPIs.rows.map((r) => r.started) },
      { id: 'performanceRate', type: 'line', data: pipelineKPIs.rows.map((r) => r.performanceRate) },
      { id: 'fundingRate', type: 'line', data: pipelineKPIs.rows.map((r) => r.fundingRate) },
    ]);
    const [dl] = await Promise.all([z.waitForEvent('download'), z.click('#kpi-xlsx')]);
    assert.match(dl.suggestedFilename(), /kpis.*\.xlsx$/);
    const [header, ...rows] = xlsxRows(readFileSync(await dl.path()));
    // The same columns as GET /export/kpis.csv, and in each cell the same value.
    const csv = await z.evaluate(async () => (await fetch(document.querySelector('#kpi-csv').getAttribute('href'))).text());
    const [csvHeader, ...csvRows] = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));
    assert.deepEqual(header, csvHeader);
    assert.equal(rows.length, csvRows.length);
    rows.forEach((r, i) => csvHeader.forEach((name, j) => {
      const x = r[j] ?? '';
      const c = csvRows[i][j];
      if (typeof x === 'number') assert.equal(x, Number(c), `${name} of ${r[0]}`);
      else assert.equal(x, c, `${name} of ${r[0]}`);
    }));
    // … which are pipelineKPIs's figures (an undefined rate is an empty cell, not 0).
    assert.equal(rows.length, pipelineKPIs.rows.length);
    const at = (name) => header.indexOf(name);
    pipelineKPIs.rows.forEach((k, i) => {
      const r = rows[i];
      assert.deepEqual([r[0], r[1], r[2]], [k.period, k.start, k.last]);
      assert.equal(r[at('signed')], k.signed, k.period);
      assert.equal(r[at('started')], k.started, k.period);
      assert.equal(r[at('contracted (亿元)')], k.contracted, k.period);
      assert.equal(r[at('paidIn (亿元)')], k.paidIn, k.period);
      assert.equal(r[at('履约率')] ?? null, k.performanceRate, k.period);
      assert.equal(r[at('资金到位率')] ?? null, k.fundingRate, k.period);
      assert.equal(r[at('flagged')], k.flagged, k.period);
      assert.equal(r[at('conversion 签约')] ?? null, k.conversion.find((c) => c.from === 'SIGNED').rate, k.period);
      assert.equal(r[at('median days 线索')] ?? null, k.daysInStage.find((d) => d.stage === 'CLUE').median, k.period);
    });
    // Grouped, the rates of the groups cannot be added up: no chart, a note instead; the table stays.
    await z.selectOption('#kpi-group', 'PARK');
    await z.waitForSelector('#lead-kpis[data-state="ready"] #kpi-chart-none');
    assert.equal(await z.$('#kpi-chart'), null);
    await z.selectOption('#kpi-group', 'NONE');
    await z.waitForSelector('#lead-kpis[data-state="ready"] #kpi-chart');
  });

  test('the brief, made while logged in, holds this year\'s KPIs by quarter: the API\'s figures as the page prints them', async () => {
    const z = (await as('zhao')).page;
    await goto(z, '#/brief', 'brief');
    await z.waitForSelector('#brief-kpis-table');
    const chain = await z.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain'));
    const to = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const { pipelineKPIs } = await apiData(z, `query($f: String!, $t: String!, $l: LeadFilter) {
      pipelineKPIs(period: QUARTER, groupBy: NONE, from: $f, to: $t, filter: $l) { rows { period signed started } formulas { formula } } }`,
    { f: `${to.slice(0, 4)}-01-01`, t: to, l: { chain } });
    const table = await z.$$eval('#brief-kpis-table tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const [header, ...rows] = table;
    assert.deepEqual(rows.map((r) => r[0]), pipelineKPIs.rows.map((r) => r.period));
    const signed = header.indexOf('签约');
    const started = header.indexOf('开工');
    assert.ok(signed > 0 && started > 0, header.join(' | '));
    assert.deepEqual(rows.map((r) => [Number(r[signed]), Number(r[started])]), pipelineKPIs.rows.map((r) => [r.signed, r.started]));
    assert.ok(pipelineKPIs.rows.reduce((a, r) => a + r.signed, 0) >= 1, 'the approved signing counts');
    const caption = await z.textContent('#brief-kpis-table + .brief-caption');
    for (const f of pipelineKPIs.formulas) assert.ok(caption.includes(f.formula), f.formula);
  });

  test('separation of duties: a manager\'s own request offers him no approve, only withdraw', async () => {
    const z = (await as('zhao')).page;
    const { createLead } = await apiData(z, 'mutation($i: CreateLeadInput!) { createLead(input: $i) { id version } }', {
      i: { firmName: '郑州示例自审测试有限公司', segment: target.segment, region: '410100' },
    });
    const id = createLead.id;
    const ev = [{ kind: 'INVESTMENT_AGREEMENT', reference: 'ZS-1', date: '2026-01-05' }];
    const { requestStageMove } = await apiData(z, 'mutation($id: ID!, $v: Int!, $i: StageRequestInput!) { requestStageMove(id: $id, version: $v, input: $i) { version request { by } } }',
      { id, v: createLead.version, i: { stage: 'SIGNED', evidence: ev, contracted: 1 } });
    assert.equal(requestStageMove.request.by, 'zhao');
    await goto(z, '#/leads');
    const row = `#lead-reminders tr[data-kind="APPROVAL_WAITING"][data-lead="${id}"]`;
    await z.waitForSelector(`${row} .request-box`);
    assert.equal(await z.$(`${row} .req-approve`), null, 'no approve for one\'s own request');
    assert.equal(await z.$(`${row} .req-refuse`), null);
    const forced = await api(z, 'mutation($id: ID!, $v: Int!) { approveStageMove(id: $id, version: $v) { id } }', { id, v: requestStageMove.version });
    assert.equal(forced.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    await z.click(`${row} .req-withdraw`);
    await waitReady(z, 'leads');
    await z.waitForSelector('#lead-reminders h3');
    await z.waitForFunction((sel) => !document.querySelector(sel), row);
    const { lead } = await apiData(z, 'query($id: ID!) { lead(id: $id) { stage request { id } decisions { decision } } }', { id });
    assert.deepEqual(lead, { stage: 'CLUE', request: null, decisions: [{ decision: 'WITHDRAWN' }] });
  });

  test('a session that ended on the server: the next request makes the page ask to log in again', async () => {
    const { page, context } = await as('chen');
    await goto(page, '#/leads');
    await context.clearCookies();
    await page.selectOption('#lead-f-stage', 'CLUE');
    await page.waitForSelector('#leads-login');
    await page.waitForSelector('#login-open');
    users.delete('chen');
    await context.close();
  });

  test('a hostile firm name shows as text on the board, the page and in the CSV', async () => {
    const { page } = await as('wang');
    const { createLead } = await apiData(page, 'mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }', {
      i: { firmName: HOSTILE, segment: target.segment, region: '410100', investment: 12.5 },
    });
    const formula = await apiData(page, 'mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }', {
      i: { firmName: '=HYPERLINK("http://x")', segment: target.segment, region: '410100' },
    });
    await goto(page, '#/leads');
    const card = await page.waitForSelector(`.lead-card[data-lead="${createLead.id}"]`);
    assert.equal(await card.$eval('.lead-name', (a) => a.textContent), HOSTILE);
    assert.equal(await page.$$eval('#lead-board img, [data-table-id="leads"] img', (i) => i.length), 0);
    await goto(page, `#/leads?lead=${createLead.id}`);
    assert.equal(await page.textContent('#lead-title'), HOSTILE);
    assert.equal(await page.$$eval('.lead-page img', (i) => i.length), 0);
    // The lead list's CSV: BOM, one line per lead, the markup as text, the formula defused.
    await goto(page, '#/leads');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-table-id="leads"] [data-export="csv"]')]);
    const text = readFileSync(await dl.path(), 'utf8');
    assert.ok(text.startsWith('\uFEFF'));
    const { leads } = await apiData(page, 'query($f: LeadFilter) { leads(filter: $f, first: 500) { edges { node { id } } } }', { f: { chain: await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain')) } });
    const lines = text.trim().split('\r\n');
    assert.equal(lines.length, leads.edges.length + 1);
    assert.ok(text.includes(HOSTILE));
    assert.ok(text.includes(`"'=HYPERLINK(""http://x"")"`), 'formula prefixed');
    assert.ok(formula.createLead.id);
    const [x] = await Promise.all([page.waitForEvent('download'), page.click('[data-table-id="leads"] [data-export="xlsx"]')]);
    const buf = readFileSync(await x.path());
    assert.equal(buf.subarray(0, 2).toString(), 'PK');
  });

  test('the funnel shows the API\'s pipeline: leads that reached each stage; filters re-ask it', async () => {
    const { page } = await as('zhao');
    await goto(page, '#/leads');
    const chain = await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain'));
    const { pipeline } = await apiData(page, 'query($f: LeadFilter) { pipeline(filter: $f) { total byStage { key leads investment } conversion { from to reached advanced } } }', { f: { chain } });
    const opt = await page.evaluate(() => {
      const o = window.__chainmap.getInstanceByDom(document.querySelector('#funnel-chart')).getOption();
      return o.series[0].data.map((d) => ({ stage: d.stage, value: d.value }));
    });
    const reached = new Map();
    for (const c of pipeline.conversion) {
      reached.set(c.from, c.reached);
      reached.set(c.to, c.advanced);
    }
    assert.deepEqual(opt.map((d) => d.stage), ['CLUE', 'CONTACT', 'VISIT', 'NEGOTIATION', 'SIGNED', 'REGISTERED', 'CONSTRUCTION', 'PRODUCTION']);
    for (const d of opt) assert.equal(d.value, reached.get(d.stage) ?? 0, d.stage);
    assert.ok(opt[0].value >= 3, 'three leads reached 线索');
    assert.ok(opt[4].value >= 1 && opt[5].value >= 1, 'one reached 签约 and 注册');
    // The stage table: current counts per stage.
    // byStage lists every stage in order (keyed by its Chinese name, 线索…终止).
    const counts = await page.$$eval('[data-table-id="pipeline-stages"] tbody tr', (r) => r.map((x) => [x.dataset.rowId, x.children[0].textContent, Number(x.children[1].textContent)]));
    assert.equal(pipeline.byStage.length, counts.length);
    counts.forEach(([, label, n], i) => {
      assert.equal(label, pipeline.byStage[i].key);
      assert.equal(n, pipeline.byStage[i].leads, label);
    });
    assert.equal(counts.reduce((a, [, , n]) => a + n, 0), pipeline.total);
    assert.ok(counts.find(([s]) => s === 'CLUE')[2] >= 2, 'the hostile and formula leads are at 线索');
    // A stage filter narrows the board and the funnel to that stage's leads.
    await page.selectOption('#lead-f-stage', 'REGISTERED');
    await page.waitForFunction(() => location.hash.includes('stage=REGISTERED'));
    await waitReady(page, 'leads');
    const stages = await page.$$eval('.lead-card', (c) => [...new Set(c.map((x) => x.dataset.stage))]);
    assert.deepEqual(stages, ['REGISTERED']);
    await page.selectOption('#lead-f-stage', '');
    await waitReady(page, 'leads');
    await page.selectOption('#lead-f-owner', 'li');
    await page.waitForFunction(() => location.hash.includes('owner=li'));
    await waitReady(page, 'leads');
    const owners = await page.$$eval('.lead-card .lead-owner', (c) => [...new Set(c.map((x) => x.textContent))]);
    assert.deepEqual(owners, ['li']);
    await page.screenshot({ path: join(SHOTS, 'leads.png') });
  });

  test('refresh docs/screenshots/leads.png (UPDATE_SCREENSHOTS=1)', { skip: !UPDATE_SCREENSHOTS && 'set UPDATE_SCREENSHOTS=1 to refresh' }, async () => {
    const { page } = await as('zhao');
    await page.setViewportSize({ width: 1280, height: 800 });
    await goto(page, '#/leads');
    await page.waitForTimeout(300);
    mkdirSync(DOC_SHOTS, { recursive: true });
    const path = join(DOC_SHOTS, 'leads.png');
    writeFileSync(path, compressPng(await page.screenshot({ type: 'png' })));
    const size = statSync(path).size;
    assert.ok(size < 250 * 1024, `leads.png: ${Math.round(size / 1024)} KiB`);
  });

  test('the brief, logged in, counts each gap\'s leads by stage (gapAnalysis { segments { leads } }); anonymous, it has no such section', async () => {
    const { page } = await as('zhao');
    await goto(page, '#/brief', 'brief');
    const table = await page.waitForSelector('#brief-leads-table');
    const rows = await table.$$eval('tbody tr', (r) => r.map((x) => [...x.children].map((c) => c.textContent)));
    const header = await table.$$eval('thead th', (th) => th.map((x) => x.textContent));
    assert.equal(header[1], '线索');
    assert.equal(header[header.length - 1], '合计');
    const chain = await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain'));
    const scope = await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('scope'));
    const { gapAnalysis } = await apiData(page, 'query($c: ID!, $s: ScopeInput!) { gapAnalysis(chain: $c, scope: $s) { segments { segment { id } status leads { stage } } } }', { c: chain, s: { region: scope } });
    const withLeads = gapAnalysis.segments.filter((g) => g.status !== 'STRONG' && g.leads?.length);
    assert.equal(rows.length, withLeads.length);
    const total = rows.reduce((a, r) => a + Number(r[r.length - 1]), 0);
    assert.equal(total, withLeads.reduce((a, g) => a + g.leads.length, 0));
    assert.ok(total >= 3);
    // The 签约 column counts what the API says is at 签约.
    const signed = rows.reduce((a, r) => a + Number(r[header.indexOf('签约')]), 0);
    assert.equal(signed, withLeads.reduce((a, g) => a + g.leads.filter((l) => l.stage === 'SIGNED').length, 0));
    const anon = await open('#/brief');
    await waitReady(anon.page, 'brief');
    assert.equal(await anon.page.$('#brief-leads'), null);
    await anon.context.close();
  });

  test('logged in, each roadmap step lists its leads by stage, linked to the board filtered by its segment', async () => {
    const { page } = await as('zhao');
    await goto(page, '#/roadmap', 'roadmap');
    const cells = await page.$$eval('[data-table-id="roadmap"] tbody tr', (rows) => rows.map((r) => [r.dataset.rowId, r.querySelector('.step-leads')?.textContent ?? '', r.querySelector('.step-leads')?.getAttribute('href') ?? '']));
    const chain = await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('chain'));
    const scope = await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('scope'));
    const { gapAnalysis } = await apiData(page, 'query($c: ID!, $s: ScopeInput!) { gapAnalysis(chain: $c, scope: $s) { segments { segment { id } leads { stage } } } }', { c: chain, s: { region: scope } });
    const byId = new Map(gapAnalysis.segments.map((g) => [g.segment.id, g.leads ?? []]));
    const zh = { CLUE: '线索', CONTACT: '接洽', VISIT: '考察', NEGOTIATION: '洽谈', SIGNED: '签约', REGISTERED: '注册', CONSTRUCTION: '开工', PRODUCTION: '投产', ON_HOLD: '搁置', TERMINATED: '终止' };
    let withLeads = 0;
    for (const [seg, text, href] of cells) {
      const leads = byId.get(seg) ?? [];
      const want = Object.keys(zh).map((s) => [s, leads.filter((l) => l.stage === s).length]).filter(([, n]) => n).map(([s, n]) => `${zh[s]} ${n}`).join('、');
      assert.equal(text, want, seg);
      if (want) {
        withLeads++;
        assert.ok(href.includes(`segment=${encodeURIComponent(seg)}`) && href.startsWith('#/leads'), href);
      }
    }
    assert.ok(withLeads >= 1, 'the step the first lead came from lists it');
    // Anonymous: no such column.
    const anon = await open('#/roadmap');
    await waitReady(anon.page, 'roadmap');
    assert.equal(await anon.page.$('.step-leads'), null);
    await anon.context.close();
  });

  test('logout ends the session: the page asks to log in and the old session reads nothing', async () => {
    const { page } = await as('li');
    await goto(page, '#/leads');
    await page.click('#logout');
    await page.waitForSelector('#login-open');
    await page.waitForSelector('#leads-login');
    const r = await page.evaluate(async () => (await fetch(`/graphql?query=${encodeURIComponent('{ me { name } }')}`)).json());
    assert.equal(r.data.me, null);
    users.delete('li');
  });
});

describe('rate limit and hygiene', () => {
  test('too many failed logins: the page says to wait, with the seconds', async () => {
    const { page, context } = await open('#/leads');
    await waitReady(page, 'leads');
    await page.click('#login-open');
    let msg = '';
    for (let i = 0; i < 12 && !/过多/.test(msg); i++) {
      await page.fill('#login-name', 'nobody-here');
      await page.fill('#login-password', `wrong password ${i}`);
      await page.click('#login-submit'); // the form clears the old message at once
      await page.waitForSelector('#login-error:not(:empty)');
      msg = await page.textContent('#login-error');
      expected.push(/status of (401|429)/);
    }
    assert.match(msg, /登录尝试过多，请 \d+ 秒后再试/);
    await context.close();
  });

  test('every request went to the server; no unexpected console error; no dialog', () => {
    const bad = requests.filter((u) => !u.startsWith(BASE) && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.deepEqual(bad, []);
    // Each expected error excuses one console error, no more.
    const unexpected = [...errors];
    for (const re of expected) {
      const i = unexpected.findIndex((e) => re.test(e));
      if (i >= 0) unexpected.splice(i, 1);
    }
    assert.deepEqual(unexpected, []);
    assert.deepEqual(dialogs, []);
  });
});
