// "加入线索": a button on an investment target (chain panel, roadmap, targets) that creates a
// lead from it with createLeadFromTarget — the enterprise, the segment it would fill and
// its host park (or the scope's region when it has none). Shown only to a role that may
// create leads; the server checks again. Before creating, it asks for the firm's leads in
// that segment: when one is still open it links to it instead and offers "仍要新建", so
// a second click or a colleague's earlier lead does not silently make a duplicate.

import { ApiError, gql } from '../api';
import { h, replaceChildren } from '../dom';
import { CreateLeadFromTargetDocument, LeadsDocument, type LeadStage } from '../graphql/generated';
import { t, type MessageKey } from '../i18n';
import { LEAD_STAGES } from '../leads';
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
  const fail = (err: unknown) => {
    btn.disabled = false;
    const msg = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    replaceChildren(host, btn, h('span', { class: 'form-msg error small', role: 'alert' }, msg));
  };
  const create = async () => {
    const { createLeadFromTarget: l } = await gql(CreateLeadFromTargetDocument, {
      enterprise: ref.enterprise,
      segment: ref.segment,
      park: ref.park ?? null,
      region: ref.park ? null : (ref.region ?? null),
      origin: ref.origin,
    });
    replaceChildren(host, h('a', { class: 'lead-added', href: `#/leads?lead=${encodeURIComponent(l.id)}`, 'data-lead': l.id }, t('lead.added')));
  };
  const btn = h('button', {
    type: 'button',
    class: 'btn btn-small btn-add-lead',
    title: t('lead.addTitle'),
    on: {
      click: async (ev: MouseEvent) => {
        ev.stopPropagation(); // not the row's click
        btn.disabled = true;
        try {
          const open = await openLeadsOf(ref);
          if (open.length === 0) return await create();
          const anyway = h('button', {
            type: 'button',
            class: 'btn btn-small btn-add-anyway',
            title: t('lead.addAnywayTitle'),
            on: {
              click: async (e: MouseEvent) => {
                e.stopPropagation();
                anyway.disabled = true;
                try {
                  await create();
                } catch (err) {
                  fail(err);
                }
              },
            },
          }, t('lead.addAnyway'));
          replaceChildren(host, h('span', { class: 'lead-exists' }, t('lead.exists'),
            ...open.map((l) => h('a', { href: `#/leads?lead=${encodeURIComponent(l.id)}`, 'data-lead': l.id, class: 'lead-existing' },
              `${l.owner} · ${t(`leadStage.${l.stage}` as MessageKey) || l.stage} →`)), ' ', anyway));
        } catch (err) {
          fail(err);
        }
      },
    },
  }, t('lead.add'));
  host.appendChild(btn);
  return host;
}

/** The open leads (not 终止) of the target's firm in its segment, at most three. */
async function openLeadsOf(ref: TargetRef): Promise<{ id: string; owner: string; stage: LeadStage }[]> {
  const stages = LEAD_STAGES.filter((s) => s !== 'TERMINATED');
  const { leads } = await gql(LeadsDocument, { filter: { enterprise: ref.enterprise, segment: ref.segment, stages }, first: 3 });
  return leads.edges.map((e) => e.node);
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
