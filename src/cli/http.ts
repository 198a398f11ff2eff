import { CliError } from './output.ts';

/** The CLI speaks to a Rampart server over its HTTP API, with an API token. */
export interface Remote {
  url: string;
  token: string;
}

export function remoteFrom(opts: { url?: string; token?: string }): Remote {
  const url = (opts.url ?? process.env.RAMPART_URL ?? 'http://localhost:8080').replace(/\/$/, '');
  const token = opts.token ?? process.env.RAMPART_TOKEN;
  if (!token) throw new CliError('No API token: pass --token or set RAMPART_TOKEN (create one in Account → API tokens, or `rampart tokens create`).', 2);
  return { url, token };
}

export async function api<T>(remote: Remote, method: string, path: string, body?: string | Uint8Array | ReadableStream | object, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const isRaw = body instanceof Uint8Array || typeof body === 'string' || (body && typeof (body as ReadableStream).getReader === 'function');
  let res: Response;
  try {
    res = await fetch(`${remote.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${remote.token}`, ...(body && !isRaw ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : isRaw ? (body as string) : JSON.stringify(body),
      ...(isRaw && typeof (body as ReadableStream).getReader === 'function' ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch (e) {
    throw new CliError(`Cannot reach ${remote.url}: ${(e as Error).message}`, 3);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (res.status >= 400 && !(res.status === 422 && parsed && typeof parsed === 'object' && 'errors' in parsed)) {
    const err = (parsed as { error?: { message?: string; details?: { path?: string } } })?.error;
    throw new CliError(`${res.status}: ${err?.message ?? text.slice(0, 500)}${err?.details?.path ? ` (${err.details.path})` : ''}`, res.status === 401 || res.status === 403 ? 4 : 1);
  }
  return { status: res.status, body: parsed as T };
}
