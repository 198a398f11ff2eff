/**
 * Deterministic SCO identifiers, STIX 2.1 OS §2.9 (Identifier) and the "ID Contributing Properties"
 * listed for each SCO in §6: UUIDv5 in namespace 00abedb4-aa42-466c-9c01-fed23315a9b7 over the
 * RFC 8785 (JCS) canonical JSON of an object holding only the ID contributing properties that are
 * present. When `hashes` contributes, only one hash is used, chosen in the order MD5, SHA-1, SHA-256,
 * SHA-512, else the first one present (as the OASIS reference implementation, cti-python-stix2, does).
 */
import { canonicalize } from './jcs.ts';
import { uuidv5 } from './uuid.ts';
import { isPlainObject } from './types.ts';

export const SCO_ID_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** ID contributing properties per SCO type (STIX 2.1 §6.x). `process` has none: UUIDv4 is used. */
export const SCO_ID_CONTRIBUTING_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  artifact: ['hashes', 'payload_bin'],
  'autonomous-system': ['number'],
  directory: ['path'],
  'domain-name': ['value'],
  'email-addr': ['value'],
  'email-message': ['from_ref', 'subject', 'body'],
  file: ['hashes', 'name', 'extensions', 'parent_directory_ref'],
  'ipv4-addr': ['value'],
  'ipv6-addr': ['value'],
  'mac-addr': ['value'],
  mutex: ['name'],
  'network-traffic': ['start', 'end', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'extensions'],
  process: [],
  software: ['name', 'cpe', 'swid', 'vendor', 'version'],
  url: ['value'],
  'user-account': ['account_type', 'user_id', 'account_login'],
  'windows-registry-key': ['key', 'values'],
  'x509-certificate': ['hashes', 'serial_number'],
};

const HASH_PREFERENCE = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'];

function chooseOneHash(hashes: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(hashes)) return undefined;
  for (const k of HASH_PREFERENCE) if (Object.hasOwn(hashes, k)) return { [k]: hashes[k] };
  const first = Object.keys(hashes)[0];
  return first === undefined ? undefined : { [first]: hashes[first] };
}

/** The object whose canonical JSON names the UUIDv5, or null when the type has no contributing
 * properties or none is present. */
export function scoIdContributingObject(sco: Record<string, unknown>): Record<string, unknown> | null {
  const props = SCO_ID_CONTRIBUTING_PROPERTIES[String(sco.type)];
  if (!props) return null;
  const out: Record<string, unknown> = {};
  for (const p of props) {
    if (!Object.hasOwn(sco, p) || sco[p] === undefined || sco[p] === null) continue;
    if (p === 'hashes') {
      const h = chooseOneHash(sco[p]);
      if (h) out[p] = h;
    } else out[p] = sco[p];
  }
  return Object.keys(out).length ? out : null;
}

/**
 * `type--UUIDv5` for an SCO per §2.9, or null when no deterministic id applies (process, custom SCO
 * types, or none of the contributing properties present: the spec then says UUIDv4).
 * Throws JcsError when a contributing value cannot be canonicalised (non-finite number, lone surrogate,
 * nesting deeper than `maxDepth`).
 */
export function computeScoId(sco: Record<string, unknown>, maxDepth = 1000): string | null {
  const contrib = scoIdContributingObject(sco);
  if (!contrib) return null;
  return `${String(sco.type)}--${uuidv5(SCO_ID_NAMESPACE, canonicalize(contrib, maxDepth))}`;
}
