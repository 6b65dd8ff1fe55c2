// 名录导入: a manager uploads the bureau's enterprise lists (registry exports, 规上名录;
// CSV or XLSX), reads the import's report, decides on each placement (accept, reject, or
// move to another segment) with its evidence, and applies: the same import and review as
// `chainmap import` and `--apply-review` (docs/import.md), run by the server against the
// served dataset folder (server/importweb.go). The result shows which segments changed
// status. Login is the page's one login (the header's 登录, session.ts); logged out, this
// view offers the same dialog.

import { h, replaceChildren, type Child } from '../dom';
import { lang, nm } from '../i18n';
import { statusChip } from '../ui/widgets';
import type { Status } from '../status';
import { csrfToken, session as currentSession, type Session } from '../session';
import { openLoginDialog, roleLabel } from '../ui/login';
import {
  applyReview,
  discard,
  ImportError,
  importInfo,
  stagedPage,
  uploadLists,
  type Applied,
  type ImportInfo,
  type ImportReport,
  type ReviewItem,
  type Staged,
} from './importApi';
import type { Ctx, View } from './types';

const TEXT = {
  zh: {
    title: '企业名录导入与挂链审核',
    intro: '上传工商登记导出或规上企业名录（CSV 或 XLSX，可多个文件），系统识别企业、合并重复、定位区县并挂到产业链环节；审核每条挂链（接受、拒绝或改到其他环节）后应用，数据集随即更新。与命令行 chainmap import 相同。',
    loginTitle: '登录后导入（需要“经理”或“管理员”角色）',
    login: '登录',
    loggedIn: '已登录：{name}（{role}）',
    forbidden: '你的角色（{role}）不能导入名录；需要经理或管理员。',
    disabled: '此服务器不能导入：{reason}',
    files: '名录文件（.csv / .xlsx）',
    sheet: '工作表（可选）',
    mapping: '列名映射（可选，YAML，见 docs/import.md）',
    upload: '上传并检查',
    uploading: '正在导入到暂存副本…',
    limits: '最多 {n} 个文件，共 {mb} MB。',
    report: '导入报告',
    rowsRead: '读取行数',
    firms: '企业',
    merges: '合并',
    confirmed: '确定挂链',
    uncertain: '待定挂链',
    rejected: '不在链上',
    added: '将新增企业',
    problems: '问题（{n}）',
    noProblems: '没有问题。',
    notes: '说明（{n}）',
    mergeLines: '合并明细（{n}）',
    review: '挂链审核（{n} 条）',
    reviewHint: '“审核”一栏留空表示暂不决定（保持建议状态）。接受的挂链变为已核实；拒绝的被删除，重新导入也不会再建议。',
    acceptAll: '全部接受建议',
    clearAll: '清空审核',
    more: '加载更多（已显示 {n} / {total}）',
    colFirm: '企业',
    colRegion: '区域',
    colSegment: '建议环节',
    colDecision: '判定',
    colScore: '得分',
    colEvidence: '证据',
    colReview: '审核',
    colNote: '审核意见',
    pending: '— 暂不决定',
    accept: '接受',
    reject: '拒绝',
    moveTo: '改到环节',
    apply: '应用审核并更新数据',
    applying: '正在写入数据集并重新加载…',
    discard: '放弃本次导入',
    result: '已应用：接受 {a}，拒绝 {r}，改环节 {m}，未变 {u}。',
    changedFiles: '更新的文件：{f}',
    changeLine: '{chain}（{region}）：有本地企业的环节 {b} → {a} / {n}（完整度 {pb}% → {pa}%）',
    noStatusChange: '没有环节的状态改变。',
    segChanged: '状态改变的环节',
    before: '之前',
    after: '之后',
    openChain: '查看产业链图谱',
    decision: { confirmed: '确定', uncertain: '待定', rejected: '不在链上' } as Record<string, string>,
    ruledOut: '排除：',
  },
  en: {
    title: 'Import enterprise lists and review their placement',
    intro: 'Upload registry exports or 规上 lists (CSV or XLSX, several files at once). Firms are recognised, merged, located and placed on the chain; review each placement (accept, reject or move to another segment) and apply to update the dataset. The same as chainmap import on the command line.',
    loginTitle: 'Log in to import (role manager or admin)',
    login: 'Log in',
    loggedIn: 'Logged in as {name} ({role})',
    forbidden: 'Your role ({role}) may not import lists; a manager or admin may.',
    disabled: 'This server cannot import: {reason}',
    files: 'List files (.csv / .xlsx)',
    sheet: 'Sheet (optional)',
    mapping: 'Column mapping (optional, YAML, see docs/import.md)',
    upload: 'Upload and check',
    uploading: 'Importing into a staging copy…',
    limits: 'At most {n} files, {mb} MB in all.',
    report: 'Import report',
    rowsRead: 'Rows read',
    firms: 'Firms',
    merges: 'Merges',
    confirmed: 'Confirmed',
    uncertain: 'Uncertain',
    rejected: 'Not on the chain',
    added: 'Enterprises to add',
    problems: 'Problems ({n})',
    noProblems: 'No problems.',
    notes: 'Notes ({n})',
    mergeLines: 'Merges ({n})',
    review: 'Placement review ({n} rows)',
    reviewHint: 'An empty review leaves the placement undecided (suggested). Accepted placements become verified; rejected ones are removed and not suggested again.',
    acceptAll: 'Accept all suggestions',
    clearAll: 'Clear decisions',
    more: 'Load more ({n} of {total} shown)',
    colFirm: 'Firm',
    colRegion: 'Region',
    colSegment: 'Suggested segment',
    colDecision: 'Decision',
    colScore: 'Score',
    colEvidence: 'Evidence',
    colReview: 'Review',
    colNote: 'Note',
    pending: '— decide later',
    accept: 'Accept',
    reject: 'Reject',
    moveTo: 'Move to segment',
    apply: 'Apply the review and update the data',
    applying: 'Writing the dataset and reloading…',
    discard: 'Discard this import',
    result: 'Applied: {a} accepted, {r} rejected, {m} moved, {u} unchanged.',
    changedFiles: 'Files updated: {f}',
    changeLine: '{chain} ({region}): segments with local firms {b} → {a} of {n} (completeness {pb}% → {pa}%)',
    noStatusChange: 'No segment changed status.',
    segChanged: 'Segments whose status changed',
    before: 'Before',
    after: 'After',
    openChain: 'Open the chain map',
    decision: { confirmed: 'confirmed', uncertain: 'uncertain', rejected: 'not on the chain' } as Record<string, string>,
    ruledOut: 'Ruled out: ',
  },
};

