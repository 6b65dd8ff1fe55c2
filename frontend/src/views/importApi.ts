// The server's import endpoints (server/importweb.go). The login, the session and its
// CSRF token are the page's one session (session.ts); every state-changing request here
// carries that token in X-CSRF-Token. Plain JSON and multipart over fetch, same origin,
// cookies included.

/** GET /import: who asks (role '' when nobody is logged in), whether they may import. */
export interface ImportInfo {
  name: string;
  role: string;
  allowed: boolean;
  enabled: boolean;
  applicable?: boolean;
  reason?: string;
  maxBytes?: number;
  maxFiles?: number;
}

export interface ImportProblem {
  file: string;
  line: number;
  field: string;
  message: string;
  text: string;
}

export interface ImportReport {
  rowsRead: number;
  firms: number;
  merges: number;
  confirmed: number;
  uncertain: number;
  rejected: number;
  addedEnterprises: number;
  addedOperations: number;
  addedSources: number;
  problems: ImportProblem[];
  problemCount: number;
  notes: string[] | null;
  mergeLines: string[] | null;
  error?: string;
}

export interface ReviewItem {
  row: number;
  line: number;
  id: string;
  name: string;
  region: string;
  products: string;
  segment: string;
  segmentName: string;
  alternatives: string[] | null;
  decision: string;
  score: number;
  evidence: string;
  ruledOut: string;
  written: string;
}

export interface SegmentChoice {
  id: string;
  nameZh: string;
}

export interface Staged {
  id: string;
  expiresAt: string;
  files: { name: string; bytes: number }[];
  report: ImportReport;
  review: ReviewItem[];
  reviewTotal: number;
  reviewOffset: number;
  segments: SegmentChoice[];
}

export interface Decision {
  row: number;
  review: string;
  note?: string;
}

export interface ChainChange {
  chain: string;
  region: string;
  before: { present: number; total: number; completeness: number };
  after: { present: number; total: number; completeness: number };
  segments: { id: string; nameZh: string; before: string; after: string }[];
}

export interface Applied {
  accepted: number;
  rejected: number;
  moved: number;
  unchanged: number;
  problems: ImportProblem[];
  changedFiles: string[];
  changes: ChainChange[] | null;
}

/** A refused request: the server's message and code, and the report when it made one. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly report?: ImportReport,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}) } });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ImportError(`HTTP ${res.status}`, res.status);
  }
  if (!res.ok) {
    const b = (body ?? {}) as { error?: string; code?: string; report?: ImportReport };
    throw new ImportError(b.error || `HTTP ${res.status}`, res.status, b.code, b.report);
  }
  return body as T;
}

/** Always answers (200), logged in or not: the app asks it on every load. */
export function importInfo(): Promise<ImportInfo> {
  return call<ImportInfo>('/import');
}

export function uploadLists(files: File[], sheet: string, mapping: File | null, csrf: string): Promise<Staged> {
  const form = new FormData();
  for (const f of files) form.append('files', f, f.name);
  if (sheet.trim()) form.append('sheet', sheet.trim());
  if (mapping) form.append('mapping', mapping, mapping.name);
  // No Content-Type: the browser sets multipart/form-data with its boundary.
  return call<Staged>('/import', { method: 'POST', headers: { 'X-CSRF-Token': csrf }, body: form });
}

export function stagedPage(id: string, offset: number): Promise<Staged> {
  return call<Staged>(`/import/${encodeURIComponent(id)}?offset=${offset}`);
}

/** acceptPlaced accepts, on the server, every placed row without a decision here (also those not loaded). */
export function applyReview(id: string, decisions: Decision[], acceptPlaced: boolean, csrf: string): Promise<Applied> {
  return call<Applied>(`/import/${encodeURIComponent(id)}/apply`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify({ decisions, acceptPlaced }),
  });
}

export function discard(id: string, csrf: string): Promise<unknown> {
  return call(`/import/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
}
