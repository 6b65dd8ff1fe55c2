// The brief as a Word document with `docx` (loaded only when asked: this module is imported
// lazily, and `docx` is its own chunk). Real Word structure: Title and Heading 1–3 styles
// (Word's navigation pane and table of contents see them), tables whose header row repeats
// on every page and whose rows never split, Word-numbered lists, the chain map as an
// embedded PNG, page numbers in the footer, A4. Chinese renders without extra fonts: every
// run's East Asian font is SimSun (宋体; headings SimHei 黑体), which Word and WPS ship on
// Chinese Windows and substitute elsewhere (LibreOffice: fontconfig's aliases).

import type { Brief, Block } from './model';
import { columnShares, sourceLine } from './model';
import { t } from '../i18n';

export interface DocxImage {
  data: Uint8Array;
  /** Pixel size of the image as drawn (the PNG may be at a higher pixel ratio). */
  width: number;
  height: number;
}

/** A4 in twentieths of a point, 2 cm margins; the text column is 170 mm ≈ 642 px at 96 dpi. */
const A4 = { width: 11906, height: 16838, margin: 1134 };
const TEXT_PX = 640;
/** The text column in twips (A4 width less both margins). */
const TEXT_TWIPS = A4.width - 2 * A4.margin;
const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: 'SimSun', hint: 'eastAsia' };
const HEAD_FONT = { ascii: 'Arial', hAnsi: 'Arial', cs: 'Arial', eastAsia: 'SimHei', hint: 'eastAsia' };

/**
 * Text as XML 1.0 allows it: C0 controls other than tab, newline and return, U+FFFE/U+FFFF
 * and unpaired surrogates make a part that Word refuses to open, whatever a dataset holds.
 */
