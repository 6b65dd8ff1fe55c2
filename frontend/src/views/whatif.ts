// 假设分析: a placeholder until the gap-analysis API can recompute statuses and goals.

import { h } from '../dom';
import { t } from '../i18n';
import { forView, toHash } from '../state';
import type { Ctx, View } from './types';

export function createWhatifView(ctx: Ctx): View {
  const s = ctx.state();
  const el = h('div', { class: 'view view-whatif' },
    h('section', { class: 'placeholder', id: 'whatif-placeholder' },
      h('h2', null, t('whatifTitle')),
      h('p', null, t('whatifBody1')),
      h('p', null, t('whatifBody2')),
      h('div', { class: 'placeholder-actions' },
        h('a', { class: 'btn', href: toHash(forView(s, 'chain')) }, t('whatifGoChain')),
        h('a', { class: 'btn', href: toHash(forView(s, 'targets')) }, t('whatifGoTargets')),
      ),
    ),
  );
  return {
    el,
    update() {
      ctx.ready();
    },
    destroy() {},
  };
}
