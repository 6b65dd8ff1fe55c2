// The login session of the 招商 pipeline (docs/pipeline.md "Sessions, CSRF and brute
// force"). The server keeps the session in an HttpOnly cookie the page cannot read; the
// page keeps only who is logged in, their role and the CSRF token the server answered,
// which every state-changing request made with the cookie must carry in X-CSRF-Token
// (api.ts adds it to every POST to /graphql). What the page shows to each role follows
// docs/pipeline.md; the server decides (chainmap.Authorize) and refuses anything else.

import { MeDocument } from './graphql/generated';

export type Role = 'viewer' | 'promoter' | 'manager' | 'admin';

export interface Session {
  name: string;
  role: Role;
  csrfToken: string;
}

/** A failed login or logout: the server's code (UNAUTHENTICATED, TOO_MANY_REQUESTS…) and, when rate-limited, seconds to wait. */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export const CSRF_HEADER = 'X-CSRF-Token';

let current: Session | null = null;
const listeners = new Set<(s: Session | null) => void>();

/** Who is logged in, or null. */
export function session(): Session | null {
  return current;
}

/** The CSRF token of the session, for the X-CSRF-Token header. */
export function csrfToken(): string | null {
  return current?.csrfToken ?? null;
}

/** Calls fn whenever the session changes (login, logout, expiry); returns the unsubscribe. */
export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function set(s: Session | null): void {
  const changed = (current?.name ?? null) !== (s?.name ?? null) || current?.role !== s?.role;
  current = s;
  if (changed) for (const fn of listeners) fn(s);
}

const ROLES: readonly string[] = ['viewer', 'promoter', 'manager', 'admin'];

function parseSession(body: unknown): Session | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.name !== 'string' || typeof b.role !== 'string' || typeof b.csrfToken !== 'string') return null;
  if (!ROLES.includes(b.role)) return null;
  return { name: b.name, role: b.role as Role, csrfToken: b.csrfToken };
}

/**
 * Asks the server who the cookie belongs to: after a reload, or when a token went stale.
 * First `{ me }` over GraphQL GET (safe, so no CSRF token needed, and answered 200 with
 * null when nobody is logged in: no failed request in the console of every anonymous
 * page), then, only when someone is, GET /auth/me for the session's CSRF token.
 */
export async function refreshSession(): Promise<Session | null> {
  try {
    const q = await fetch(`/graphql?query=${encodeURIComponent(MeDocument.toString())}`, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    const body = q.ok ? await q.json() : null;
    if (!body?.data?.me) {
      set(null);
      return null;
    }
    const res = await fetch('/auth/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    set(res.ok ? parseSession(await res.json()) : null);
  } catch {
    set(null);
  }
  return current;
}

/** Logs in (POST /auth/login); throws AuthError with the server's code on a refusal. */
export async function login(name: string, password: string): Promise<Session> {
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ name, password }),
  });
  let body: Record<string, unknown> = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: reported by status below
  }
  if (res.ok) {
    const s = parseSession(body);
    if (!s) throw new AuthError(`login: unexpected answer (HTTP ${res.status})`, 'BAD_RESPONSE');
    set(s);
    return s;
  }
  const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
  const msg = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
  const ra = Number(res.headers.get('Retry-After'));
  throw new AuthError(msg, code, Number.isFinite(ra) && ra > 0 ? ra : undefined);
}

/** Logs out (POST /auth/logout with the CSRF token); the page forgets the session either way. */
export async function logout(): Promise<void> {
  const token = csrfToken();
  try {
    const res = await fetch('/auth/logout', {
      method: 'POST',
      headers: token ? { [CSRF_HEADER]: token } : {},
      credentials: 'same-origin',
    });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new AuthError(typeof body.error === 'string' ? body.error : `HTTP ${res.status}`, typeof body.code === 'string' ? body.code : `HTTP_${res.status}`);
    }
  } finally {
    set(null);
  }
}

// ---- What the page offers each role (docs/pipeline.md); the server checks again ----------

const RANK: Record<Role, number> = { viewer: 0, promoter: 1, manager: 2, admin: 3 };

function atLeast(s: Session | null, r: Role): boolean {
  return !!s && RANK[s.role] >= RANK[r];
}

/** May create leads: promoters and above. */
export function canCreate(s: Session | null = current): boolean {
  return atLeast(s, 'promoter');
}

/** May edit, move, follow up and close this lead: its owner (a promoter), or a manager or admin. */
export function canEdit(lead: { owner: string }, s: Session | null = current): boolean {
  if (!s) return false;
  if (atLeast(s, 'manager')) return true;
  return s.role === 'promoter' && lead.owner === s.name;
}

/** May change a lead's owner and read the audit trail: managers and admins. */
export function canManage(s: Session | null = current): boolean {
  return atLeast(s, 'manager');
}

/** Test hook: sets the session without the server (unit tests only). */
export function _setSessionForTest(s: Session | null): void {
  set(s);
}
