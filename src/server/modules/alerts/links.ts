import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links (acknowledge from an email, unsubscribe from digests): no sign-in needed, so the link
 * itself is the credential. Format: base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload)).
 * The key is made once per database (alert_secrets). Payloads carry an expiry.
 */
export interface AckLink { k: 'ack'; a: string; u: string; o: string | null; x: number }
export interface UnsubscribeLink { k: 'unsub'; u: string; x: number }
export type LinkPayload = AckLink | UnsubscribeLink;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signLink(key: string, payload: LinkPayload): string {
  const body = b64(JSON.stringify(payload));
  return `${body}.${b64(createHmac('sha256', key).update(body).digest())}`;
}

export function verifyLink(key: string, token: string, nowMs: number): LinkPayload | null {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return null;
  const expected = createHmac('sha256', key).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
    if (typeof p.x !== 'number' || p.x < nowMs) return null;
    return p;
  } catch {
    return null;
  }
}
