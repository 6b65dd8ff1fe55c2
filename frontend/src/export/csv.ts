// CSV for Excel users: UTF-8 with a byte-order mark (so Excel shows Chinese), CRLF line
// ends, RFC 4180 quoting, and formula-safe cells: text starting with = + - @ (or a tab /
// carriage return, which Excel also strips before evaluating) gets a leading apostrophe,
// so a hostile value cannot run as a formula (CSV injection).

export type Cell = string | number | boolean | null | undefined;

export const BOM = '\uFEFF';

export function safeCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  const lines = [header, ...rows].map((r) => r.map(safeCell).join(','));
  return BOM + lines.join('\r\n') + '\r\n';
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function downloadCsv(filename: string, header: string[], rows: Cell[][]): void {
  downloadBlob(new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' }), filename);
}

/** A file name from parts: safe characters only, with today's date. */
export function fileName(parts: (string | undefined)[], ext: string): string {
  const d = new Date();
  const date = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
  const base = ['chainmap', ...parts.filter(Boolean), date]
    .map((p) => String(p).replace(/[\\/:*?"<>|\s]+/g, '-'))
    .join('_');
  return `${base}.${ext}`;
}
