import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * A small TAXII 2.1 client: reads one page of a collection's objects. Used by the subscription poller
 * (taxii.subscriptions.ts). HTTP Basic when a username is given (password = the upstream's password or
 * API token), otherwise Bearer with the password as token.
 */
export const TAXII_ACCEPT = 'application/taxii+json;version=2.1';
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

export interface TaxiiTarget {
  apiRootUrl: string;
  collectionId: string;
  username: string | null;
  password: string | null;
}

export interface TaxiiPage {
  objects: unknown[];
  more: boolean;
  next?: string;
  /** X-TAXII-Date-Added-Last: where the next poll resumes (added_after). */
  dateAddedLast?: string;
}

export class TaxiiClientError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'TaxiiClientError';
  }
}

function authorization(t: TaxiiTarget): string | undefined {
  if (t.username) return `Basic ${Buffer.from(`${t.username}:${t.password ?? ''}`, 'utf8').toString('base64')}`;
  if (t.password) return `Bearer ${t.password}`;
  return undefined;
}

function privateV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
}

/** Loopback, private, link-local, unique-local, multicast or unspecified addresses. */
export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) return privateV4(ip);
  const v6 = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return privateV4(mapped[1]!);
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('ff');
}

/** Refuses upstreams on private networks unless the operator allows them (ALLOW_PRIVATE_WEBHOOKS). */
export async function assertReachableUpstream(url: URL, allowPrivate: boolean): Promise<void> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TaxiiClientError(`Unsupported scheme ${url.protocol}`);
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addrs = isIP(host) ? [{ address: host }] : await lookup(host, { all: true }).catch(() => {
    throw new TaxiiClientError(`Cannot resolve ${host}`);
  });
  if (addrs.some((a) => isPrivateAddress(a.address))) {
    throw new TaxiiClientError(`${host} is on a private network; set ALLOW_PRIVATE_WEBHOOKS=true to allow private upstreams`);
  }
}

/** GET <api-root>/collections/<id>/objects/ with added_after, next and limit. */
export async function fetchObjectsPage(
  t: TaxiiTarget,
  q: { addedAfter?: string | null; next?: string; limit: number },
  opts: { allowPrivate: boolean; fetchImpl?: typeof fetch } = { allowPrivate: false },
): Promise<TaxiiPage> {
  const root = t.apiRootUrl.endsWith('/') ? t.apiRootUrl : `${t.apiRootUrl}/`;
  const url = new URL(`collections/${encodeURIComponent(t.collectionId)}/objects/`, root);
  url.searchParams.set('limit', String(q.limit));
  if (q.addedAfter) url.searchParams.set('added_after', q.addedAfter);
  if (q.next) url.searchParams.set('next', q.next);
  await assertReachableUpstream(url, opts.allowPrivate);
  const headers: Record<string, string> = { accept: TAXII_ACCEPT };
  const auth = authorization(t);
  if (auth) headers.authorization = auth;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, { headers, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new TaxiiClientError(`Cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_RESPONSE_BYTES) throw new TaxiiClientError(`Upstream page too large (${length} bytes)`);
  const text = await res.text();
  if (!res.ok) {
    let why = '';
    try {
      const err = JSON.parse(text) as { title?: string; description?: string };
      why = [err.title, err.description].filter(Boolean).join(': ');
    } catch {
      why = text.slice(0, 200);
    }
    throw new TaxiiClientError(`HTTP ${res.status} from ${url.origin}${why ? ` (${why})` : ''}`, res.status);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!/^application\/(taxii|stix)\+json/i.test(type) && !/^application\/json/i.test(type)) {
    throw new TaxiiClientError(`Unexpected content type from upstream: ${type || '(none)'}`);
  }
  let body: { objects?: unknown; more?: unknown; next?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (e) {
    throw new TaxiiClientError(`Upstream sent malformed JSON: ${(e as Error).message}`);
  }
  if (!body || typeof body !== 'object') throw new TaxiiClientError('Upstream did not send a TAXII envelope');
  return {
    objects: Array.isArray(body.objects) ? body.objects : [],
    more: body.more === true,
    next: typeof body.next === 'string' && body.next ? body.next : undefined,
    dateAddedLast: res.headers.get('x-taxii-date-added-last') ?? undefined,
  };
}
