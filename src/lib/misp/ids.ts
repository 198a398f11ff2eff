import { createHash } from 'node:crypto';

/**
 * Fixed UUIDv5 namespace for ids Rampart derives while importing MISP data (identities for an Orgc
 * without a uuid, relationships). Never change it: ids derived from it must stay stable across imports.
 */
export const MISP_IMPORT_NAMESPACE = 'a69d17cf-438d-4d5c-8af1-de53ce7bbdf8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 / RFC 9562 version-5 (SHA-1, name-based) UUID. */
export function uuidv5(name: string, namespace: string): string {
  if (!UUID_RE.test(namespace)) throw new TypeError(`invalid namespace uuid: ${namespace}`);
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const digest = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Largest epoch second that still formats as a 4-digit-year ISO timestamp (9999-12-31T23:59:59Z). */
export const MAX_EPOCH_SECONDS = 253402300799;

/** Epoch seconds → STIX timestamp (UTC, millisecond precision, trailing Z). */
export function isoFromEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Parse an ISO-ish date-time (MISP first_seen/last_seen) into a STIX timestamp, or undefined. */
export function isoFromDateString(s: string | null | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  if (!Number.isFinite(t) || t < 0 || t > MAX_EPOCH_SECONDS * 1000) return undefined;
  return new Date(t).toISOString();
}

const STIX_UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The uuid part of a STIX id for a MISP uuid. misp-stix reuses MISP uuids as-is; STIX ids must be RFC 4122
 * (version 1-5, variant 10xx; SCOs only v4/v5), which some legacy MISP uuids are not. Those are replaced by
 * UUIDv5(MISP_IMPORT_NAMESPACE, "misp-uuid:" + uuid), still deterministic.
 */
export function stixUuid(mispUuid: string, forSco = false): string {
  const u = mispUuid.toLowerCase();
  // SCO ids may only use UUIDv4 or v5 (§2.9)
  const ok = STIX_UUID_RE.test(u) && (!forSco || u[14] === '4' || u[14] === '5');
  return ok ? u : uuidv5(`misp-uuid:${u}`, MISP_IMPORT_NAMESPACE);
}
