import { createHash } from 'node:crypto';

/** Canonical textual UUID (any version), case-insensitive. */
export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface UuidInfo {
  version: number;
  /** true when the variant bits are 10xx (RFC 4122 / RFC 9562). */
  rfc4122: boolean;
}

export function uuidInfo(uuid: string): UuidInfo | null {
  if (!UUID_RE.test(uuid)) return null;
  const version = parseInt(uuid[14], 16);
  const variant = parseInt(uuid[19], 16);
  return { version, rfc4122: (variant & 0b1100) === 0b1000 };
}

function parseUuidBytes(uuid: string): Buffer {
  if (!UUID_RE.test(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** RFC 4122 §4.3 name-based UUID, SHA-1 (version 5). `name` is encoded as UTF-8. */
export function uuidv5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(parseUuidBytes(namespace)).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  return formatUuid(b);
}

/** Random UUIDv4 from an injectable 16-byte source (for seeded generators). */
export function uuidv4FromBytes(b: Uint8Array): string {
  const c = Uint8Array.from(b.subarray(0, 16));
  c[6] = (c[6] & 0x0f) | 0x40;
  c[8] = (c[8] & 0x3f) | 0x80;
  return formatUuid(c);
}