type Key = Exclude<keyof (typeof TEXT)['zh'], 'decision'>;

function tx(key: Key, vars: Record<string, string | number> = {}): string {
  const s = TEXT[lang()][key] as string;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

export function createImportView(ctx: Ctx): View {
  const el = h('div', { class: 'view view-import' });
  const sessionBox = h('div', { class: 'import-session', id: 'import-session' });
  const body = h('div', { class: 'import-body' });
  replaceChildren(el, h('h2', { class: 'import-title' }, tx('title')), h('p', { class: 'muted import-intro' }, tx('intro')), sessionBox, body);

  let session: Session | null = null;
  /** The session's CSRF token now (session.ts keeps it current after a refresh). */
  const csrf = () => csrfToken() ?? '';
  let staged: Staged | null = null;
  let rows: ReviewItem[] = [];
  const decisions = new Map<number, { review: string; note: string }>();
  /** 全部接受建议 was pressed: placed rows without a decision of their own are accepted, loaded or not. */
  let acceptPlaced = false;
  const placed = (r: ReviewItem) => !!r.segment && r.decision !== 'rejected';

  function msg(text: string, cls = 'form-msg'): HTMLElement {
    return h('p', { class: cls, role: 'status' }, text);
  }
  function fail(err: unknown): HTMLElement {
    return h('p', { class: 'form-msg import-error', role: 'alert' }, err instanceof Error ? err.message : String(err));
  }

  async function start(): Promise<void> {
    await renderSession();
  }

  /**
   * Asks the server whether whoever is logged in may import (GET /import) and renders. A
   * login or logout rebuilds the whole view (app.ts), so the session is read once here.
   */
  async function renderSession(): Promise<void> {
    session = currentSession();
    if (!session) {
      replaceChildren(sessionBox, h('div', { class: 'import-login', id: 'import-login' },
        h('p', null, tx('loginTitle')), ' ',
        h('button', { type: 'button', class: 'btn btn-primary', id: 'import-login-open', on: { click: () => openLoginDialog() } }, tx('login'))));
      replaceChildren(body);
      ctx.ready();
      return;
    }
    let info: ImportInfo;
    try {
      info = await importInfo();
    } catch (e) {
      replaceChildren(body, fail(e));
      ctx.ready();
      return;
    }
    const s = session;
    replaceChildren(sessionBox, h('span', { id: 'import-whoami', 'data-user': s.name }, tx('loggedIn', { name: s.name, role: roleLabel(s.role) })));
    if (!info.allowed) {
      replaceChildren(body, h('p', { class: 'form-msg', id: 'import-forbidden' }, tx('forbidden', { role: roleLabel(s.role) })));
    } else if (!info.enabled) {
      replaceChildren(body, h('p', { class: 'form-msg', id: 'import-disabled' }, tx('disabled', { reason: info.reason ?? '' })));
    } else {
      replaceChildren(body, uploadForm(info.maxFiles ?? 0, info.maxBytes ?? 0));
    }
    ctx.ready();
  }

  function uploadForm(maxFiles: number, maxBytes: number): HTMLElement {
    const files = h('input', { type: 'file', id: 'import-files', multiple: true, accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    const sheet = h('input', { type: 'text', class: 'input-text', id: 'import-sheet', maxlength: '100' });
    const mapping = h('input', { type: 'file', id: 'import-mapping', accept: '.yaml,.yml' });
    const status = h('div', { id: 'import-status' });
    const result = h('div', { id: 'import-staged' });
    const btn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'import-upload' }, tx('upload'));
    const form = h('form', { class: 'form-grid import-upload', on: { submit: async (ev: Event) => {
      ev.preventDefault();
      const list = [...(files.files ?? [])];
      if (!list.length || !session) return;
      btn.disabled = true;
      ctx.busy();
      replaceChildren(status, msg(tx('uploading')));
      replaceChildren(result);
      try {
        staged = await uploadLists(list, sheet.value, mapping.files?.[0] ?? null, csrf());
        rows = staged.review;
        decisions.clear();
        acceptPlaced = false;
        replaceChildren(status);
        replaceChildren(result, stagedView());
      } catch (e) {
        replaceChildren(status, fail(e));
        if (e instanceof ImportError && e.report) replaceChildren(result, reportView(e.report));
      } finally {
        btn.disabled = false;
        ctx.ready();
      }
    } } },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, tx('files')), files),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, tx('sheet')), sheet),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, tx('mapping')), mapping),
    h('div', { class: 'form-actions' }, btn, h('span', { class: 'muted small' }, tx('limits', { n: maxFiles, mb: Math.round(maxBytes / (1 << 20)) }))),
    );
    return h('div', null, form, status, result);
  }

  function reportView(r: ImportReport): HTMLElement {
    const fig = (k: string, label: string, v: number) =>
      h('div', { class: 'figure', 'data-k': k }, h('span', { class: 'fig-v' }, String(v)), h('span', { class: 'fig-k' }, label));
    const list = (items: string[] | null, id: string, title: string) =>
      items?.length ? h('details', { id }, h('summary', null, tx(title as Key, { n: items.length })), h('ul', { class: 'cell-list' }, items.map((x) => h('li', null, x)))) : null;
    return h('section', { class: 'card import-report', id: 'import-report' },
      h('h3', null, tx('report')),
      h('div', { class: 'figures' },
        fig('rowsRead', tx('rowsRead'), r.rowsRead), fig('firms', tx('firms'), r.firms), fig('merges', tx('merges'), r.merges),
        fig('confirmed', tx('confirmed'), r.confirmed), fig('uncertain', tx('uncertain'), r.uncertain), fig('rejected', tx('rejected'), r.rejected),
        fig('added', tx('added'), r.addedEnterprises)),
      h('h4', null, tx('problems', { n: r.problemCount })),
      r.problems.length
        ? h('ul', { class: 'cell-list import-problems', id: 'import-problems' }, r.problems.map((p) => h('li', null, p.text)))
        : h('p', { class: 'muted' }, tx('noProblems')),
      list(r.notes, 'import-notes', 'notes'),
      list(r.mergeLines, 'import-merges', 'mergeLines'),
    );
  }

  function stagedView(): HTMLElement {
    const st = staged!;
    const table = h('tbody');
    const renderRows = () => replaceChildren(table, rows.map(reviewRow));
    renderRows();
    const more = st.reviewTotal > rows.length
      ? h('button', { type: 'button', class: 'btn', id: 'import-more', on: { click: async () => {
        const page = await stagedPage(st.id, rows.length);
        if (acceptPlaced) for (const r of page.review) if (placed(r)) decisions.set(r.row, { review: 'accept', note: '' });
        rows = rows.concat(page.review);
        renderRows();
        if (rows.length >= st.reviewTotal) more?.remove();
        else more!.textContent = tx('more', { n: rows.length, total: st.reviewTotal });
      } } }, tx('more', { n: rows.length, total: st.reviewTotal }))
      : null;
    const out = h('div', { id: 'import-apply-result' });
    const applyBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'import-apply', on: { click: () => void doApply(applyBtn, out) } }, tx('apply'));
    return h('div', null,
      reportView(st.report),
      h('section', { class: 'card import-review', id: 'import-review' },
        h('h3', null, tx('review', { n: st.reviewTotal })),
        h('p', { class: 'muted small' }, tx('reviewHint')),
        h('div', { class: 'toolbar' },
          h('button', { type: 'button', class: 'btn', id: 'import-accept-all', on: { click: () => {
            acceptPlaced = true;
            for (const r of rows) if (placed(r)) decisions.set(r.row, { review: 'accept', note: decisions.get(r.row)?.note ?? '' });
            renderRows();
          } } }, tx('acceptAll')),
          h('button', { type: 'button', class: 'btn', id: 'import-clear', on: { click: () => {
            decisions.clear();
            acceptPlaced = false;
            renderRows();
          } } }, tx('clearAll')),
        ),
        h('div', { class: 'table-scroll' }, h('table', { class: 'table-block import-table' },
          h('thead', null, h('tr', null, [tx('colFirm'), tx('colRegion'), tx('colSegment'), tx('colDecision'), tx('colScore'), tx('colEvidence'), tx('colReview'), tx('colNote')].map((c) => h('th', null, c)))),
          table)),
        more,
        h('div', { class: 'form-actions' }, applyBtn,
          h('button', { type: 'button', class: 'btn', id: 'import-discard', on: { click: async () => {
            if (session && staged) await discard(staged.id, csrf()).catch(() => undefined);
            staged = null;
            await renderSession();
          } } }, tx('discard'))),
        out,
      ),
    );
  }

  function reviewRow(r: ReviewItem): HTMLElement {
    const st = staged!;
    const d = decisions.get(r.row);
    const sel = h('select', { class: 'select import-decision', 'aria-label': tx('colReview'), on: { change: () => setDecision(r.row, sel.value, note.value) } });
    const opt = (value: string, label: string) => {
      const o = h('option', { value }, label);
      if ((d?.review ?? '') === value) o.selected = true;
      return o;
    };
    sel.append(opt('', tx('pending')));
    if (r.segment) sel.append(opt('accept', `${tx('accept')}：${r.segment} ${r.segmentName}`));
    sel.append(opt('reject', tx('reject')));
    const alts = (r.alternatives ?? []).filter((a) => a && a !== r.segment);
    const group = h('optgroup', { label: tx('moveTo') });
    const names = new Map(st.segments.map((s) => [s.id, s.nameZh]));
    for (const id of [...alts, ...st.segments.map((s) => s.id).filter((id) => id !== r.segment && !alts.includes(id))]) {
      group.append(opt(id, `${id} ${names.get(id) ?? ''}`));
    }
    sel.append(group);
    const note = h('input', { type: 'text', class: 'input-text import-note', maxlength: '500', value: d?.note ?? '', 'aria-label': tx('colNote'),
      on: { change: () => setDecision(r.row, sel.value, note.value) } });
    const decisionLabel = TEXT[lang()].decision[r.decision] ?? r.decision;
    const evidence: Child[] = [r.evidence];
    if (r.ruledOut) evidence.push(h('div', { class: 'muted small' }, tx('ruledOut' as Key) + r.ruledOut));
    return h('tr', { 'data-row': String(r.row), 'data-id': r.id },
      h('td', null, h('div', null, r.name), h('div', { class: 'muted small' }, r.id), r.products ? h('div', { class: 'muted small' }, r.products) : null),
      h('td', null, regionName(r.region)),
      h('td', null, r.segment ? h('span', { class: 'seg-link-name' }, `${r.segment} ${r.segmentName}`) : '—',
        alts.length ? h('div', { class: 'muted small' }, alts.join('、')) : null),
      h('td', null, h('span', { class: ['chip', r.decision === 'confirmed' ? 'chip-accent' : r.decision === 'uncertain' ? 'chip-warn' : ''], 'data-decision': r.decision }, decisionLabel)),
      h('td', null, String(r.score)),
      h('td', { class: 'import-evidence' }, evidence),
      h('td', null, sel),
      h('td', null, note),
    );
  }

  function regionName(id: string): string {
    const reg = id ? ctx.boot.regions.get(id) : undefined;
    return reg ? nm(reg) : id || '—';
  }

  function setDecision(row: number, review: string, note: string): void {
    // Under 全部接受建议 an undecided row is sent as such, so the server does not accept it.
    if (!review && !note && !acceptPlaced) decisions.delete(row);
    else decisions.set(row, { review, note });
  }

  async function doApply(btn: HTMLButtonElement, out: HTMLElement): Promise<void> {
    if (!staged || !session) return;
    const list = [...decisions.entries()].filter(([, d]) => d.review || acceptPlaced).map(([row, d]) => ({ row, review: d.review, note: d.note || undefined }));
    btn.disabled = true;
    ctx.busy();
    replaceChildren(out, msg(tx('applying')));
    try {
      const res = await applyReview(staged.id, list, acceptPlaced, csrf());
      staged = null;
      ctx.store.clear();
      // The staged import is gone: its review is shown, no longer editable.
      for (const c of el.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('#import-review select, #import-review input, #import-review button')) {
        c.disabled = true;
      }
      replaceChildren(out, appliedView(res));
    } catch (e) {
      btn.disabled = false;
      replaceChildren(out, fail(e));
    } finally {
      ctx.ready();
    }
  }

  function appliedView(res: Applied): HTMLElement {
    const chainName = (id: string) => {
      const c = ctx.boot.chains.find((x) => x.id === id);
      return c ? nm(c) : id;
    };
    return h('section', { class: 'card import-result', id: 'import-result' },
      h('p', { id: 'import-result-counts' }, tx('result', { a: res.accepted, r: res.rejected, m: res.moved, u: res.unchanged })),
      res.problems.length ? h('ul', { class: 'cell-list import-problems' }, res.problems.map((p) => h('li', null, p.text))) : null,
      res.changedFiles.length ? h('p', { class: 'muted small' }, tx('changedFiles', { f: res.changedFiles.join(', ') })) : null,
      (res.changes ?? []).map((c) => h('div', { class: 'import-change', 'data-chain': c.chain },
        h('p', { class: 'import-change-line', 'data-before': String(c.before.present), 'data-after': String(c.after.present), 'data-total': String(c.after.total) },
          tx('changeLine', { chain: chainName(c.chain), region: regionName(c.region), b: c.before.present, a: c.after.present, n: c.after.total,
            pb: Math.round(c.before.completeness * 100), pa: Math.round(c.after.completeness * 100) })),
        c.segments.length
          ? h('table', { class: 'table-block import-status-table' },
            h('caption', { class: 'table-caption' }, tx('segChanged')),
            h('thead', null, h('tr', null, h('th', null, tx('colSegment')), h('th', null, tx('before')), h('th', null, tx('after')))),
            h('tbody', null, c.segments.map((s) => h('tr', { 'data-segment': s.id },
              h('td', null, `${s.id} ${s.nameZh}`),
              h('td', null, s.before ? statusChip(s.before as Status) : '—'),
              h('td', null, s.after ? statusChip(s.after as Status) : '—')))))
          : h('p', { class: 'muted' }, tx('noStatusChange')),
        h('a', { class: 'btn', href: `#/chain?chain=${encodeURIComponent(c.chain)}&lang=${lang()}`, 'data-open-chain': c.chain }, tx('openChain')),
      )),
    );
  }

  let started = false;
  return {
    el,
    update() {
      if (!started) {
        started = true;
        void start();
      } else {
        ctx.ready();
      }
    },
    destroy() {},
  };
}
