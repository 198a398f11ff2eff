import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../contracts/api';

export type { paths, components };

/** One error type for every failed API call: the server's `{ error: { code, message, details } }`. */
export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message for one field (`body.name`, `body.contacts.0.email`…), if the server named it. */
  field(path: string): string | undefined {
    return this.problems.find((p) => p.path === path)?.message;
  }

  /** Problems whose path is not in `known`: shown in the form's summary instead of next to a field. */
  others(known: string[]): FieldProblem[] {
    return this.problems.filter((p) => !known.includes(p.path));
  }
}

/** `err.field(path)` when err is an ApiError, else undefined: for `error=` props of inputs. */
export function fieldError(err: unknown, path: string): string | undefined {
  return err instanceof ApiError ? err.field(path) : undefined;
}

let csrfToken: string | null = null;
/** The CSRF token of the current browser session (from login, /auth/session or /auth/me). */
export function setCsrfToken(t: string | null | undefined): void {
  if (t !== undefined) csrfToken = t;
}
export const getCsrfToken = () => csrfToken;

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** Builds the ApiError for a failed response (its parsed JSON body, if any). */
export function toApiError(response: Response, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string; details?: { problems?: FieldProblem[]; path?: string } } } | undefined)?.error;
  if (e) {
    const problems = e.details?.problems ?? (e.details?.path ? [{ path: e.details.path, message: e.message ?? '' }] : []);
    return new ApiError(response.status, e.code ?? 'ERROR', e.message ?? `Request failed (${response.status})`, problems, body);
  }
  const msg =
    response.status >= 500
      ? 'The server ran into a problem. Try again in a moment.'
      : response.status === 0
        ? 'Rampart could not be reached. Check your connection.'
        : `Request failed (${response.status} ${response.statusText})`;
  return new ApiError(response.status, 'HTTP_' + response.status, msg, [], body);
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws ApiError.
 * `api.GET(...)` never throws on HTTP errors; this turns them into one exception type for React Query.
 */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, 'NETWORK', 'Rampart could not be reached. Check your connection and try again.', [], e);
  }
  if (!r.response.ok) throw toApiError(r.response, r.error);
  return r.data as T;
}

/** For requests openapi-fetch cannot type (a text/csv body): fetch with the CSRF header. */
export async function rawFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? 'GET').toUpperCase();
  if (!SAFE.has(method) && csrfToken) headers.set('x-csrf-token', csrfToken);
  try {
    return await fetch(url, { ...init, headers, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', 'Rampart could not be reached. Check your connection and try again.', [], e);
  }
}

export type Me = paths['/api/auth/me']['get']['responses'][200]['content']['application/json'];
export type OrgSummary = paths['/api/organisations']['get']['responses'][200]['content']['application/json']['items'][number];
export type Org = paths['/api/organisations/{id}']['get']['responses'][200]['content']['application/json'];
export type OrgInput = NonNullable<paths['/api/organisations']['post']['requestBody']>['content']['application/json'];
export type OrgKind = Org['kind'];
export type Community = paths['/api/communities']['get']['responses'][200]['content']['application/json']['items'][number];
export type Jurisdiction = paths['/api/jurisdictions']['get']['responses'][200]['content']['application/json']['items'][number];
export type ImportResult = paths['/api/organisations/import']['post']['responses'][200]['content']['application/json'];
export type ApiToken = paths['/api/tokens']['get']['responses'][200]['content']['application/json']['items'][number];
export type UserItem = paths['/api/users']['get']['responses'][200]['content']['application/json']['items'][number];
export type AuditEntry = paths['/api/audit']['get']['responses'][200]['content']['application/json']['items'][number];
export type Role = Me['memberships'][number]['role'];

/**
 * POSTs a file with XMLHttpRequest, which reports upload progress (fetch does not), sending the CSRF
 * header like every other state-changing call; failures become the same ApiError as `call()`.
 */
export function uploadWithProgress<T>(url: string, body: Blob, contentType: string, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as T);
      else reject(toApiError(new Response(null, { status: xhr.status, statusText: xhr.statusText }), parsed));
    };
    xhr.onerror = () => reject(toApiError(new Response(null, { status: 599, statusText: 'Network error' }), undefined));
    xhr.send(body);
  });
}
