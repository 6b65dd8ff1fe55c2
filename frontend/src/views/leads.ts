// 招商线索: the pipeline's leads (docs/pipeline.md). Without a login, a prompt to log in
// (leads are never readable without one). Logged in: filters (segment, park, region,
// stage, owner, stale), the funnel (`pipeline`: leads that reached each stage, conversion,
// median days in stage) with its table, a board by stage whose cards move by a stage menu,
// the lead list with CSV / Excel export, and for managers the audit trail and its CSV.
// `#/leads?lead=ID` opens a lead's page: its fields, an edit form at the version it shows
// (a stale version is refused with CONFLICT and the page says so and offers a reload), its
// stage history, its timeline of follow-ups with a follow-up form, and (managers) its audit
// entries. Every text a user typed reaches the page as text (h()), never as HTML.

import type { EChartsType } from 'echarts/core';
import { ApiError, gql } from '../api';
import { downloadBlob, fileName } from '../export/csv';
import { escapeHtml, h, replaceChildren } from '../dom';
import {
  AddFollowUpDocument,
  ApproveStageMoveDocument,
  AuditTrailDocument,
  EvidenceKindsDocument,
  type KpiGroup,
  type KpiPeriod,
  PipelineKpIsDocument,
  type PipelineKpIsQuery,
  type EvidenceKind,
  type EvidenceKindsQuery,
  type MoveRequestFieldsFragment,
  RefuseStageMoveDocument,
  RemindersDocument,
  type RemindersQuery,
  RequestStageMoveDocument,
  type StageRequestInput,
  WithdrawStageMoveDocument,
  type AuditTrailQuery,
  type CloseReason,
  type FollowUpKind,
  LeadDocument,
  type LeadFieldsFragment,
  type LeadFilter,
  type LeadQuery,
  LeadsDocument,
  type LeadsQuery,
  type LeadStage,
  MoveLeadStageDocument,
  PipelineDocument,
  type PipelineQuery,
  UpdateLeadDocument,
  type UpdateLeadInput,
} from '../graphql/generated';
import { lang, nm, num, t, type MessageKey } from '../i18n';
import { ACTIVE_STAGES, allowedMoves, chinaToday, CLOSE_REASONS, FOLLOW_UP_KINDS, formulaFor, LEAD_STAGES, needsApproval, needsReason, stageGroup, today } from '../leads';
import { KPI_COLUMNS, kpiChartOption, kpiSheet, type KpiReport } from '../kpi';
import { shortName, type SegmentIndex } from '../model';
import { canCreate, canEdit, canManage, CSRF_HEADER, csrfToken, session } from '../session';
import type { AppState } from '../state';
import { openLoginDialog, roleLabel } from '../ui/login';
import { renderTable, type Column } from '../ui/table';
import { errorBox, labelled, loading } from '../ui/widgets';
import type { Ctx, View } from './types';

type Lead = LeadFieldsFragment;
type LeadDetail = NonNullable<LeadQuery['lead']>;
type Report = PipelineQuery['pipeline'];
type AuditEntry = AuditTrailQuery['auditTrail'][number];
type Reminder = RemindersQuery['reminders'][number];
type MoveRequest = MoveRequestFieldsFragment;
type EvidenceKindInfo = EvidenceKindsQuery['evidenceKinds'][number];

/** The evidence kinds (asked once per page load: they are the server's fixed list). */
let evidenceKinds: Promise<EvidenceKindInfo[]> | null = null;
function loadEvidenceKinds(): Promise<EvidenceKindInfo[]> {
  evidenceKinds ??= gql(EvidenceKindsDocument, {}).then((r) => r.evidenceKinds).catch((err) => {
    evidenceKinds = null;
    throw err;
  });
  return evidenceKinds;
}

/** Pages of 500 (the API's maximum), at most this many: 10,000 leads (the page says when more match). */
const LEADS_PAGE = 500;
const MAX_PAGES = 20;
const STALE_CHOICES = [7, 14, 30, 60, 90];

