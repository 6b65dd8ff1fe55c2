// The app shell: header (title, view tabs, language switch, GraphiQL link), the current
// view, and the footer. The URL hash is the state; every change goes through it.

import { h, replaceChildren } from './dom';
import { lang, nm, setLang, t, type MessageKey } from './i18n';
import { forView, parseHash, toHash, VIEWS, type AppState, type ViewId } from './state';
import { Store, type Boot, type Scope } from './store';
import { errorBox, loading } from './ui/widgets';
import { onSession, refreshSession, session } from './session';
import { accountTools } from './ui/login';
import type { Ctx, View, ViewFactory } from './views/types';
import { importInfo } from './views/importApi';

const VIEW_LOADERS: Record<ViewId, () => Promise<ViewFactory>> = {
  chain: async () => (await import('./views/chain')).createChainView,
  map: async () => (await import('./views/map')).createMapView,
  targets: async () => (await import('./views/targets')).createTargetsView,
  roadmap: async () => (await import('./views/roadmap')).createRoadmapView,
  whatif: async () => (await import('./views/whatif')).createWhatifView,
  brief: async () => (await import('./views/brief')).createBriefView,
  leads: async () => (await import('./views/leads')).createLeadsView,
  import: async () => (await import('./views/import')).createImportView,
};

