// XLSX with exceljs (the `xlsx` package on npm is frozen with open advisories). This module
// is imported lazily, so exceljs is a separate chunk fetched on the first Excel export.

import type { Cell } from './csv';

export interface Sheet {
  name: string;
  header: string[];
  rows: Cell[][];
}

export async function toXlsx(sheets: Sheet[]): Promise<Blob> {
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'chainmap';
  wb.created = new Date();
  for (const s of sheets) {
    // Sheet names: at most 31 characters, none of : \ / ? * [ ]
    const ws = wb.addWorksheet(s.name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31) || 'Sheet', {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    ws.addRow(s.header);
    // Values are written as plain strings and numbers: never as formulas.
    for (const r of s.rows) ws.addRow(r.map((v) => (v === null || v === undefined ? null : v)));
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EDF3' } };
    s.header.forEach((h, i) => {
      const widest = Math.max(
        width(h),
        ...s.rows.slice(0, 500).map((r) => width(r[i] === null || r[i] === undefined ? '' : String(r[i]))),
      );
      ws.getColumn(i + 1).width = Math.min(60, Math.max(8, widest + 2));
    });
  }
  const buf = await wb.xlsx.writeBuffer();
  return new Blob([buf], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
}

/** Display width: CJK characters count double. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return w;
}
