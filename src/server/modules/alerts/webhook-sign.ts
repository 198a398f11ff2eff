import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (documented in README.md):
 *   Rampart-Timestamp: <unix seconds>
 *   Rampart-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * Receivers recompute the HMAC over the exact bytes received, compare in constant time, and refuse
 * timestamps more than 5 minutes from their clock (replay).
 */
export function signWebhook(secret: string, body: string, timestamp: number): Record<string, string> {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'rampart-timestamp': String(timestamp), 'rampart-signature': `v1=${mac}` };
}

export function verifyWebhook(secret: string, body: string, headers: Record<string, string | string[] | undefined>, nowSeconds: number, toleranceSeconds = 300): boolean {
  const ts = Number(headers['rampart-timestamp']);
  const sig = String(headers['rampart-signature'] ?? '');
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds || !sig.startsWith('v1=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'));
  const given = Buffer.from(sig.slice(3));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
