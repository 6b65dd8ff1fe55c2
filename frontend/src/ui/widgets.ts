// Small shared pieces: chips, citations, loading and error states.

import { h, type Child } from '../dom';
import { t, tOr } from '../i18n';
import type { Citation } from '../api';
import { STATUS_STYLES, type Status } from '../status';

export function chip(text: string, cls = ''): HTMLElement {
  return h('span', { class: ['chip', cls] }, text);
}

export function statusChip(status: Status): HTMLElement {
  const st = STATUS_STYLES[status];
  return h('span', { class: ['status-chip', st.cls], 'data-status': status },
    h('span', { class: 'badge' }, st.badge), t(st.labelKey),
  );
}

export function loading(): HTMLElement {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), t('loading'));
}

export function errorBox(err: unknown, retry?: () => void): HTMLElement {
  const msg = err instanceof Error ? err.message : String(err);
  return h('div', { class: 'error-box', role: 'alert' },
    h('strong', null, t('loadError')), h('span', null, msg),
    retry ? h('button', { type: 'button', class: 'btn', on: { click: retry } }, t('retry')) : null,
  );
}

/** Citations as a list: the citation, the source's title, its licence and link. */
export function citations(list: Citation[]): HTMLElement {
  if (!list.length) return h('p', { class: 'muted' }, t('none'));
  return h('ul', { class: 'citations' }, list.map((c) => {
    const src = c.source;
    return h('li', null,
      h('code', null, c.text), ' ',
      src ? h('span', null, src.title) : null,
      src?.publisher ? h('span', { class: 'muted' }, ` · ${src.publisher}`) : null,
      src?.date ? h('span', { class: 'muted' }, ` · ${src.date}`) : null,
      src?.licence ? h('div', { class: 'licence' }, `${t('licence')}: ${src.licence}`) : null,
      src?.url ? h('div', null, link(src.url)) : null,
    );
  }));
}

export function link(url: string): Child {
  if (!/^https?:\/\//i.test(url)) return h('span', null, url);
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow', class: 'ext' }, url);
}

export function citeText(list: Citation[]): string {
  return list.map((c) => c.text).join('; ');
}

export function labelled(label: string, value: Child): HTMLElement {
  return h('div', { class: 'kv' }, h('span', { class: 'k' }, label), h('span', { class: 'v' }, value));
}

export function instrumentLabel(i: string): string {
  return tOr(`instrument.${i}`, i);
}

export function projectStageLabel(s: string): string {
  return tOr(`project.${s}`, s);
}