export function stageLabel(s: LeadStage | string | null | undefined): string {
  return s ? t(`leadStage.${s}` as MessageKey) || s : '';
}
function reasonLabel(r: CloseReason | string | null | undefined): string {
  return r ? t(`closeReason.${r}` as MessageKey) || r : '';
}
function kindLabel(k: FollowUpKind | string): string {
  return t(`followUpKind.${k}` as MessageKey) || k;
}
/** An RFC 3339 instant as local "YYYY-MM-DD HH:mm". */
function when(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${today(d)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The words for a refused change: CONFLICT says who won and offers a reload (the caller adds the button). */
export function changeErrorText(err: unknown, mine?: number): string {
  if (err instanceof ApiError) {
    if (err.code === 'CONFLICT') {
      const cur = err.extensions.currentVersion;
      return t('lead.conflict', { mine: mine ?? '?', current: typeof cur === 'number' ? cur : '?' });
    }
    if (err.code === 'FORBIDDEN') return `${t('lead.forbidden')}${t('colon')}${err.message}`;
    if (err.code === 'UNAUTHENTICATED') return t('lead.loginAgain');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function createLeadsView(ctx: Ctx): View {
  const el = h('div', { class: 'view view-leads' });
  let token = 0;
  let funnel: EChartsType | null = null;
  let kpiChart: EChartsType | null = null;
  let leads: Lead[] = [];
  let report: Report | null = null;
  let idx: SegmentIndex | null = null;

  const regions = ctx.boot.regions;
  const parks = ctx.boot.parks;
  const segName = (id: string) => shortName(nm(idx?.get(id))) || id;
  const placeName = (l: { parkId?: string | null; regionId?: string | null }) =>
    [l.parkId ? nm(parks.get(l.parkId)) || l.parkId : '', l.regionId ? nm(regions.get(l.regionId)) || l.regionId : ''].filter(Boolean).join(' · ');

  function filterOf(s: AppState): LeadFilter {
    const f: LeadFilter = { chain: ctx.chainId() };
    if (s.segment) f.segment = s.segment;
    if (s.park) f.park = s.park;
    if (s.region) f.region = s.region;
    if (s.stage && (LEAD_STAGES as readonly string[]).includes(s.stage)) f.stages = [s.stage as LeadStage];
    if (s.owner) f.owner = s.owner;
    if (s.stale) f.staleDays = s.stale;
    return f;
  }

  function disposeChart(): void {
    funnel?.dispose();
    funnel = null;
    kpiChart?.dispose();
    kpiChart = null;
  }

  // ---- Not logged in -----------------------------------------------------------------------

  function renderLoginPrompt(): void {
    disposeChart();
    replaceChildren(el, h('div', { class: 'placeholder', id: 'leads-login' },
      h('h2', null, t('view.leads')),
      h('p', null, t('lead.needLogin')),
      h('div', { class: 'placeholder-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => openLoginDialog() } }, t('login.open'))),
    ));
    ctx.ready();
  }

  // ---- Overview: filters, funnel, board, list -------------------------------------------------

  function toolbar(s: AppState): HTMLElement {
    const select = (id: string, label: string, options: [string, string][], value: string | undefined, onChange: (v: string) => void) => {
      const sel = h('select', { id, class: 'select', 'aria-label': label, on: { change: () => onChange(sel.value) } },
        h('option', { value: '' }, t('all')),
        options.map(([v, l]) => {
          const o = h('option', { value: v }, l);
          if (v === value) o.selected = true;
          return o;
        }));
      return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), sel);
    };
    const nav = (patch: Partial<AppState>) => ctx.navigate(patch, { replace: true });
    const segs: [string, string][] = (idx?.chain.segments ?? []).map((g) => [g.id, `${g.id} ${shortName(nm(g))}`]);
    const parkOpts: [string, string][] = ctx.boot.parks.parks.map((p) => [p.id, nm(p)]);
    const focus = ctx.boot.dataset.focusRegion?.id;
    const regionOpts: [string, string][] = focus
      ? [[focus, nm(regions.get(focus))], ...regions.children(focus).map((r): [string, string] => [r.id, nm(r)])]
      : [];
    if (s.region && !regionOpts.some(([v]) => v === s.region)) regionOpts.push([s.region, nm(regions.get(s.region)) || s.region]);
    const owners: [string, string][] = (report?.byOwner ?? []).map((o) => [o.key, o.key]);
    if (s.owner && !owners.some(([v]) => v === s.owner)) owners.push([s.owner, s.owner]);
    return h('div', { class: 'toolbar leads-toolbar' },
      select('lead-f-segment', t('segment'), segs, s.segment, (v) => nav({ segment: v || undefined })),
      select('lead-f-park', t('park'), parkOpts, s.park, (v) => nav({ park: v || undefined })),
      select('lead-f-region', t('region'), regionOpts, s.region, (v) => nav({ region: v || undefined })),
      select('lead-f-stage', t('lead.stage'), LEAD_STAGES.map((st) => [st, stageLabel(st)]), s.stage, (v) => nav({ stage: v || undefined })),
      select('lead-f-owner', t('lead.owner'), owners, s.owner, (v) => nav({ owner: v || undefined })),
      select('lead-f-stale', t('lead.staleFilter'), STALE_CHOICES.map((n) => [String(n), t('lead.staleDays', { n })]), s.stale ? String(s.stale) : undefined,
        (v) => nav({ stale: v ? Number(v) : undefined })),
      h('div', { class: 'toolbar-spacer' }),
      canManage() ? h('a', { class: 'btn', id: 'audit-csv', href: '/export/audit.csv', download: 'chainmap-audit.csv' }, t('lead.auditCsv')) : null,
    );
  }

  async function loadOverview(): Promise<void> {
    const my = ++token;
    ctx.busy();
    disposeChart();
    replaceChildren(el, loading());
    const s = ctx.state();
    const filter = filterOf(s);
    try {
      const [index, rep, list] = await Promise.all([
        ctx.store.chain(ctx.chainId()),
        gql(PipelineDocument, { filter }),
        (async () => {
          const out: Lead[] = [];
          let after: string | null = null;
          for (let i = 0; i < MAX_PAGES; i++) {
            const { leads: page }: LeadsQuery = await gql(LeadsDocument, { filter, first: LEADS_PAGE, after });
            out.push(...page.edges.map((e) => e.node));
            if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
            after = page.pageInfo.endCursor;
          }
          return out;
        })(),
      ]);
      if (my !== token) return;
      idx = index;
      report = rep.pipeline;
      leads = list;
    } catch (err) {
      if (my === token) replaceChildren(el, errorBox(err, () => void loadOverview()));
      return;
    }
    const msg = h('div', { id: 'leads-msg', class: 'leads-msg', role: 'status' });
    takeNotice(msg);
    const chartEl = h('div', { id: 'funnel-chart', class: 'chart funnel-chart', role: 'img', 'aria-label': t('lead.funnel') });
    const who = session()!;
    replaceChildren(el,
      toolbar(s),
      h('p', { class: 'legend-note' }, h('span', { class: 'note-mark' }, 'ⓘ'),
        t('lead.loggedInAs', { name: who.name, role: roleLabel(who.role) }), ' ',
        canCreate() ? t('lead.createHint') : t('lead.viewerHint')),
      // The funnel counts every lead; the board, table and exports hold the first pages.
      report.total > leads.length
        ? h('p', { class: 'legend-note warn', id: 'leads-truncated', role: 'status' }, h('span', { class: 'note-mark' }, '⚠'),
          t('lead.truncated', { shown: leads.length, total: report.total }))
        : null,
      msg,
      remindersSection(msg),
      h('section', { class: 'funnel-block card' },
        h('h3', null, t('lead.funnel'), h('span', { class: 'count' }, t('lead.total', { n: report.total }))),
        h('div', { class: 'funnel-row' }, h('div', { class: 'chart-wrap funnel-wrap' }, chartEl), stageTable(report)),
      ),
      board(msg),
      kpiSection(),
      leadTable(),
      canManage() ? auditSection(null) : null,
    );
    await renderFunnel(chartEl, report);
    if (my === token) ctx.ready();
  }

  /** Leads that reached each active stage: the conversion's `reached`, and the last one's `advanced`. */
  function reachedByStage(r: Report): Map<string, number> {
    const m = new Map<string, number>();
    for (const c of r.conversion) {
      m.set(c.from, c.reached);
      if (!m.has(c.to) || c.to === ACTIVE_STAGES[ACTIVE_STAGES.length - 1]) m.set(c.to, c.advanced);
    }
    return m;
  }

  function stageTable(r: Report): HTMLElement {
    const byStage = new Map(LEAD_STAGES.map((s) => [s as string, stageGroup(r.byStage, s)]));
    const conv = new Map(r.conversion.map((c) => [c.from, c]));
    const days = new Map(r.daysInStage.map((d) => [d.stage, d]));
    const reached = reachedByStage(r);
    const cols: Column<LeadStage>[] = [
      { key: 'stage', header: () => t('lead.stage'), value: (s) => stageLabel(s) },
      { key: 'leads', header: () => t('lead.count'), value: (s) => byStage.get(s)?.leads ?? 0, numeric: true },
      { key: 'investment', header: () => t('lead.investment'), value: (s) => byStage.get(s)?.investment ?? 0, render: (s) => num(byStage.get(s)?.investment ?? 0), numeric: true },
      { key: 'jobs', header: () => t('lead.jobs'), value: (s) => byStage.get(s)?.jobs ?? 0, numeric: true },
      { key: 'reached', header: () => t('lead.reached'), value: (s) => reached.get(s) ?? null, numeric: true },
      {
        key: 'conversion', header: () => t('lead.conversion'), numeric: true,
        value: (s) => (conv.get(s)?.rate ?? null),
        render: (s) => { const c = conv.get(s); return c && c.rate !== null ? `${num(c.rate * 100, 0)}%（${c.advanced}/${c.reached}）` : ''; },
      },
      { key: 'median', header: () => t('lead.medianDays'), value: (s) => days.get(s)?.median ?? null, render: (s) => { const d = days.get(s); return d && d.median !== null ? `${num(d.median, 1)}（n=${d.samples}）` : ''; }, numeric: true },
    ];
    return renderTable({ id: 'pipeline-stages', title: () => t('lead.byStage'), columns: cols, rows: [...LEAD_STAGES], rowId: (s) => s, compact: true, fileParts: [ctx.chainId()] });
  }

  async function renderFunnel(chartEl: HTMLElement, r: Report): Promise<void> {
    const reached = reachedByStage(r);
    const byStage = new Map(LEAD_STAGES.map((s) => [s as string, stageGroup(r.byStage, s)]));
    const conv = new Map(r.conversion.map((c) => [c.from, c]));
    const days = new Map(r.daysInStage.map((d) => [d.stage, d]));
    const { echarts } = await import('../charts/funnel');
    {
      if (!chartEl.isConnected) return;
      funnel = echarts.init(chartEl, null, { renderer: 'svg' });
      const data = ACTIVE_STAGES.map((s) => ({ name: stageLabel(s), value: reached.get(s) ?? 0, stage: s }));
      funnel.setOption({
        animation: false,
        tooltip: {
          trigger: 'item',
          formatter: (p: { data: { stage: LeadStage; value: number } }) => {
            const s = p.data.stage;
            const c = conv.get(s);
            const d = days.get(s);
            const g = byStage.get(s);
            return [
              `<div class="tt-title">${escapeHtml(stageLabel(s))}</div>`,
              `<div>${escapeHtml(t('lead.reached'))}${escapeHtml(t('colon'))}${escapeHtml(p.data.value)}</div>`,
              `<div>${escapeHtml(t('lead.count'))}${escapeHtml(t('colon'))}${escapeHtml(g?.leads ?? 0)} · ${escapeHtml(t('lead.investment'))} ${escapeHtml(num(g?.investment ?? 0))}</div>`,
              c && c.rate !== null ? `<div>${escapeHtml(t('lead.conversion'))}${escapeHtml(t('colon'))}${escapeHtml(num(c.rate * 100, 0))}%</div>` : '',
              d && d.median !== null ? `<div>${escapeHtml(t('lead.medianDays'))}${escapeHtml(t('colon'))}${escapeHtml(num(d.median, 1))}</div>` : '',
            ].join('');
          },
        },
        series: [{
          id: 'funnel', type: 'funnel', sort: 'none', minSize: '8%', maxSize: '100%', left: 10, right: 10, top: 10, bottom: 10, gap: 2,
          label: { show: true, position: 'inside', formatter: '{b} {c}', color: '#fff', fontWeight: 600 },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          color: ['#1d3557', '#274a74', '#0072b2', '#3a87c0', '#56b4e9', '#009e73', '#3cb08f', '#e69f00'],
          data,
        }],
      });
    }
  }

  /** What the last action did, shown once by the next render (which replaces the message area). */
  let notice: string | null = null;
  function takeNotice(msg: HTMLElement): void {
    if (notice) replaceChildren(msg, h('p', { class: 'muted', id: 'req-done', role: 'status' }, notice));
    notice = null;
  }

  /** The card being dragged (drag and drop is a shortcut for the stage menu). */
  let dragging: Lead | null = null;

  function board(msg: HTMLElement): HTMLElement {
    const cols = LEAD_STAGES.map((st) => {
      const list = leads.filter((l) => l.stage === st);
      const accepts = () => !!dragging && movesOf(dragging).includes(st);
      return h('section', {
        class: ['board-col', (st === 'ON_HOLD' || st === 'TERMINATED') && 'board-col-closed'], 'data-stage': st,
        on: {
          dragover: (ev: DragEvent) => {
            if (!accepts()) return;
            ev.preventDefault(); // allows the drop
            (ev.currentTarget as HTMLElement).classList.add('drop-ok');
          },
          dragleave: (ev: DragEvent) => (ev.currentTarget as HTMLElement).classList.remove('drop-ok'),
          drop: (ev: DragEvent) => {
            ev.preventDefault();
            (ev.currentTarget as HTMLElement).classList.remove('drop-ok');
            const l = dragging;
            dragging = null;
            if (!l || !movesOf(l).includes(st)) return;
            choose(l, st, msg, () => void loadOverview());
          },
        },
      },
        h('h4', null, stageLabel(st), h('span', { class: 'count' }, String(list.length))),
        list.map((l) => card(l, msg)),
      );
    });
    return h('section', { class: 'board', id: 'lead-board', 'aria-label': t('lead.board') }, cols);
  }

  function card(l: Lead, msg: HTMLElement): HTMLElement {
    const stale = report?.stale.some((s) => s.id === l.id);
    const editable = canEdit(l);
    return h('article', {
      class: 'lead-card', 'data-lead': l.id, 'data-stage': l.stage, 'data-version': l.version,
      draggable: editable && movesOf(l).length ? 'true' : undefined,
      on: editable
        ? {
            dragstart: (ev: DragEvent) => {
              dragging = l;
              ev.dataTransfer?.setData('text/plain', l.id);
            },
            dragend: () => {
              dragging = null;
            },
          }
        : undefined,
    },
      h('a', { class: 'lead-name', href: `#/leads?lead=${encodeURIComponent(l.id)}&lang=${lang()}` }, l.firmName),
      h('div', { class: 'small' }, segName(l.segmentId), l.segmentMissing ? h('span', { class: 'chip chip-warn' }, t('lead.segmentMissing')) : null),
      h('div', { class: 'small muted' }, placeName(l)),
      h('div', { class: 'small' }, h('span', { class: 'lead-owner' }, l.owner),
        l.investment !== null ? h('span', { class: 'muted' }, ` · ${num(l.investment)} ${t('lead.yi')}`) : null,
        stale ? h('span', { class: 'chip chip-warn' }, t('lead.stale')) : null,
        l.enterpriseMissing ? h('span', { class: 'chip chip-warn' }, t('lead.enterpriseMissing')) : null),
      editable ? stageMenu(l, msg, () => void loadOverview()) : l.request ? h('span', { class: 'chip chip-warn lead-pending', 'data-to': l.request.to }, t('req.pending', { stage: stageLabel(l.request.to) })) : null,
    );
  }

  /** What a chosen move does: 搁置 / 终止 ask for a reason, 签约 and later open a request, the rest move. */
  function choose(l: Lead, to: LeadStage, msg: HTMLElement, after: () => void): void {
    if (needsReason(to)) reasonDialog(l, to, msg, after);
    else if (needsApproval(l.stage, l.heldFrom, to)) void requestDialog(l, to, msg, after);
    else void move(l, to, null, null, msg, after);
  }

  /** The moves this lead may make now: none while a request waits (the server refuses them). */
  function movesOf(l: Lead): LeadStage[] {
    return l.request ? [] : allowedMoves(l.stage, l.heldFrom);
  }

  /**
   * A select of the moves this lead may make; 搁置 / 终止 ask for a reason first, and 签约,
   * 注册, 开工, 投产 (beyond what the lead held) are requests with evidence. While a request
   * waits, a chip says so instead.
   */
  function stageMenu(l: Lead, msg: HTMLElement, after: () => void): HTMLElement | null {
    if (l.request) return h('span', { class: 'chip chip-warn lead-pending', 'data-to': l.request.to }, t('req.pending', { stage: stageLabel(l.request.to) }));
    const moves = movesOf(l);
    if (!moves.length) return null;
    const sel = h('select', {
      class: 'select stage-menu', 'aria-label': t('lead.moveTo'), 'data-lead': l.id,
      on: {
        change: () => {
          const to = sel.value as LeadStage;
          sel.value = '';
          if (!to) return;
          choose(l, to, msg, after);
        },
      },
    }, h('option', { value: '' }, t('lead.moveTo')), moves.map((m) => h('option', { value: m }, stageLabel(m))));
    return sel;
  }

  async function move(l: Lead, to: LeadStage, reason: CloseReason | null, note: string | null, msg: HTMLElement, after: () => void): Promise<boolean> {
    try {
      await gql(MoveLeadStageDocument, { id: l.id, version: l.version, stage: to, reason, note });
      after();
      return true;
    } catch (err) {
      showError(msg, err, l.version, after);
      return false;
    }
  }

  function reasonDialog(l: Lead, to: LeadStage, msg: HTMLElement, after: () => void): void {
    const reason = h('select', { class: 'select', id: 'close-reason', required: true },
      h('option', { value: '' }, t('lead.chooseReason')),
      CLOSE_REASONS.map((r) => h('option', { value: r }, reasonLabel(r))));
    const note = h('textarea', { class: 'input-text', id: 'close-note', maxlength: 2000, rows: 3 });
    const err = h('p', { class: 'form-msg error', role: 'alert' });
    const form = h('form', {
      method: 'dialog',
      on: {
        submit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          if (!reason.value) {
            replaceChildren(err, t('lead.chooseReason'));
            return;
          }
          if (reason.value === 'OTHER' && !note.value.trim()) {
            replaceChildren(err, t('lead.otherNeedsNote'));
            return;
          }
          dlg.close();
          await move(l, to, reason.value as CloseReason, note.value.trim() || null, msg, after);
        },
      },
    },
    h('h2', null, t('lead.moveToStage', { stage: stageLabel(to) }), ' · ', l.firmName),
    h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('lead.reason')), reason),
    h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('lead.reasonNote')), note),
    err,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'close-submit' }, t('lead.confirm')),
      h('button', { type: 'button', class: 'btn', on: { click: () => dlg.close() } }, t('cancel'))));
    const dlg = h('dialog', { class: 'login-dialog', id: 'reason-dialog' }, form);
    dlg.addEventListener('close', () => dlg.remove());
    document.body.appendChild(dlg);
    dlg.showModal();
  }

  /**
   * The request for a move to 签约 or later (docs/pipeline.md "Approval of moves"): one
   * evidence item (kind from the server's list, reference, date not in the future) and the
   * amounts it establishes. The lead keeps its stage until an approver approves.
   */
  async function requestDialog(l: Lead, to: LeadStage, msg: HTMLElement, after: () => void): Promise<void> {
    let kinds: EvidenceKindInfo[];
    try {
      kinds = await loadEvidenceKinds();
    } catch (err) {
      showError(msg, err, l.version, after);
      return;
    }
    // Kinds that establish this stage first, then the rest (a 转账凭证 may accompany it).
    const ordered = [...kinds.filter((k) => k.stages.includes(to)), ...kinds.filter((k) => !k.stages.includes(to))];
    const kind = h('select', { class: 'select', id: 'req-kind', required: true },
      ordered.map((k) => h('option', { value: k.kind }, k.label)));
    const ref = h('input', { type: 'text', class: 'input-text', id: 'req-ref', maxlength: 200 });
    const date = h('input', { type: 'date', class: 'input-text', id: 'req-date', value: today(), max: today() });
    const money = (id: string) => h('input', { type: 'number', class: 'input-num', id, min: 0, step: 'any' });
    const contracted = money('req-contracted');
    const paidIn = money('req-paidin');
    const note = h('textarea', { class: 'input-text', id: 'req-note', maxlength: 2000, rows: 2 });
    const confirm = h('input', { type: 'checkbox', id: 'req-confirm' });
    const file = h('input', { type: 'file', id: 'req-file', accept: '.pdf,.png,.jpg,.jpeg,.docx,.xlsx,.ofd' });
    /** The file already stored with the lead (a retry after a refused request does not upload it twice). */
    let uploaded: { file: File; id: string } | null = null;
    const err = h('p', { class: 'form-msg error', id: 'req-error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'req-submit' }, t('req.submit'));
    const row = (label: string, input: HTMLElement) => h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, label), input);
    const amount = (input: HTMLInputElement): number | null | 'bad' => {
      if (input.validity.badInput || !input.validity.valid) return 'bad';
      if (input.value.trim() === '') return null;
      const v = Number(input.value);
      return Number.isFinite(v) && v >= 0 ? v : 'bad';
    };
    const form = h('form', {
      method: 'dialog',
      on: {
        submit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          replaceChildren(err);
          if (!ref.value.trim()) return void replaceChildren(err, t('req.needRef'));
          if (!/^\d{4}-\d{2}-\d{2}$/.test(date.value) || date.value > today()) return void replaceChildren(err, t('req.needDate'));
          const c = amount(contracted);
          const p = amount(paidIn);
          if (c === 'bad' || p === 'bad') return void replaceChildren(err, t('lead.badNumber'));
          submit.disabled = true;
          const f = file.files?.[0] ?? null;
          let attachmentIds: string[] = [];
          if (f) {
            try {
              if (uploaded?.file !== f) uploaded = { file: f, id: await uploadEvidence(l.id, f) };
              attachmentIds = [uploaded.id];
            } catch (e) {
              submit.disabled = false;
              return void replaceChildren(err, e instanceof Error ? e.message : String(e));
            }
          }
          const input: StageRequestInput = {
            stage: to,
            evidence: [{ kind: kind.value as EvidenceKind, reference: ref.value.trim(), date: date.value, attachmentIds }],
            contracted: c, paidIn: p, note: note.value.trim() || null, confirmJump: confirm.checked || null,
          };
          try {
            await gql(RequestStageMoveDocument, { id: l.id, version: l.version, input });
            dlg.close();
            notice = t('req.sent', { firm: l.firmName, stage: stageLabel(to) });
            after();
          } catch (e) {
            submit.disabled = false;
            if (e instanceof ApiError && e.code === 'CONFLICT') {
              dlg.close();
              showError(msg, e, l.version, after);
            } else replaceChildren(err, changeErrorText(e, l.version));
          }
        },
      },
    },
    h('h2', null, t('req.title', { stage: stageLabel(to) }), ' · ', l.firmName),
    h('p', { class: 'muted small' }, t('req.hint')),
    row(t('req.kind'), kind),
    row(t('req.reference'), ref),
    row(t('req.date'), date),
    row(t('req.file'), file),
    row(t('req.contracted'), contracted),
    row(t('req.paidIn'), paidIn),
    row(t('req.note'), note),
    h('label', { class: 'form-row' }, confirm, ' ', t('req.confirmJump')),
    err,
    h('div', { class: 'form-actions' }, submit,
      h('button', { type: 'button', class: 'btn', on: { click: () => dlg.close() } }, t('cancel'))));
    const dlg = h('dialog', { class: 'login-dialog', id: 'request-dialog', 'data-to': to }, form);
    dlg.addEventListener('close', () => dlg.remove());
    document.body.appendChild(dlg);
    dlg.showModal();
    ref.focus();
  }

  /**
   * Stores an evidence file with the lead (POST /leads/{id}/attachments, multipart field
   * `file`, with the session's CSRF token); the server judges its type by content and
   * refuses anything else, in words shown in the form. Returns the attachment's id.
   */
  async function uploadEvidence(lead: string, f: File): Promise<string> {
    const form = new FormData();
    form.append('file', f, f.name);
    const token = csrfToken();
    const res = await fetch(`/leads/${encodeURIComponent(lead)}/attachments`, {
      method: 'POST', body: form, credentials: 'same-origin', headers: token ? { [CSRF_HEADER]: token } : {},
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok || typeof body.id !== 'string') throw new Error(`${t('req.fileRefused')}${t('colon')}${typeof body.error === 'string' ? body.error : `HTTP ${res.status}`}`);
    return body.id;
  }

  /** Refusing needs a reason: a dialog that will not send without one. */
  function refuseDialog(lead: { id: string; version: number; firmName: string }, msg: HTMLElement, after: () => void): void {
    const reason = h('textarea', { class: 'input-text', id: 'refuse-reason', maxlength: 2000, rows: 3 });
    const err = h('p', { class: 'form-msg error', role: 'alert' });
    const form = h('form', {
      method: 'dialog',
      on: {
        submit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          if (!reason.value.trim()) return void replaceChildren(err, t('req.needReason'));
          dlg.close();
          try {
            await gql(RefuseStageMoveDocument, { id: lead.id, version: lead.version, reason: reason.value.trim() });
            notice = t('req.refused', { firm: lead.firmName });
            after();
          } catch (e) {
            showError(msg, e, lead.version, after);
          }
        },
      },
    },
    h('h2', null, t('req.refuseTitle', { firm: lead.firmName })),
    h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('req.refuseReason')), reason),
    err,
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'refuse-submit' }, t('req.refuse')),
      h('button', { type: 'button', class: 'btn', on: { click: () => dlg.close() } }, t('cancel'))));
    const dlg = h('dialog', { class: 'login-dialog', id: 'refuse-dialog' }, form);
    dlg.addEventListener('close', () => dlg.remove());
    document.body.appendChild(dlg);
    dlg.showModal();
  }

  /** A waiting request: what it asks, on what evidence, and (to whoever may) approve / refuse / withdraw. */
  function requestBox(
    r: MoveRequest, lead: { id: string; version: number; firmName: string; owner: string },
    mayDecide: boolean, msg: HTMLElement, after: () => void,
  ): HTMLElement {
    const me = session();
    const mayWithdraw = !!me && (r.by === me.name || canManage()) && canEdit(lead);
    const act = (id: string, label: string, fn: () => void) => h('button', { type: 'button', class: `btn btn-small ${id}`, 'data-lead': lead.id, on: { click: fn } }, label);
    return h('div', { class: 'request-box', 'data-lead': lead.id, 'data-request': r.id, 'data-to': r.to },
      h('div', null, h('strong', null, `${stageLabel(r.from)} → ${stageLabel(r.to)}`), ' ',
        h('span', { class: 'muted small' }, t('req.by', { by: r.by, at: when(r.at) }))),
      h('ul', { class: 'cell-list req-evidence' }, r.evidence.map((e) => h('li', null, `${t(`evidence.${e.kind}` as MessageKey) || e.kind} · ${e.reference} · ${e.date}`,
        e.attachmentIds.map((id) => [' ', h('a', { class: 'req-file', href: `/attachments/${encodeURIComponent(id)}`, download: '' }, `📎 ${t('req.fileLink')}`)])))),
      r.contracted !== null || r.paidIn !== null
        ? h('div', { class: 'small req-amounts' }, t('req.amounts', { c: r.contracted !== null ? num(r.contracted) : '—', p: r.paidIn !== null ? num(r.paidIn) : '—' }))
        : null,
      r.note ? h('div', { class: 'small tl-notes' }, r.note) : null,
      r.flags.length ? h('div', { class: 'small' }, h('span', { class: 'chip chip-warn' }, t('req.flags')), ' ', r.flags.join('；')) : null,
      r.duplicates.length
        ? h('div', { class: 'small req-duplicates' }, h('span', { class: 'chip chip-warn' }, t('req.duplicates')), ' ',
          r.duplicates.map((d) => `${d.firmName}（${stageLabel(d.stage)}，${d.owner}，${d.match}）`).join('；'))
        : null,
      h('div', { class: 'form-actions' },
        mayDecide ? act('req-approve', t('req.approve'), async () => {
          try {
            await gql(ApproveStageMoveDocument, { id: lead.id, version: lead.version });
            notice = t('req.approved', { firm: lead.firmName, stage: stageLabel(r.to) });
            after();
          } catch (e) {
            showError(msg, e, lead.version, after);
          }
        }) : null,
        mayDecide ? act('req-refuse', t('req.refuse'), () => refuseDialog(lead, msg, after)) : null,
        mayWithdraw ? act('req-withdraw', t('req.withdraw'), async () => {
          try {
            await gql(WithdrawStageMoveDocument, { id: lead.id, version: lead.version });
            after();
          } catch (e) {
            showError(msg, e, lead.version, after);
          }
        }) : null,
      ),
    );
  }

  /** Reminders (`reminders`): approvals first, with their requests; then overdue steps, stale leads, passed landing dates. */
  function remindersSection(msg: HTMLElement): HTMLElement {
    const host = h('div', null, loading());
    void (async () => {
      let list: Reminder[];
      try {
        list = (await gql(RemindersDocument, { staleDays: null })).reminders;
      } catch (err) {
        replaceChildren(host, errorBox(err));
        return;
      }
      if (!list.length) return void replaceChildren(host, h('p', { class: 'muted', id: 'reminders-none' }, t('rem.none')));
      replaceChildren(host, h('table', { class: 'table-block data reminders-table' },
        h('thead', null, h('tr', null, [t('rem.kind'), t('lead.firm'), t('lead.owner'), t('rem.since'), t('rem.days'), t('rem.message')].map((c) => h('th', null, c)))),
        h('tbody', null, list.map((r) => h('tr', { 'data-kind': r.kind, 'data-lead': r.lead.id },
          h('td', null, h('span', { class: ['chip', r.kind === 'APPROVAL_WAITING' ? 'chip-accent' : 'chip-warn'] }, t(`rem.${r.kind}` as MessageKey) || r.kind)),
          h('td', { class: 'wrap' }, h('a', { href: `#/leads?lead=${encodeURIComponent(r.lead.id)}&lang=${lang()}` }, r.lead.firmName)),
          h('td', null, r.lead.owner),
          h('td', null, r.since),
          h('td', { class: 'num' }, String(r.days)),
          h('td', { class: 'wrap' }, r.message,
            r.kind === 'APPROVAL_WAITING' && r.lead.request ? requestBox(r.lead.request, r.lead, r.canDecide, msg, () => void loadOverview()) : null),
        )))));
    })();
    return h('section', { class: 'card reminders-block', id: 'lead-reminders' }, h('h3', null, t('rem.title')), host);
  }

  /**
   * The KPIs (`pipelineKPIs`, from approved records only) by period and group, each figure's
   * formula from the API as its column's tooltip and in a footnote, and the same figures as
   * CSV (/export/kpis.csv). Over the chain's leads, from the first of this year to today
   * unless chosen otherwise.
   */
  function kpiSection(): HTMLElement {
    const field = (label: string, input: HTMLElement) => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input);
    const now = chinaToday();
    const period = h('select', { class: 'select', id: 'kpi-period', 'aria-label': t('kpi.period') },
      (['MONTH', 'QUARTER', 'YEAR'] as const).map((p) => h('option', { value: p }, t(`kpi.period.${p}` as MessageKey))));
    const group = h('select', { class: 'select', id: 'kpi-group', 'aria-label': t('kpi.group') },
      (['NONE', 'CHAIN', 'SEGMENT', 'PARK', 'REGION', 'OWNER'] as const).map((g) => h('option', { value: g }, t(`kpi.group.${g}` as MessageKey))));
    const from = h('input', { type: 'date', class: 'input-text', id: 'kpi-from', value: `${now.slice(0, 4)}-01-01`, max: now });
    const to = h('input', { type: 'date', class: 'input-text', id: 'kpi-to', value: now });
    const csv = h('a', { class: 'btn btn-small', id: 'kpi-csv', download: 'chainmap-kpis.csv' }, t('kpi.csv'));
    // The Excel file holds the answer on screen (the CSV's columns, kpiSheet), so it needs no second request.
    let shown: KpiReport | null = null;
    const xlsx = h('button', { type: 'button', class: 'btn btn-small', id: 'kpi-xlsx', disabled: true, on: { click: async () => {
      if (!shown) return;
      const rep = shown;
      xlsx.disabled = true;
      try {
        const { toXlsx } = await import('../export/xlsx');
        downloadBlob(await toXlsx([kpiSheet(rep, t('kpi.title'))]), fileName(['kpis', rep.period.toLowerCase()], 'xlsx'));
      } finally {
        xlsx.disabled = false;
      }
    } } }, t('kpi.xlsx'));
    const host = h('div', { id: 'kpi-host' }, loading());
    const section = h('section', { class: 'card kpi-block', id: 'lead-kpis', 'data-state': 'loading' },
      h('h3', null, t('kpi.title')),
      h('div', { class: 'toolbar' },
        field(t('kpi.period'), period), field(t('kpi.group'), group), field(t('kpi.from'), from), field(t('kpi.to'), to), csv, xlsx),
      host);
    let my = 0;
    const load = async () => {
      const n = ++my;
      const chain = ctx.chainId();
      const vars = { period: period.value as KpiPeriod, groupBy: group.value as KpiGroup, from: from.value, to: to.value, filter: { chain } };
      csv.href = `/export/kpis.csv?${new URLSearchParams({ period: vars.period.toLowerCase(), groupBy: vars.groupBy.toLowerCase(), from: vars.from, to: vars.to, chain })}`;
      section.dataset.state = 'loading';
      shown = null;
      xlsx.disabled = true;
      replaceChildren(host, loading());
      let rep: PipelineKpIsQuery['pipelineKPIs'];
      try {
        rep = (await gql(PipelineKpIsDocument, vars)).pipelineKPIs;
      } catch (err) {
        if (n === my) replaceChildren(host, errorBox(err, () => void load()));
        section.dataset.state = 'error';
        return;
      }
      if (n !== my) return;
      const option = kpiChartOption(rep, {
        signed: t('kpi.col.signed'), started: t('kpi.col.started'), performanceRate: t('kpi.col.performanceRate'),
        fundingRate: t('kpi.col.fundingRate'), count: t('kpi.chartCount'), rate: t('kpi.chartRate'),
      });
      const chartEl = h('div', { id: 'kpi-chart', class: 'chart kpi-chart', role: 'img', 'aria-label': t('kpi.chart') });
      kpiChart?.dispose();
      kpiChart = null;
      replaceChildren(host,
        option ? h('div', { class: 'chart-wrap kpi-chart-wrap' }, chartEl) : h('p', { class: 'muted small', id: 'kpi-chart-none' }, t('kpi.chartGrouped')),
        kpiTable(rep));
      if (option) {
        // ECharts' bar and line parts are a chunk of their own, fetched with the first chart.
        const { echarts } = await import('../charts/kpi');
        if (n !== my || !chartEl.isConnected) return;
        kpiChart = echarts.init(chartEl, null, { renderer: 'svg' });
        kpiChart.setOption(option);
      }
      shown = rep;
      xlsx.disabled = false;
      section.dataset.state = 'ready';
    };
    for (const c of [period, group, from, to]) c.addEventListener('change', () => void load());
    void load();
    return section;
  }

  function kpiGroupName(by: string, id: string): string {
    if (!id) return '—';
    switch (by) {
      case 'CHAIN': return nm(ctx.boot.chains.find((c) => c.id === id)) || id;
      case 'SEGMENT': return segName(id);
      case 'PARK': return nm(parks.get(id)) || id;
      case 'REGION': return nm(regions.get(id)) || id;
      default: return id;
    }
  }

  function kpiTable(rep: PipelineKpIsQuery['pipelineKPIs']): HTMLElement {
    const cols = KPI_COLUMNS;
    const head = (key: string) => {
      const f = formulaFor(rep.formulas, key);
      return h('th', { 'data-k': key, title: f ? f.formula : undefined, class: 'num' }, t(`kpi.col.${key}` as MessageKey) || key, f ? h('sup', { class: 'muted' }, `${rep.formulas.indexOf(f) + 1}`) : null);
    };
    return h('div', null,
      h('div', { class: 'table-scroll' }, h('table', { class: 'table-block data kpi-table', id: 'kpi-table' },
        h('thead', null, h('tr', null, h('th', null, t('kpi.col.period')), rep.groupBy !== 'NONE' ? h('th', null, t(`kpi.group.${rep.groupBy}` as MessageKey)) : null, cols.map(([k]) => head(k)))),
        h('tbody', null, rep.rows.map((r) => h('tr', { 'data-period': r.period, 'data-group': r.group },
          h('td', { title: `${r.start} – ${r.last}` }, r.period),
          rep.groupBy !== 'NONE' ? h('td', null, kpiGroupName(rep.groupBy, r.group)) : null,
          cols.map(([k, v]) => h('td', { class: 'num', 'data-k': k }, String(v(r))))))))),
      h('h4', null, t('kpi.formulas')),
      h('ol', { class: 'kpi-formulas small muted', id: 'kpi-formulas' }, rep.formulas.map((f) => h('li', { 'data-name': f.name }, h('strong', null, f.name), `：${f.formula}`))),
    );
  }

  /** Shows a refused change; a CONFLICT gets a reload button. */
  function showError(msg: HTMLElement, err: unknown, mine: number, reload: () => void): void {
    const conflict = err instanceof ApiError && err.code === 'CONFLICT';
    replaceChildren(msg, h('div', { class: ['error-box', conflict && 'conflict'], role: 'alert', 'data-code': err instanceof ApiError ? err.code ?? '' : '' },
      h('strong', null, conflict ? t('lead.conflictTitle') : t('lead.refused')),
      h('span', null, changeErrorText(err, mine)),
      conflict ? h('button', { type: 'button', class: 'btn', id: 'conflict-reload', on: { click: reload } }, t('lead.reload')) : null,
    ));
    msg.scrollIntoView({ block: 'nearest' });
  }

  function leadTable(): HTMLElement {
    const cols: Column<Lead>[] = [
      { key: 'firm', header: () => t('lead.firm'), value: (l) => l.firmName, render: (l) => h('a', { href: `#/leads?lead=${encodeURIComponent(l.id)}&lang=${lang()}` }, l.firmName), cls: 'wrap title' },
      { key: 'creditCode', header: () => t('lead.creditCode'), value: (l) => l.creditCode ?? '', exportOnly: true },
      { key: 'segment', header: () => t('segment'), value: (l) => segName(l.segmentId) },
      { key: 'segmentId', header: () => t('lead.segmentId'), value: (l) => l.segmentId, exportOnly: true },
      { key: 'place', header: () => t('lead.place'), value: (l) => placeName(l), cls: 'wrap' },
      { key: 'stage', header: () => t('lead.stage'), value: (l) => stageLabel(l.stage) },
      { key: 'owner', header: () => t('lead.owner'), value: (l) => l.owner },
      { key: 'investment', header: () => t('lead.investment'), value: (l) => l.investment, render: (l) => num(l.investment), numeric: true },
      { key: 'capacity', header: () => t('capacity'), value: (l) => l.capacity, render: (l) => (l.capacity !== null ? `${num(l.capacity)} ${l.capacityUnit ?? ''}` : ''), numeric: true },
      { key: 'unit', header: () => t('unit'), value: (l) => l.capacityUnit ?? '', exportOnly: true },
      { key: 'jobs', header: () => t('lead.jobs'), value: (l) => l.jobs, numeric: true },
      { key: 'nextStep', header: () => t('lead.nextStep'), value: (l) => l.nextStep ?? '', cls: 'wrap' },
      { key: 'due', header: () => t('lead.nextStepDue'), value: (l) => l.nextStepDue ?? '' },
      { key: 'lastActivity', header: () => t('lead.lastActivity'), value: (l) => when(l.lastActivity) },
      { key: 'reason', header: () => t('lead.reason'), value: (l) => reasonLabel(l.reason), exportOnly: true },
      { key: 'reasonNote', header: () => t('lead.reasonNote'), value: (l) => l.reasonNote ?? '', exportOnly: true },
      { key: 'version', header: () => t('lead.version'), value: (l) => l.version, numeric: true, exportOnly: true },
      { key: 'id', header: () => 'ID', value: (l) => l.id, exportOnly: true },
    ];
    return renderTable({ id: 'leads', title: () => t('lead.list'), columns: cols, rows: leads, rowId: (l) => l.id, fileParts: [ctx.chainId()], empty: () => t('lead.none'), hideEmpty: true });
  }

  /** The audit trail (managers): a lead's entries, or the latest of the whole trail. */
  function auditSection(subject: string | null): HTMLElement {
    const host = h('div', null, loading());
    void (async () => {
      try {
        let entries: AuditEntry[] = [];
        if (subject) {
          entries = (await gql(AuditTrailDocument, { subject, first: 1000 })).auditTrail;
        } else {
          // The trail reads oldest first after a sequence number: page to its end (bounded), keep the latest.
          let after = 0;
          for (let i = 0; i < 20; i++) {
            const page = (await gql(AuditTrailDocument, { after, first: 1000 })).auditTrail;
            entries.push(...page);
            if (entries.length > 200) entries = entries.slice(-200);
            if (page.length < 1000) break;
            after = page[page.length - 1].seq;
          }
          entries = entries.slice(-50);
        }
        entries.reverse();
        const cols: Column<AuditEntry>[] = [
          { key: 'seq', header: () => '#', value: (e) => e.seq, numeric: true },
          { key: 'at', header: () => t('lead.at'), value: (e) => when(e.at) },
          { key: 'actor', header: () => t('lead.actor'), value: (e) => e.actor },
          { key: 'action', header: () => t('lead.action'), value: (e) => e.action },
          { key: 'subject', header: () => t('lead.subject'), value: (e) => e.subject, cls: 'ids' },
          { key: 'before', header: () => t('lead.before'), value: (e) => e.before ?? '', cls: 'wrap long json' },
          { key: 'after', header: () => t('lead.after'), value: (e) => e.after ?? '', cls: 'wrap long json' },
        ];
        replaceChildren(host, renderTable({ id: 'audit', title: () => (subject ? t('lead.auditOfLead') : t('lead.auditLatest')), columns: cols, rows: entries, rowId: (e) => String(e.seq), compact: true, maxRows: 50 }));
      } catch (err) {
        replaceChildren(host, errorBox(err));
      }
    })();
    return h('section', { class: 'audit-block', id: 'audit-trail' },
      h('p', null, h('a', { class: 'btn btn-small', href: '/export/audit.csv', download: 'chainmap-audit.csv' }, t('lead.auditCsv'))), host);
  }

  // ---- A lead's page --------------------------------------------------------------------------

  async function loadLead(id: string): Promise<void> {
    const my = ++token;
    ctx.busy();
    disposeChart();
    replaceChildren(el, loading());
    let lead: LeadDetail | null;
    try {
      const [index, res] = await Promise.all([ctx.store.chain(ctx.chainId()), gql(LeadDocument, { id })]);
      if (my !== token) return;
      idx = index;
      lead = res.lead;
    } catch (err) {
      if (my === token) replaceChildren(el, errorBox(err, () => void loadLead(id)));
      return;
    }
    const back = h('a', { class: 'btn btn-small', id: 'lead-back', href: `#/leads?lang=${lang()}` }, `← ${t('lead.backToBoard')}`);
    if (!lead) {
      replaceChildren(el, back, h('p', { class: 'muted', id: 'lead-missing' }, t('lead.notFound')));
      ctx.ready();
      return;
    }
    renderLead(lead, back);
    ctx.ready();
  }

  function renderLead(l: LeadDetail, back: HTMLElement): void {
    const msg = h('div', { id: 'lead-msg', class: 'leads-msg', role: 'status' });
    takeNotice(msg);
    const reload = () => void loadLead(l.id);
    const editable = canEdit(l);
    const segUnit = idx?.get(l.segmentId)?.unit ?? l.capacityUnit ?? '';
    replaceChildren(el,
      back,
      h('article', { class: 'lead-page', 'data-lead': l.id, 'data-version': l.version, 'data-stage': l.stage },
        h('header', { class: 'lead-head' },
          h('h2', { id: 'lead-title' }, l.firmName),
          h('span', { class: 'chip chip-accent', id: 'lead-stage' }, stageLabel(l.stage)),
          h('span', { class: 'muted small', id: 'lead-version' }, t('lead.versionN', { n: l.version })),
          l.enterpriseMissing ? h('span', { class: 'chip chip-warn' }, t('lead.enterpriseMissing')) : null,
          l.segmentMissing ? h('span', { class: 'chip chip-warn' }, t('lead.segmentMissing')) : null,
          editable ? stageMenu(l, msg, reload) : null,
        ),
        msg,
        l.request
          ? h('section', { class: 'card lead-request', id: 'lead-request' }, h('h3', null, t('req.section')), requestBox(l.request, l, l.canDecide, msg, reload))
          : null,
        h('div', { class: 'lead-grid' },
          h('section', { class: 'card lead-facts' },
            labelled(t('segment'), `${segName(l.segmentId)}（${l.segmentId}）`),
            labelled(t('lead.place'), placeName(l)),
            labelled(t('lead.owner'), l.owner),
            labelled(t('lead.creditCode'), l.creditCode ?? ''),
            labelled(t('lead.investment'), l.investment !== null ? `${num(l.investment)} ${t('lead.yi')}` : ''),
            labelled(t('capacity'), l.capacity !== null ? `${num(l.capacity)} ${l.capacityUnit ?? ''}` : ''),
            labelled(t('lead.jobs'), l.jobs !== null ? num(l.jobs, 0) : ''),
            labelled(t('lead.nextStep'), [l.nextStep ?? '', l.nextStepDue ? `（${l.nextStepDue}）` : ''].join('')),
            l.reason ? labelled(t('lead.reason'), `${reasonLabel(l.reason)}${l.reasonNote ? ` · ${l.reasonNote}` : ''}`) : null,
            labelled(t('lead.origin'), l.origin ?? ''),
            labelled(t('lead.created'), `${when(l.createdAt)} · ${l.createdBy}`),
            labelled(t('lead.lastActivity'), when(l.lastActivity)),
          ),
          editable ? editForm(l, segUnit, msg, reload) : null,
        ),
        h('section', { class: 'lead-timeline' },
          h('h3', null, t('lead.timeline'), h('span', { class: 'count' }, String(l.followUps.length))),
          editable ? followUpForm(l, msg, reload) : null,
          l.followUps.length
            ? h('ol', { class: 'timeline', id: 'lead-followups' }, [...l.followUps].reverse().map((f) => h('li', { 'data-followup': f.id },
                h('div', { class: 'tl-head' }, h('strong', null, f.date), ' ', h('span', { class: 'chip' }, kindLabel(f.kind)), h('span', { class: 'muted small' }, ` ${f.by} · ${when(f.at)}`)),
                f.notes ? h('p', { class: 'tl-notes' }, f.notes) : null)))
            : h('p', { class: 'muted', id: 'lead-followups' }, t('lead.noFollowUps')),
        ),
        renderTable({
          id: 'lead-history', title: () => t('lead.history'), rows: l.history, compact: true,
          columns: [
            { key: 'at', header: () => t('lead.at'), value: (c) => when(c.at) },
            { key: 'from', header: () => t('lead.from'), value: (c) => stageLabel(c.from) },
            { key: 'to', header: () => t('lead.to'), value: (c) => stageLabel(c.to) },
            { key: 'by', header: () => t('lead.actor'), value: (c) => c.by },
          ],
          fileParts: [l.id],
        }),
        l.decisions.length
          ? renderTable({
            id: 'lead-decisions', title: () => t('req.decisions'), rows: l.decisions, compact: true, rowId: (d) => d.id,
            columns: [
              { key: 'to', header: () => t('lead.to'), value: (d) => stageLabel(d.to) },
              { key: 'by', header: () => t('lead.actor'), value: (d) => d.by },
              { key: 'decision', header: () => t('rem.kind'), value: (d) => (d.decision ? t(`req.decision.${d.decision}` as MessageKey) : '') },
              { key: 'decidedBy', header: () => t('req.approve'), value: (d) => d.decidedBy ?? '' },
              { key: 'decidedAt', header: () => t('lead.at'), value: (d) => when(d.decidedAt) },
              { key: 'reason', header: () => t('req.refuseReason'), value: (d) => d.reason ?? '', cls: 'wrap' },
            ],
            fileParts: [l.id, 'decisions'],
          })
          : null,
        canManage() ? auditSection(l.id) : null,
      ),
    );
  }

  /** The update form at the lead's version; only fields that changed are sent. */
  function editForm(l: LeadDetail, unit: string, msg: HTMLElement, reload: () => void): HTMLElement {
    const text = (id: string, value: string | null, max = 200) => h('input', { type: 'text', class: 'input-text', id, name: id, maxlength: max, value: value ?? '' });
    const numIn = (id: string, value: number | null, step = 'any') => h('input', { type: 'number', class: 'input-num', id, name: id, min: 0, step, value: value ?? '' });
    const firm = text('edit-firm', l.firmName);
    const credit = text('edit-credit', l.creditCode, 18);
    const owner = canManage() ? text('edit-owner', l.owner, 64) : null;
    const inv = numIn('edit-investment', l.investment);
    const cap = numIn('edit-capacity', l.capacity);
    const jobs = numIn('edit-jobs', l.jobs, '1');
    const next = text('edit-next', l.nextStep);
    const due = h('input', { type: 'date', class: 'input-text', id: 'edit-due', value: l.nextStepDue ?? '' });
    const parkSel = h('select', { class: 'select', id: 'edit-park' }, h('option', { value: '' }, '—'),
      ctx.boot.parks.parks.map((p) => {
        const o = h('option', { value: p.id }, nm(p));
        if (p.id === l.parkId) o.selected = true;
        return o;
      }));
    const row = (label: string, input: HTMLElement) => h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, label), input);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'edit-submit' }, t('lead.save'));
    const numOrNull = (v: string) => (v.trim() === '' ? null : Number(v));
    return h('form', {
      class: 'card lead-edit', id: 'lead-edit', 'data-version': l.version,
      on: {
        submit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          const input: UpdateLeadInput = {};
          if (firm.value.trim() !== l.firmName) input.firmName = firm.value.trim();
          if (credit.value.trim() !== (l.creditCode ?? '')) input.creditCode = credit.value.trim();
          if (owner && owner.value.trim() !== l.owner) input.owner = owner.value.trim();
          if (parkSel.value && parkSel.value !== (l.parkId ?? '')) input.park = parkSel.value;
          if (next.value.trim() !== (l.nextStep ?? '')) input.nextStep = next.value.trim();
          if (due.value !== (l.nextStepDue ?? '')) input.nextStepDue = due.value;
          const figures: [HTMLInputElement, number | null, 'investment' | 'capacity' | 'jobs', 'clearInvestment' | 'clearCapacity' | 'clearJobs'][] = [
            [inv, l.investment, 'investment', 'clearInvestment'], [cap, l.capacity, 'capacity', 'clearCapacity'], [jobs, l.jobs, 'jobs', 'clearJobs'],
          ];
          for (const [input_, was, key, clearKey] of figures) {
            // A number field answers "" both when emptied and when what was typed is not a
            // number: only the first clears the figure.
            if (input_.validity.badInput || !input_.validity.valid) {
              replaceChildren(msg, h('div', { class: 'error-box', role: 'alert' }, t('lead.badNumber')));
              input_.focus();
              return;
            }
            const v = numOrNull(input_.value);
            if (v === was) continue;
            if (v === null) input[clearKey] = true;
            else if (!Number.isFinite(v)) {
              replaceChildren(msg, h('div', { class: 'error-box', role: 'alert' }, t('lead.badNumber')));
              return;
            } else input[key] = v;
          }
          if (!Object.keys(input).length) {
            replaceChildren(msg, h('p', { class: 'muted' }, t('lead.nothingChanged')));
            return;
          }
          submit.disabled = true;
          try {
            await gql(UpdateLeadDocument, { id: l.id, version: l.version, input });
            reload();
          } catch (err) {
            submit.disabled = false;
            showError(msg, err, l.version, reload);
          }
        },
      },
    },
    h('h3', null, t('lead.edit'), h('span', { class: 'muted small' }, ` ${t('lead.atVersion', { n: l.version })}`)),
    row(t('lead.firm'), firm),
    row(t('lead.creditCode'), credit),
    owner ? row(t('lead.reassign'), owner) : null,
    row(t('park'), parkSel),
    row(t('lead.investment'), inv),
    row(`${t('capacity')}${unit ? `（${unit}）` : ''}`, cap),
    row(t('lead.jobs'), jobs),
    row(t('lead.nextStep'), next),
    row(t('lead.nextStepDue'), due),
    h('div', { class: 'form-actions' }, submit),
    );
  }

  function followUpForm(l: LeadDetail, msg: HTMLElement, reload: () => void): HTMLElement {
    const date = h('input', { type: 'date', class: 'input-text', id: 'fu-date', value: today(), required: true });
    const kind = h('select', { class: 'select', id: 'fu-kind' }, FOLLOW_UP_KINDS.map((k) => h('option', { value: k }, kindLabel(k))));
    const notes = h('textarea', { class: 'input-text', id: 'fu-notes', maxlength: 4000, rows: 3 });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'fu-submit' }, t('lead.addFollowUp'));
    return h('form', {
      class: 'followup-form', id: 'followup-form',
      on: {
        submit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          submit.disabled = true;
          try {
            await gql(AddFollowUpDocument, { lead: l.id, date: date.value, kind: kind.value as FollowUpKind, notes: notes.value.trim() || null });
            reload();
          } catch (err) {
            submit.disabled = false;
            showError(msg, err, l.version, reload);
          }
        },
      },
    },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('lead.date')), date),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('lead.kind')), kind),
    h('label', { class: 'field grow' }, h('span', { class: 'field-label' }, t('lead.notes')), notes),
    submit);
  }

  return {
    el,
    async update(state: AppState) {
      if (!session()) {
        renderLoginPrompt();
        return;
      }
      if (state.lead) await loadLead(state.lead);
      else await loadOverview();
    },
    resize() {
      funnel?.resize();
      kpiChart?.resize();
    },
    destroy() {
      token++;
      disposeChart();
    },
  };
}
