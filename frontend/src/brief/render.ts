// The brief on the page (and, through the print stylesheet, in the PDF): the document model
// of brief/model.ts as DOM, text nodes only.

import { h } from '../dom';
import { t } from '../i18n';
import { sourceLine, type Block, type Brief } from './model';

/** The chain-map figure: a PNG (blob: URL) and its size in CSS pixels. */
export interface ChartImage {
  url: string;
  width: number;
  height: number;
}

export function renderBrief(b: Brief, chart: ChartImage | null): HTMLElement {
  return h('article', { class: 'brief', id: 'brief' },
    h('header', { class: 'brief-cover', id: 'brief-cover' },
      h('h1', { class: 'brief-title' }, b.title),
      h('dl', { class: 'brief-cover-lines' }, b.cover.flatMap((c) => [h('dt', null, c.label), h('dd', null, c.value)])),
    ),
    b.blocks.map((x) => block(x, chart)),
    h('section', { class: 'brief-appendix', id: 'brief-sources' },
      h('h2', { class: 'brief-h1' }, t('brief.h.sources')),
      h('p', { class: 'brief-muted' }, t('brief.sourcesLine')),
      h('ol', { class: 'brief-source-list' }, b.sources.map((e) => h('li', { value: e.n, 'data-n': e.n, 'data-source': e.id }, sourceLine(e)))),
    ),
  );
}

function block(x: Block, chart: ChartImage | null): HTMLElement {
  switch (x.kind) {
    case 'heading':
      // The cover's title is the page's one h1; the brief's levels 1–3 are h2–h4.
      return h(`h${x.level + 1}` as 'h2', { class: `brief-h${x.level}`, id: x.id }, x.text);
    case 'para':
      return h('p', { class: x.style ? `brief-${x.style}` : undefined }, x.text);
    case 'figures':
      return h('div', { class: 'brief-figures' }, x.items.map((f) => h('div', { class: 'brief-figure' }, h('span', { class: 'fig-v' }, f.value), h('span', { class: 'fig-k' }, f.label))));
    case 'table': {
      const numeric = new Set(x.numeric ?? []);
      return h('div', { class: 'brief-table-wrap' },
        h('table', { class: 'brief-table', id: x.id },
          h('thead', null, h('tr', null, x.header.map((c, i) => h('th', { class: numeric.has(i) ? 'num' : undefined }, c)))),
          h('tbody', null, x.rows.map((r) => h('tr', null, r.map((c, i) => h('td', { class: numeric.has(i) ? 'num' : undefined }, c))))),
        ),
        x.caption ? h('p', { class: 'brief-caption' }, x.caption) : null,
      );
    }
    case 'list':
      return h(x.ordered ? 'ol' : 'ul', { class: 'brief-list', id: x.id }, x.items.map((i) => h('li', null, i)));
    case 'chart':
      return h('figure', { class: 'brief-chart', id: 'brief-chart' },
        chart ? chartImg(chart, x.caption) : h('p', { class: 'brief-muted' }, '—'),
        h('figcaption', { class: 'brief-caption' }, x.caption),
      );
  }
}

/** The chart's PNG: a blob: URL this page made (h() allows only http(s) and relative URLs). */
function chartImg(chart: ChartImage, alt: string): HTMLImageElement {
  const img = h('img', { alt, width: chart.width, height: chart.height });
  if (chart.url.startsWith('blob:')) img.src = chart.url;
  return img;
}
