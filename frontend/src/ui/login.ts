// The header's account tools: a 登录 button that opens the login dialog, or, when logged
// in, who and in which role, with 退出. Errors say what happened in words the user can act
// on (a wrong password, too many attempts and how long to wait), never only a code.

import { h, replaceChildren } from '../dom';
import { t, type MessageKey } from '../i18n';
import { AuthError, login, logout, session, type Role } from '../session';

export function roleLabel(r: Role | string): string {
  return t(`role.${r}` as MessageKey) || r;
}

/** The words for a refused login. */
export function loginErrorText(err: unknown): string {
  if (err instanceof AuthError) {
    switch (err.code) {
      case 'UNAUTHENTICATED':
        return t('login.wrong');
      case 'TOO_MANY_REQUESTS':
        return err.retryAfter ? t('login.rateLimitedWait', { s: err.retryAfter }) : t('login.rateLimited');
      case 'BAD_USER_INPUT':
        return t('login.badInput');
      case 'NOT_IMPLEMENTED':
        return t('login.noAccounts');
      default:
        return `${t('login.failed')}${t('colon')}${err.message}`;
    }
  }
  return `${t('login.failed')}${t('colon')}${err instanceof Error ? err.message : String(err)}`;
}

/** Opens the login dialog; resolves when it closes. */
export function openLoginDialog(): void {
  const name = h('input', { type: 'text', id: 'login-name', class: 'input-text', autocomplete: 'username', required: true, maxlength: 64 });
  const pw = h('input', { type: 'password', id: 'login-password', class: 'input-text', autocomplete: 'current-password', required: true, maxlength: 256 });
  const msg = h('p', { class: 'form-msg error', id: 'login-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, t('login.submit'));
  const cancel = h('button', { type: 'button', class: 'btn', on: { click: () => dlg.close() } }, t('cancel'));
  const form = h('form', {
    class: 'login-form',
    method: 'dialog',
    on: {
      submit: async (ev: SubmitEvent) => {
        ev.preventDefault();
        replaceChildren(msg);
        submit.disabled = true;
        try {
          await login(name.value.trim(), pw.value);
          dlg.close();
        } catch (err) {
          replaceChildren(msg, loginErrorText(err));
          pw.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
  },
  h('h2', null, t('login.title')),
  h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('login.name')), name),
  h('label', { class: 'form-row' }, h('span', { class: 'field-label' }, t('login.password')), pw),
  msg,
  h('div', { class: 'form-actions' }, submit, cancel),
  );
  const dlg = h('dialog', { class: 'login-dialog', id: 'login-dialog', 'aria-label': t('login.title') }, form);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  dlg.showModal();
  name.focus();
}

/** 登录, or the user's name and role with 退出. */
export function accountTools(): HTMLElement {
  const s = session();
  if (!s) {
    return h('button', { type: 'button', class: 'btn btn-ghost', id: 'login-open', on: { click: () => openLoginDialog() } }, t('login.open'));
  }
  const out = h('button', {
    type: 'button', class: 'btn btn-ghost', id: 'logout',
    on: {
      click: async () => {
        out.disabled = true;
        try {
          await logout();
        } catch {
          // logout() forgets the session anyway; the header re-renders
        }
      },
    },
  }, t('login.logout'));
  return h('span', { class: 'account', id: 'account', 'data-user': s.name, 'data-role': s.role },
    h('span', { class: 'account-name' }, s.name), h('span', { class: 'chip' }, roleLabel(s.role)), out);
}