export function xmlSafe(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export async function briefDocx(brief: Brief, chart: DocxImage | null): Promise<Blob> {
  const d = await import('docx');
  const { AlignmentType, Document, Footer, HeadingLevel, ImageRun, LevelFormat, Packer, PageBreak, PageNumber, Paragraph, ShadingType, Table, TableCell, TableRow, WidthType } = d;
  // Every run's text goes through xmlSafe.
  class TextRun extends d.TextRun {
    constructor(o: ConstructorParameters<typeof d.TextRun>[0]) {
      super(typeof o === 'string' ? xmlSafe(o) : o.text !== undefined ? { ...o, text: xmlSafe(o.text) } : o);
    }
  }

  const children: (InstanceType<typeof Paragraph> | InstanceType<typeof Table>)[] = [];
  const para = (text: string, opts: { bold?: boolean; size?: number; color?: string; italics?: boolean } = {}, extra: object = {}) =>
    new Paragraph({ ...extra, children: [new TextRun({ text, ...opts })] });

  // Cover: title, the lines, a page break.
  children.push(new Paragraph({ heading: HeadingLevel.TITLE, spacing: { before: 2400, after: 600 }, children: [new TextRun({ text: brief.title })] }));
  for (const c of brief.cover) {
    children.push(new Paragraph({ spacing: { after: 120 }, children: [new TextRun({ text: `${c.label}${t('colon')}`, bold: true }), new TextRun({ text: c.value })] }));
  }
  children.push(new Paragraph({ children: [new PageBreak()] }));

  let listInstance = 0;
  const headings = [HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3] as const;
  const table = (x: Extract<Block, { kind: 'table' }>) => {
    const numeric = new Set(x.numeric ?? []);
    const widths = columnShares(x.header, x.rows).map((f) => Math.round(f * TEXT_TWIPS));
    const cell = (text: string, i: number, head: boolean) => new TableCell({
      width: { size: widths[i], type: WidthType.DXA },
      shading: head ? { type: ShadingType.CLEAR, fill: 'E8EDF3', color: 'auto' } : undefined,
      margins: { top: 40, bottom: 40, left: 80, right: 80 },
      children: [new Paragraph({
        alignment: numeric.has(i) && !head ? AlignmentType.RIGHT : AlignmentType.LEFT,
        children: [new TextRun({ text, bold: head, size: 18 })],
      })],
    });
    return new Table({
      width: { size: TEXT_TWIPS, type: WidthType.DXA },
      columnWidths: widths,
      rows: [
        new TableRow({ tableHeader: true, cantSplit: true, children: x.header.map((c, i) => cell(c, i, true)) }),
        ...x.rows.map((r) => new TableRow({ cantSplit: true, children: r.map((c, i) => cell(c, i, false)) })),
      ],
    });
  };

  for (const x of brief.blocks) {
    switch (x.kind) {
      case 'heading':
        children.push(new Paragraph({ heading: headings[x.level - 1], children: [new TextRun({ text: x.text })] }));
        break;
      case 'para':
        children.push(para(x.text, x.style === 'muted' ? { color: '555555', size: 19 } : x.style === 'caveat' ? { color: '7A4D00' } : {}));
        break;
      case 'figures':
        children.push(new Paragraph({
          spacing: { after: 160 },
          children: x.items.flatMap((f, i) => [
            new TextRun({ text: `${i ? '　　' : ''}${f.label} ` }),
            new TextRun({ text: f.value, bold: true, size: 28, color: '1D3557' }),
          ]),
        }));
        break;
      case 'table':
        children.push(table(x));
        if (x.caption) children.push(para(x.caption, { size: 18, color: '555555' }, { spacing: { before: 60, after: 200 } }));
        else children.push(para('', {}, { spacing: { after: 120 } }));
        break;
      case 'list': {
        const instance = ++listInstance;
        for (const item of x.items) {
          children.push(new Paragraph({ numbering: { reference: x.ordered ? 'ordered' : 'bullets', level: 0, instance }, children: [new TextRun({ text: item })] }));
        }
        break;
      }
      case 'chart':
        if (chart) {
          const scale = Math.min(1, TEXT_PX / chart.width);
          children.push(new Paragraph({
            alignment: AlignmentType.CENTER,
            keepNext: true,
            children: [new ImageRun({
              type: 'png', data: chart.data,
              transformation: { width: Math.round(chart.width * scale), height: Math.round(chart.height * scale) },
              altText: { name: 'chain-map', title: xmlSafe(x.caption), description: xmlSafe(x.caption) },
            })],
          }));
        }
        children.push(para(x.caption, { size: 18, color: '555555' }, { alignment: AlignmentType.CENTER, spacing: { after: 200 } }));
        break;
    }
  }

  // Appendix: "[n] …" so that each number is the one the text cites.
  children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, pageBreakBefore: true, children: [new TextRun({ text: t('brief.h.sources') })] }));
  children.push(para(t('brief.sourcesLine'), { color: '555555', size: 19 }));
  for (const e of brief.sources) {
    children.push(new Paragraph({
      indent: { left: 567, hanging: 567 },
      spacing: { after: 80 },
      children: [new TextRun({ text: `[${e.n}]\t`, bold: true }), new TextRun({ text: sourceLine(e), size: 19 })],
      tabStops: [{ type: 'left', position: 567 }],
    }));
  }

  const heading = (size: number) => ({ run: { font: HEAD_FONT, size, bold: true, color: '1D3557' }, paragraph: { spacing: { before: 280, after: 140 }, keepNext: true } });
  const doc = new Document({
    creator: 'chainmap',
    title: xmlSafe(brief.title),
    description: xmlSafe(brief.cover.map((c) => `${c.label}: ${c.value}`).join('; ')),
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 21 }, paragraph: { spacing: { line: 300 } } },
        title: { run: { font: HEAD_FONT, size: 44, bold: true, color: '1D3557' } },
        heading1: heading(30),
        heading2: heading(25),
        heading3: heading(22),
      },
    },
    numbering: {
      config: [
        { reference: 'ordered', levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START, style: { paragraph: { indent: { left: 480, hanging: 360 } } } }] },
        { reference: 'bullets', levels: [{ level: 0, format: LevelFormat.BULLET, text: '•', alignment: AlignmentType.START, style: { paragraph: { indent: { left: 480, hanging: 360 } } } }] },
      ],
    },
    sections: [{
      properties: { page: { size: { width: A4.width, height: A4.height }, margin: { top: A4.margin, bottom: A4.margin, left: A4.margin, right: A4.margin } } },
      footers: {
        default: new Footer({
          children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ children: [PageNumber.CURRENT, ' / ', PageNumber.TOTAL_PAGES], size: 18 })] })],
        }),
      },
      children,
    }],
  });
  return Packer.toBlob(doc);
}
