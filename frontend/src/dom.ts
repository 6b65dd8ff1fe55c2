// DOM helpers. Every piece of data reaches the page as a text node or an attribute value
// set through the DOM API, never through innerHTML, so a name such as
// `<img src=x onerror=alert(1)>` shows as text. escapeHtml is for the one place that
// takes HTML strings: ECharts tooltips.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for use inside HTML element content or a quoted attribute. */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

export type Child = Node | string | number | null | undefined | false | Child[];

export interface Attrs {
  class?: string | (string | false | null | undefined)[];
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[K]) => void }>;
  [attr: string]: unknown;
}

/** A URL is only ever used as a link when it is relative or http(s). */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  const u = url.trim();
  if (u.startsWith('#') || (u.startsWith('/') && !u.startsWith('//'))) return u;
  if (/^https?:\/\//i.test(u)) return u;
  return null;
}

/** Creates an element; attributes are set with setAttribute, children appended as nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'on') {
        for (const [ev, fn] of Object.entries(value as Record<string, EventListener>)) {
          el.addEventListener(ev, fn);
        }
      } else if (key === 'class') {
        const cls = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
        if (cls) el.className = cls;
      } else if (key === 'style' || key.startsWith('on')) {
        // Inline styles and inline handlers are refused (strict CSP): use classes and `on`.
        throw new Error(`h(): attribute ${key} is not allowed`);
      } else if (key === 'href' || key === 'src') {
        const safe = safeHref(String(value));
        if (safe) el.setAttribute(key, safe);
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else if (c instanceof Node) parent.appendChild(c);
    else parent.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replaceChildren(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

/** Sets a CSS custom property (CSSOM: allowed by a style-src 'self' policy). */
export function setVar(el: HTMLElement, name: string, value: string): void {
  el.style.setProperty(name, value);
}
