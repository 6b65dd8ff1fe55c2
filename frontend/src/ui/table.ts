// A table with CSV and Excel export. Cells render as text (or as nodes built with h());
// exports use each column's plain value.

import { h, type Child } from '../dom';
import { t } from '../i18n';
import { downloadBlob, downloadCsv, fileName, type Cell } from '../export/csv';

export interface Column<T> {
  key: string;
  header: () => string;
  /** Plain value for sorting and export. */
  value: (row: T) => Cell;
  /** Custom cell content (defaults to the value as text). */
  render?: (row: T) => Child;
  numeric?: boolean;
  /** Extra class on the cells (e.g. "wrap" for long text). */
  cls?: string;
  /** In exports only, not on screen (narrow tables show it inside another cell). */
  exportOnly?: boolean;
  /** On screen only, not in exports (buttons). */
  screenOnly?: boolean;
}

export interface TableSpec<T> {
  id: string;
  title: () => string;
  columns: Column<T>[];
  rows: T[];
  /** File name parts (view, scope…) besides the table id. */
  fileParts?: string[];
  rowId?: (row: T) => string;
  onRowClick?: (row: T) => void;
  empty?: () => string;
  compact?: boolean;
  caption?: Child;
  /** Render at most this many rows (exports still carry every row). */
  maxRows?: number;
  /** Leave out columns with no value in any row (on screen; exports keep them). */
  hideEmpty?: boolean;
}

export function tableData<T>(spec: TableSpec<T>): { header: string[]; rows: Cell[][] } {
  const cols = spec.columns.filter((c) => !c.screenOnly);
  return {
    header: cols.map((c) => c.header()),
    rows: spec.rows.map((r) => cols.map((c) => c.value(r))),
  };
}

export function renderTable<T>(spec: TableSpec<T>): HTMLElement {
  const exportBase = [spec.id, ...(spec.fileParts ?? [])];
  const csvBtn = h('button', {
    type: 'button',
    class: 'btn btn-small',
    'data-export': 'csv',
    'data-table': spec.id,
    on: {
      click: () => {
        const d = tableData(spec);
        downloadCsv(fileName(exportBase, 'csv'), d.header, d.rows);
      },
    },
  }, t('exportCsv'));
  const xlsxBtn = h('button', {
    type: 'button',
    class: 'btn btn-small',
    'data-export': 'xlsx',
    'data-table': spec.id,
    on: {
      click: async () => {
        xlsxBtn.disabled = true;
        const label = xlsxBtn.textContent;
        xlsxBtn.textContent = t('exporting');
        try {
          const { toXlsx } = await import('../export/xlsx');
          const d = tableData(spec);
          const blob = await toXlsx([{ name: spec.title(), header: d.header, rows: d.rows }]);
          downloadBlob(blob, fileName(exportBase, 'xlsx'));
        } finally {
          xlsxBtn.disabled = false;
          xlsxBtn.textContent = label;
        }
      },
    },
  }, t('exportXlsx'));

  const isEmpty = (v: Cell) => v === null || v === undefined || v === '';
  const onScreen = spec.columns.filter((c) => !c.exportOnly);
  const cols = spec.hideEmpty && spec.rows.length
    ? onScreen.filter((c, i) => i === 0 || c.screenOnly || spec.rows.some((r) => !isEmpty(c.value(r))))
    : onScreen;
  const thead = h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', class: [c.numeric && 'num', c.cls] }, c.header()))));
  const tbody = h('tbody');
  if (!spec.rows.length) {
    tbody.appendChild(h('tr', { class: 'empty' }, h('td', { colspan: cols.length }, spec.empty ? spec.empty() : t('none'))));
  }
  const shown = spec.maxRows && spec.rows.length > spec.maxRows ? spec.rows.slice(0, spec.maxRows) : spec.rows;
  for (const r of shown) {
    const tr = h('tr', {
      'data-row-id': spec.rowId ? spec.rowId(r) : undefined,
      class: spec.onRowClick ? 'clickable' : undefined,
      tabindex: spec.onRowClick ? 0 : undefined,
      on: spec.onRowClick
        ? {
            click: () => spec.onRowClick!(r),
            keydown: (ev: KeyboardEvent) => {
              if (ev.key === 'Enter') spec.onRowClick!(r);
            },
          }
        : undefined,
    });
    for (const c of cols) {
      const v = c.value(r);
      tr.appendChild(h('td', { class: [c.numeric && 'num', c.cls] }, c.render ? c.render(r) : v === null || v === undefined ? '' : String(v)));
    }
    tbody.appendChild(tr);
  }
  return h('section', { class: ['table-block', spec.compact && 'compact'], 'data-table-id': spec.id },
    h('header', { class: 'table-head' },
      h('h3', null, spec.title(), h('span', { class: 'count' }, t('rows', { n: spec.rows.length }))),
      h('div', { class: 'table-actions' }, csvBtn, xlsxBtn),
    ),
    spec.caption ? h('p', { class: 'table-caption' }, spec.caption) : null,
    shown.length < spec.rows.length ? h('p', { class: 'table-caption' }, t('rowsShown', { n: shown.length, total: spec.rows.length })) : null,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, thead, tbody)),
  );
}
