// Pieces that show the gap analysis' answers: kind tags, score factors, targets, host
// parks, policies and balances. Every value reaches the page as text.

import { h } from '../dom';
import { lang, nm, num, paren, t, title as policyTitle, tOr } from '../i18n';
import type { Balance, GapKind, HostPark, InvestmentTarget, Policy, ScoreFactor } from '../api';
import { kindHint, kindLabel, reasonOf } from '../status';
import { shortName, type SegmentIndex } from '../model';
import type { Column } from './table';
import { instrumentLabel } from './widgets';

export function kindChip(kind: GapKind, kindZh?: string): HTMLElement {
  return h('span', { class: ['kind-chip', `kind-${kind.toLowerCase()}`], 'data-kind': kind, title: kind === 'NONE' ? undefined : kindHint(kind) }, kindLabel(kind, kindZh));
}

export function scoreChip(score: number): HTMLElement {
  return h('span', { class: 'score-chip', title: t('scoreHint') }, `${t('score')} ${num(score, 1)}`);
}

export function factorName(name: string): string {
  return tOr(`factor.${name.replace(/\s+/g, '_')}`, name);
}

/** The factors of a score as a small table; the total is the score. */
export function factorsTable(factors: ScoreFactor[], score: number, id: string): HTMLElement {
  return h('table', { class: 'data factors', 'data-factors': id },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('factor')), h('th', { scope: 'col', class: 'num' }, t('points')), h('th', { scope: 'col' }, t('factorDetail')))),
    h('tbody', null,
      factors.map((f) => h('tr', { 'data-factor': f.name },
        h('td', null, factorName(f.name)),
        h('td', { class: 'num' }, `${f.points > 0 ? '+' : ''}${num(f.points, 2)}`),
        h('td', { class: 'wrap small' }, f.detail),
      )),
      h('tr', { class: 'total' }, h('td', null, t('total')), h('td', { class: 'num' }, num(score, 2)), h('td', null, '')),
    ),
  );
}

/** A host park's point: its own, else the mean of its regions' points (as the API gives them). */
export function hostPoint(host: HostPark | null | undefined): { lon: number; lat: number } | null {
  if (!host) return null;
  const p = host.park;
  if (p.lon !== null && p.lat !== null) return { lon: p.lon, lat: p.lat };
  const pts = p.regions.filter((r) => r.lon !== null && r.lat !== null);
  if (!pts.length) return null;
  return { lon: pts.reduce((s, r) => s + r.lon!, 0) / pts.length, lat: pts.reduce((s, r) => s + r.lat!, 0) / pts.length };
}

export function hostName(host: HostPark | null | undefined): string {
  return host ? nm(host.park) : t('noHost');
}

/** Columns of a table of investment targets (rank = position in the API's answer). */
export function targetColumns(opts: { idx?: SegmentIndex; withGap?: boolean; rank?: (r: InvestmentTarget) => number } = {}): Column<InvestmentTarget>[] {
  const cols: Column<InvestmentTarget>[] = [];
  if (opts.rank) cols.push({ key: 'rank', header: () => '#', value: (r) => opts.rank!(r), numeric: true });
  if (opts.withGap) {
    cols.push({ key: 'gap', header: () => t('gap'), value: (r) => shortName(nm(opts.idx?.get(r.segment.id))) || r.segment.id });
  }
  cols.push(
    { key: 'enterprise', header: () => t('enterprise'), value: (r) => nm(r.enterprise), render: (r) => h('span', { class: 'ent-name' }, nm(r.enterprise)), cls: 'wrap' },
    { key: 'region', header: () => t('region'), value: (r) => nm(r.enterprise.region) || r.enterprise.region.id },
    { key: 'score', header: () => t('score'), value: (r) => r.score, render: (r) => num(r.score, 1), numeric: true },
  );
  cols.push(
    { key: 'capacity', header: () => t('capacity'), value: (r) => r.capacity, render: (r) => num(r.capacity), numeric: true },
    { key: 'distance', header: () => t('distanceKm'), value: (r) => (r.distanceKm === null ? null : Math.round(r.distanceKm)), numeric: true },
    { key: 'designations', header: () => t('designations'), value: (r) => r.enterprise.designations.join('、') },
    { key: 'reason', header: () => t('reason'), value: (r) => reasonOf(r), cls: 'wrap long' },
    { key: 'host', header: () => t('hostPark'), value: (r) => hostName(r.host), cls: 'wrap' },
    { key: 'hostReason', header: () => t('hostReason'), value: (r) => (r.host ? reasonOf(r.host) : ''), cls: 'wrap long' },
  );
  return cols;
}

/** Targets in a narrow panel: one rich cell each (name, region, reason, host park); exports keep every field. */
export function panelTargetColumns(): Column<InvestmentTarget>[] {
  return [
    {
      key: 'enterprise', header: () => t('enterprise'), value: (r) => nm(r.enterprise), cls: 'wrap',
      render: (r) => h('div', { class: 'target-cell' },
        h('div', null, h('strong', { class: 'ent-name' }, nm(r.enterprise)), h('span', { class: 'muted small' }, ` · ${nm(r.enterprise.region)}`)),
        h('div', { class: 'small' }, reasonOf(r)),
        h('div', { class: 'small host-line' }, `→ ${hostName(r.host)}`),
      ),
    },
    { key: 'score', header: () => t('score'), value: (r) => r.score, render: (r) => num(r.score, 1), numeric: true },
    { key: 'region', header: () => t('region'), value: (r) => nm(r.enterprise.region), exportOnly: true },
    { key: 'reason', header: () => t('reason'), value: (r) => reasonOf(r), exportOnly: true },
    { key: 'host', header: () => t('hostPark'), value: (r) => hostName(r.host), exportOnly: true },
    { key: 'hostReason', header: () => t('hostReason'), value: (r) => (r.host ? reasonOf(r.host) : ''), exportOnly: true },
    { key: 'distance', header: () => t('distanceKm'), value: (r) => (r.distanceKm === null ? null : Math.round(r.distanceKm)), exportOnly: true },
  ];
}