export class App {
  private readonly store = new Store();
  private boot?: Boot;
  private bootFailed = false;
  private state: AppState = parseHash(location.hash);
  private view?: View;
  private viewKey = '';
  private routing = 0;
  /** Whether the server serves GraphiQL at /graphiql (it does not in production mode). */
  private graphiql = false;
  /** Whether the session may import enterprise lists (the 名录导入 tab is offered only then). */
  private canImport = false;
  private importProbe = 0;
  private readonly header = h('header', { class: 'app-header' });
  private readonly main = h('main', { class: 'app-main', id: 'main' });
  private readonly footer = h('footer', { class: 'app-footer' });

  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    setLang(this.state.lang);
    replaceChildren(this.root, this.header, this.main, this.footer);
    this.renderHeader();
    replaceChildren(this.main, loading());
    window.addEventListener('hashchange', () => void this.route());
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => this.view?.resize?.(), 150);
    });
    // A login, logout or expired session rebuilds the view: what it shows depends on the role.
    onSession(() => {
      // Under --require-login the first load fails until a login: load it all again. (While
      // it is still loading, route() reads the session when it is done.)
      if (!this.boot) {
        if (this.bootFailed) location.reload();
        return;
      }
      this.renderHeader();
      void this.route();
      void this.probeImport();
    });
    try {
      // Who is logged in first: a POST with the session cookie but without its CSRF token
      // would be refused (and retried), so the token must be known before the first query.
      await refreshSession();
      this.boot = await this.store.boot();
    } catch (err) {
      this.bootFailed = true;
      replaceChildren(this.main, errorBox(err, () => location.reload()));
      return;
    }
    void this.probeGraphiql();
    void this.probeImport();
    await this.route();
  }

  private async probeGraphiql(): Promise<void> {
    try {
      const res = await fetch('/graphiql', { headers: { Accept: 'text/html' } });
      // Without the route, the SPA fallback answers with this app's index.html.
      this.graphiql = res.ok && (await res.text()).includes('graphiql-page');
    } catch {
      this.graphiql = false;
    }
    if (this.graphiql) this.renderHeader();
  }

  /**
   * Whether whoever is logged in may import (GET /import answers 200 either way, so an
   * anonymous visit makes no refused request): the import tab is offered only then. The
   * session itself is session.ts's; this only asks the server's verdict for the tab.
   */
  private async probeImport(): Promise<void> {
    const my = ++this.importProbe;
    let can = false;
    if (session()) {
      try {
        can = (await importInfo()).allowed;
      } catch {
        can = false;
      }
    }
    // A logout and a new login in quick succession: only the latest answer counts.
    if (my !== this.importProbe) return;
    if (can !== this.canImport) {
      this.canImport = can;
      this.renderHeader();
    }
  }

  /** Fills defaults (dataset's focus chain and region) and drops unknown ids. */
  private normalise(s: AppState): AppState {
    const b = this.boot!;
    const next = { ...s };
    if (!next.chain || !b.chains.some((c) => c.id === next.chain)) {
      next.chain = b.dataset.focusChain?.id ?? b.chains[0]?.id;
    }
    if (!next.scope || (!b.regions.get(next.scope) && !b.parks.get(next.scope))) {
      next.scope = b.dataset.focusRegion?.id ?? undefined;
    }
    return next;
  }

  private async route(): Promise<void> {
    if (!this.boot) return;
    const parsed = parseHash(location.hash);
    const state = this.normalise(parsed);
    const canonical = toHash(state);
    if (location.hash !== canonical) history.replaceState(null, '', canonical);
    const prev = this.view ? this.state : null;
    this.state = state;
    if (lang() !== state.lang) setLang(state.lang);
    this.renderHeader();
    this.renderFooter();

    const who = session();
    const key = `${state.view}|${state.lang}|${state.chain}|${who ? `${who.name}:${who.role}` : ''}`;
    const token = ++this.routing;
    if (key !== this.viewKey || !this.view) {
      this.view?.destroy();
      this.view = undefined;
      this.viewKey = key;
      this.busy();
      replaceChildren(this.main, loading());
      let factory: ViewFactory;
      try {
        factory = await VIEW_LOADERS[state.view]();
      } catch (err) {
        replaceChildren(this.main, errorBox(err, () => location.reload()));
        return;
      }
      if (token !== this.routing) return;
      const view = factory(this.ctx());
      this.view = view;
      replaceChildren(this.main, view.el);
      await view.update(state, null);
    } else {
      await this.view.update(state, prev);
    }
  }

  private ctx(): Ctx {
    return {
      store: this.store,
      boot: this.boot!,
      state: () => this.state,
      scope: () => this.scope(),
      chainId: () => this.state.chain!,
      navigate: (patch, opts) => this.navigate(patch, opts),
      ready: () => {
        document.body.dataset.ready = this.state.view;
      },
      busy: () => this.busy(),
      scopeSelect: () => this.scopeSelect(),
    };
  }

  private busy(): void {
    delete document.body.dataset.ready;
  }

  scope(): Scope {
    const b = this.boot!;
    const id = this.state.scope!;
    const park = b.parks.get(id);
    if (park) return { kind: 'park', id, park };
    const region = b.regions.get(id) ?? b.regions.get(b.dataset.focusRegion?.id ?? '');
    if (!region) throw new Error(`unknown scope ${id}`);
    return { kind: 'region', id: region.id, region };
  }

  navigate(patch: Partial<AppState>, opts?: { replace?: boolean }): void {
    const next: AppState = { ...this.state, ...patch };
    for (const k of Object.keys(patch) as (keyof AppState)[]) {
      if (patch[k] === undefined) delete next[k];
    }
    const hash = toHash(next);
    if (opts?.replace) {
      history.replaceState(null, '', hash);
      void this.route();
    } else if (location.hash !== hash) {
      location.hash = hash;
    }
  }

  private scopeSelect(): HTMLElement {
    const b = this.boot!;
    const focus = b.dataset.focusRegion?.id;
    const sel = h('select', {
      id: 'scope-select',
      class: 'select',
      'aria-label': t('scope'),
      on: { change: () => this.navigate({ scope: sel.value, park: undefined, ent: undefined }) },
    });
    const add = (parent: HTMLElement, value: string, label: string) => {
      const o = h('option', { value }, label);
      if (value === this.state.scope) o.selected = true;
      parent.appendChild(o);
    };
    if (focus && b.regions.get(focus)) {
      const g = h('optgroup', { label: t('scopeRegion') });
      add(g, focus, nm(b.regions.get(focus)) + t('scopeWithSub'));
      sel.appendChild(g);
    }
    const focusParks = b.dataset.focusParks.map((p) => b.parks.get(p.id)).filter((p) => !!p);
    if (focusParks.length) {
      const g = h('optgroup', { label: t('scopeParks') });
      for (const p of focusParks) {
        const regs = p!.regions.map((r) => nm(b.regions.get(r.id))).filter(Boolean).join('、');
        add(g, p!.id, regs ? `${nm(p)}（${regs}）` : nm(p));
      }
      sel.appendChild(g);
    }
    if (focus) {
      const kids = b.regions.children(focus).filter((r) => r.level === 'COUNTY' || r.level === 'ZONE');
      if (kids.length && kids.length <= 60) {
        const g = h('optgroup', { label: t('scopeCounties') });
        for (const r of kids) add(g, r.id, nm(r));
        sel.appendChild(g);
      }
    }
    // A shared URL may name any region or park: keep it selectable.
    if (this.state.scope && ![...sel.querySelectorAll('option')].some((o) => o.value === this.state.scope)) {
      const s = this.scope();
      add(sel, s.id, s.kind === 'park' ? nm(s.park) : nm(s.region));
    }
    return h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('scope')), sel);
  }

  private renderHeader(): void {
    const b = this.boot;
    const s = this.state;
    const title = b ? (lang() === 'en' ? b.dataset.titleEn || b.dataset.titleZh : b.dataset.titleZh || b.dataset.titleEn) || b.dataset.id : 'chainmap';
    document.title = `${title} · ${t('appSubtitle')}`;
    const mapKey: MessageKey = !b || b.dataset.focusRegion?.id === '410100' ? 'view.map' : 'view.mapGeneric';
    const canImport = this.canImport;
    const tabs = h('nav', { class: 'tabs', 'aria-label': 'views' }, VIEWS.filter((v) => v !== 'import' || canImport).map((v) => {
      const key: MessageKey = v === 'map' ? mapKey : (`view.${v}` as MessageKey);
      const active = s.view === v;
      return h('a', {
        class: ['tab', active && 'active'],
        href: b ? toHash(forView(s, v)) : `#/${v}`,
        'data-view': v,
        'aria-current': active ? 'page' : undefined,
      }, t(key));
    }));
    const langBtn = h('button', {
      type: 'button',
      class: 'btn btn-lang',
      id: 'lang-switch',
      title: t('langSwitchTitle'),
      lang: s.lang === 'zh' ? 'en' : 'zh-CN',
      on: { click: () => this.navigate({ lang: s.lang === 'zh' ? 'en' : 'zh' }) },
    }, t('langSwitch'));
    const gq = this.graphiql
      ? h('a', { class: 'btn btn-ghost', href: '/graphiql', target: '_blank', rel: 'noopener', title: t('graphiqlTitle'), id: 'graphiql-link' }, t('graphiql'))
      : null;
    replaceChildren(this.header,
      h('div', { class: 'brand' },
        h('span', { class: 'logo', 'aria-hidden': 'true' }),
        h('div', { class: 'brand-text' },
          h('h1', { id: 'app-title' }, title),
          h('span', { class: 'subtitle' }, t('appSubtitle'), b?.dataset.synthetic ? h('span', { class: 'chip chip-warn' }, t('syntheticData')) : null),
        ),
      ),
      tabs,
      h('div', { class: 'header-tools' }, accountTools(), langBtn, gq),
    );
  }

  private renderFooter(): void {
    const d = this.boot?.dataset;
    if (!d) return;
    const title = (lang() === 'en' ? d.titleEn || d.titleZh : d.titleZh || d.titleEn) ?? d.id;
    replaceChildren(this.footer,
      h('span', null, t('dataLine', { title, version: d.version ?? '' })),
      d.licence ? h('span', { class: 'footer-licence' }, t('licenceLine', { licence: d.licence })) : null,
      h('span', null, t('apiLine')),
    );
  }
}
