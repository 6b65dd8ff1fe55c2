// "加入线索": a button on an investment target (chain panel, roadmap, targets) that creates a
// lead from it with createLeadFromTarget — the enterprise, the segment it would fill and
// its host park (or the scope's region when it has none). Shown only to a role that may
// create leads; the server checks again.

import { ApiError, gql } from '../api';
import { h, replaceChildren } from '../dom';
import { CreateLeadFromTargetDocument } from '../graphql/generated';
import { t } from '../i18n';
import { canCreate } from '../session';
import type { Column } from './table';

export interface TargetRef {
  enterprise: string;
  segment: string;
  park?: string | null;
  region?: string | null;
  /** investmentTargets or roadmap */
  origin: string;
}

/** The button, or null when the session may not create leads. */
export function addLeadButton(ref: TargetRef): HTMLElement | null {
  if (!canCreate()) return null;
  const host = h('span', { class: 'add-lead', 'data-add-lead': `${ref.enterprise}|${ref.segment}` });
  const btn = h('button', {
    type: 'button',
    class: 'btn btn-small btn-add-lead',
    title: t('lead.addTitle'),
    on: {
      click: async (ev: MouseEvent) => {
        ev.stopPropagation(); // not the row's click
        btn.disabled = true;
        try {
          const { createLeadFromTarget: l } = await gql(CreateLeadFromTargetDocument, {
            enterprise: ref.enterprise,
            segment: ref.segment,
            park: ref.park ?? null,
            region: ref.park ? null : (ref.region ?? null),
            origin: ref.origin,
          });
          replaceChildren(host, h('a', { class: 'lead-added', href: `#/leads?lead=${encodeURIComponent(l.id)}`, 'data-lead': l.id }, t('lead.added')));
        } catch (err) {
          btn.disabled = false;
          const msg = err instanceof ApiError || err instanceof Error ? err.message : String(err);
          replaceChildren(host, btn, h('span', { class: 'form-msg error small', role: 'alert' }, msg));
        }
      },
    },
  }, t('lead.add'));
  host.appendChild(btn);
  return host;
}

/** A screen-only table column with the button (exports leave it out). */
export function addLeadColumn<T>(ref: (row: T) => TargetRef): Column<T> {
  return { key: 'addLead', header: () => '', value: () => '', render: (r) => addLeadButton(ref(r)), screenOnly: true };
}

/** Where a lead from a target goes: the target's host park, else the scope (a park, or a region). */
export function targetPlace(hostPark: string | null | undefined, scope: { kind: 'region' | 'park'; id: string }): { park?: string; region?: string } {
  if (hostPark) return { park: hostPark };
  return scope.kind === 'park' ? { park: scope.id } : { region: scope.id };
}