/** Policies in a narrow panel: title with rate, base, cap and clause underneath; exports keep every field. */
export function panelPolicyColumns(): Column<Policy>[] {
  return [
    {
      key: 'title', header: () => t('name'), value: (p) => policyTitle(p), cls: 'wrap',
      render: (p) => {
        const bits: string[] = [instrumentLabel(p.instrument)];
        if (p.rate !== null) bits.push(`${num(p.rate)}%${p.base ? ` × ${p.base}` : ''}`);
        if (p.cap !== null) bits.push(t('capLine', { cap: num(p.cap), period: p.capPeriod ? capPeriodText(p.capPeriod) : '' }).trim());
        if (p.clause) bits.push(p.clause);
        return h('div', null, h('div', null, policyTitle(p)), h('div', { class: 'muted small' }, bits.join(' · ')));
      },
    },
    ...policyColumns().filter((c) => c.key !== 'title').map((c) => ({ ...c, exportOnly: true })),
  ];
}

/** Columns of a policy table: rate, base, cap (with its period) and clause. */
export function policyColumns(): Column<Policy>[] {
  return [
    { key: 'title', header: () => t('name'), value: (p) => policyTitle(p), cls: 'wrap' },
    { key: 'instrument', header: () => t('instrument'), value: (p) => instrumentLabel(p.instrument) },
    { key: 'rate', header: () => `${t('rate')}${paren('%')}`, value: (p) => p.rate, render: (p) => num(p.rate), numeric: true },
    { key: 'base', header: () => t('base'), value: (p) => p.base || '' },
    { key: 'cap', header: () => t('cap'), value: (p) => p.cap, render: (p) => capText(p), numeric: true },
    { key: 'clause', header: () => t('clause'), value: (p) => p.clause || '' },
  ];
}

export function capPeriodText(period: string): string {
  return tOr(`capPeriod.${period.replace(/\s+/g, '_')}`, period);
}

export function capText(p: Pick<Policy, 'cap' | 'capPeriod'>): string {
  if (p.cap === null) return '';
  return `${num(p.cap)}${p.capPeriod ? ` / ${capPeriodText(p.capPeriod)}` : ''}`;
}

/** A policy in one line: title (rate %, cap) clause. */
export function policyLine(p: Policy): string {
  const bits: string[] = [];
  if (p.rate !== null) bits.push(`${num(p.rate)}%${p.base ? ` × ${p.base}` : ''}`);
  if (p.cap !== null) bits.push(t('capLine', { cap: num(p.cap), period: p.capPeriod ? capPeriodText(p.capPeriod) : '' }).trim());
  return `${policyTitle(p)}${bits.length ? paren(bits.join(lang() === 'zh' ? '，' : ', ')) : ''}${p.clause ? ` ${p.clause}` : ''}`;
}

export function balanceColumns(idx: SegmentIndex): Column<Balance>[] {
  const name = (id: string) => shortName(nm(idx.get(id))) || id;
  return [
    { key: 'flow', header: () => t('legendFlow'), value: (b) => `${name(b.from.id)} → ${name(b.to.id)}`, cls: 'wrap' },
    { key: 'supply', header: () => t('supply'), value: (b) => b.supply, render: (b) => num(b.supply, 1), numeric: true },
    { key: 'demand', header: () => t('demand'), value: (b) => b.demand, render: (b) => num(b.demand, 1), numeric: true },
    { key: 'net', header: () => t('net'), value: (b) => b.net, render: (b) => num(b.net, 1), numeric: true },
    { key: 'unit', header: () => t('unit'), value: (b) => b.unit ?? '' },
    { key: 'kind', header: () => t('balanceKind'), value: (b) => (b.kind ? tOr(`balance.${b.kind}`, b.kind) : '') },
    { key: 'note', header: () => t('note'), value: (b) => b.note ?? '', cls: 'wrap' },
  ];
}

/** ✓ / ✗ / ? with a word, so the state does not rest on colour or glyph alone. */
export function onTrackCell(v: boolean | null): HTMLElement {
  const key = v === true ? 'onTrack.yes' : v === false ? 'onTrack.no' : 'onTrack.unknown';
  const glyph = v === true ? '✓' : v === false ? '✗' : '?';
  return h('span', { class: ['track', v === true ? 'track-yes' : v === false ? 'track-no' : 'track-unknown'], 'data-on-track': String(v) },
    h('span', { class: 'track-glyph', 'aria-hidden': 'true' }, glyph), t(key));
}

export function onTrackText(v: boolean | null): string {
  return `${v === true ? '✓' : v === false ? '✗' : '?'} ${t(v === true ? 'onTrack.yes' : v === false ? 'onTrack.no' : 'onTrack.unknown')}`;
}
