import { stixUuid } from './ids.ts';
import { eq, observation, pathKey } from './pattern.ts';
import type { StixObject } from './types.ts';
import { HASH_TYPES, canonicalIp, isUri, ipKind, nonBlank, parsePort, validDomain, validEmail, validHash } from './values.ts';

/**
 * How one MISP attribute (type + value) maps to STIX 2.1, following misp-stix's "MISP Attributes to
 * STIX 2.1 mapping" (documentation/misp_attributes_to_stix21.md in MISP/misp-stix).
 *
 * - `observable`: to_ids → indicator with `pattern`; otherwise observed-data over `scos`.
 * - `pattern-only`: misp-stix has a pattern for the indicator but only a custom object for the
 *   observable case (port, size-in-bytes, http-method, user-agent): to_ids=false is skipped.
 * - `sdo`: exported as a specific SDO whatever to_ids says (campaign-name, vulnerability).
 * - `unmapped` / `invalid`: skipped with the reason.
 */
export type AttributeMapping =
  | { kind: 'observable'; pattern: string; scos: StixObject[] }
  | { kind: 'pattern-only'; pattern: string; observableReason: string }
  | { kind: 'sdo'; sdoType: 'campaign' | 'vulnerability'; props: Record<string, unknown> }
  | { kind: 'unmapped'; reason: string }
  | { kind: 'invalid'; reason: string };

const sco = (type: string, uuid: string, props: Record<string, unknown>): StixObject => ({
  type,
  spec_version: '2.1',
  id: `${type}--${stixUuid(uuid, true)}`,
  ...props,
});

const invalid = (reason: string): AttributeMapping => ({ kind: 'invalid', reason });

/** Split a MISP composite value on its last '|' (the right-hand side never contains one). */
export function splitComposite(v: string): [string, string] | null {
  const i = v.lastIndexOf('|');
  if (i <= 0 || i === v.length - 1) return null;
  return [v.slice(0, i), v.slice(i + 1)];
}

function hashPath(stixKey: string): string {
  return `file:hashes.${pathKey(stixKey)}`;
}

function ipAttribute(dir: 'src' | 'dst', raw: string, port: number | null, uuid: string): AttributeMapping {
  const kind = ipKind(raw);
  if (!kind) return invalid(`not an IPv4/IPv6 address or CIDR block: ${JSON.stringify(raw.slice(0, 100))}`);
  const value = canonicalIp(raw);
  const cmp = [eq(`network-traffic:${dir}_ref.type`, kind), eq(`network-traffic:${dir}_ref.value`, value)];
  if (port !== null) cmp.push(eq(`network-traffic:${dir}_port`, port));
  const ip = sco(kind, uuid, { value });
  const nt = sco('network-traffic', uuid, {
    [`${dir}_ref`]: ip.id,
    ...(port !== null ? { [`${dir}_port`]: port } : {}),
    protocols: ['tcp'],
  });
  return { kind: 'observable', pattern: observation(cmp), scos: [nt, ip] };
}

function fileAttribute(uuid: string, name: string | null, hashType: string | null, hash: string | null): AttributeMapping {
  const cmp: string[] = [];
  const props: Record<string, unknown> = {};
  if (name !== null) {
    if (!nonBlank(name)) return invalid('empty filename');
    cmp.push(eq('file:name', name));
    props.name = name;
  }
  if (hashType !== null && hash !== null) {
    const spec = HASH_TYPES.get(hashType);
    if (!spec || !validHash(hashType, hash)) return invalid(`not a valid ${hashType} value`);
    const key = spec[0];
    const h = spec[1] === null ? hash : hash.toLowerCase();
    cmp.push(eq(hashPath(key), h));
    props.hashes = { [key]: h };
  }
  return { kind: 'observable', pattern: observation(cmp), scos: [sco('file', uuid, props)] };
}

function emailMessage(uuid: string, field: 'from' | 'to' | 'cc', address: string): AttributeMapping {
  if (!validEmail(address)) return invalid('not an e-mail address');
  const addr = sco('email-addr', uuid, { value: address });
  const msgProps: Record<string, unknown> = { is_multipart: false };
  if (field === 'from') msgProps.from_ref = addr.id;
  else msgProps[`${field}_refs`] = [addr.id];
  const path = field === 'from' ? 'email-message:from_ref.value' : `email-message:${field}_refs[*].value`;
  return { kind: 'observable', pattern: observation([eq(path, address)]), scos: [sco('email-message', uuid, msgProps), addr] };
}

/** Map a MISP attribute type/value. `uuid` is reused for the ids of the produced SCOs, as misp-stix does. */
export function mapAttribute(type: string, rawValue: string, uuid: string): AttributeMapping {
  const value = rawValue.trim();
  if (!value) return invalid('empty value');

  if (HASH_TYPES.has(type)) return fileAttribute(uuid, null, type, value);
  if (type.startsWith('filename|')) {
    const hashType = type.slice('filename|'.length);
    if (!HASH_TYPES.has(hashType)) return { kind: 'unmapped', reason: `attribute type "${type}" is not mapped` };
    const parts = splitComposite(value);
    if (!parts) return invalid(`expected "filename|${hashType}"`);
    return fileAttribute(uuid, parts[0], hashType, parts[1].trim());
  }

  switch (type) {
    case 'ip-src':
    case 'ip-dst':
      return ipAttribute(type === 'ip-src' ? 'src' : 'dst', value, null, uuid);
    case 'ip-src|port':
    case 'ip-dst|port': {
      const parts = splitComposite(value);
      if (!parts) return invalid(`expected "ip|port"`);
      const port = parsePort(parts[1]);
      if (port === null) return invalid(`not a port number: ${JSON.stringify(parts[1].slice(0, 20))}`);
      return ipAttribute(type === 'ip-src|port' ? 'src' : 'dst', parts[0].trim(), port, uuid);
    }
    case 'domain':
    case 'hostname': {
      if (!validDomain(value)) return invalid('not a domain name');
      return { kind: 'observable', pattern: observation([eq('domain-name:value', value)]), scos: [sco('domain-name', uuid, { value })] };
    }
    case 'domain|ip': {
      const parts = splitComposite(value);
      if (!parts) return invalid('expected "domain|ip"');
      const [domain, rawIp] = [parts[0].trim(), parts[1].trim()];
      const kind = ipKind(rawIp);
      const ip = kind ? canonicalIp(rawIp) : rawIp;
      if (!validDomain(domain)) return invalid('not a domain name');
      if (!kind) return invalid('not an IP address');
      const ipObj = sco(kind, uuid, { value: ip });
      return {
        kind: 'observable',
        pattern: observation([eq('domain-name:value', domain), eq('domain-name:resolves_to_refs[*].value', ip)]),
        scos: [sco('domain-name', uuid, { value: domain, resolves_to_refs: [ipObj.id] }), ipObj],
      };
    }
    case 'hostname|port': {
      const parts = splitComposite(value);
      if (!parts) return invalid('expected "hostname|port"');
      const host = parts[0].trim();
      const port = parsePort(parts[1]);
      if (!validDomain(host)) return invalid('not a hostname');
      if (port === null) return invalid('not a port number');
      const dn = sco('domain-name', uuid, { value: host });
      return {
        kind: 'observable',
        pattern: observation([eq('domain-name:value', host), eq('network-traffic:dst_port', port)]),
        scos: [dn, sco('network-traffic', uuid, { dst_ref: dn.id, dst_port: port, protocols: ['tcp'] })],
      };
    }
    case 'url':
    case 'uri':
    case 'link':
      if (!isUri(value)) {
        // e.g. a bare path ("uri") or a scheme-less URL: fine inside a pattern, not as a STIX url object
        return { kind: 'pattern-only', pattern: observation([eq('url:value', value)]), observableReason: 'to_ids is false and the value is not an absolute URI, which a STIX url object requires' };
      }
      return { kind: 'observable', pattern: observation([eq('url:value', value)]), scos: [sco('url', uuid, { value })] };
    case 'email':
    case 'target-email':
      if (!validEmail(value)) return invalid('not an e-mail address');
      return { kind: 'observable', pattern: observation([eq('email-addr:value', value)]), scos: [sco('email-addr', uuid, { value })] };
    case 'email-src':
      return emailMessage(uuid, 'from', value);
    case 'email-dst':
      return emailMessage(uuid, 'to', value);
    case 'email-subject':
      return {
        kind: 'observable',
        pattern: observation([eq('email-message:subject', value)]),
        scos: [sco('email-message', uuid, { is_multipart: false, subject: value })],
      };
    case 'email-reply-to':
      return {
        kind: 'observable',
        pattern: observation([eq('email-message:additional_header_fields.reply_to', value)]),
        scos: [sco('email-message', uuid, { is_multipart: false, additional_header_fields: { 'Reply-To': value } })],
      };
    case 'email-x-mailer':
      return {
        kind: 'observable',
        pattern: observation([eq('email-message:additional_header_fields.x_mailer', value)]),
        scos: [sco('email-message', uuid, { is_multipart: false, additional_header_fields: { 'X-Mailer': value } })],
      };
    case 'filename':
      return fileAttribute(uuid, value, null, null);
    case 'malware-sample': {
      // value is "filename|md5"; the binary payload (`data`) is not imported.
      const parts = splitComposite(value);
      if (!parts) return invalid('expected "filename|md5"');
      return fileAttribute(uuid, parts[0], 'md5', parts[1].trim());
    }
    case 'mac-address':
      if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(value)) return invalid('not a MAC address');
      return {
        kind: 'observable',
        pattern: observation([eq('mac-addr:value', value.toLowerCase().replace(/-/g, ':'))]),
        scos: [sco('mac-addr', uuid, { value: value.toLowerCase().replace(/-/g, ':') })],
      };
    case 'mutex':
      return { kind: 'observable', pattern: observation([eq('mutex:name', value)]), scos: [sco('mutex', uuid, { name: value })] };
    case 'AS': {
      const m = /^(?:AS)?(\d{1,10})$/i.exec(value);
      const n = m ? Number(m[1]) : NaN;
      if (!m || n > 4294967295) return invalid('not an AS number');
      return { kind: 'observable', pattern: observation([eq('autonomous-system:number', n)]), scos: [sco('autonomous-system', uuid, { number: n })] };
    }
    case 'regkey':
      return {
        kind: 'observable',
        pattern: observation([eq('windows-registry-key:key', value)]),
        scos: [sco('windows-registry-key', uuid, { key: value })],
      };
    case 'x509-fingerprint-md5':
    case 'x509-fingerprint-sha1':
    case 'x509-fingerprint-sha256': {
      const h = type.slice('x509-fingerprint-'.length);
      const spec = HASH_TYPES.get(h)!;
      if (!validHash(h, value)) return invalid(`not a valid ${h} fingerprint`);
      const v = value.toLowerCase();
      return {
        kind: 'observable',
        pattern: observation([eq(`x509-certificate:hashes.${pathKey(spec[0])}`, v)]),
        scos: [sco('x509-certificate', uuid, { hashes: { [spec[0]]: v } })],
      };
    }
    case 'port': {
      const port = parsePort(value);
      if (port === null) return invalid('not a port number');
      return { kind: 'pattern-only', pattern: observation([eq('network-traffic:dst_port', port)]), observableReason: OBS_CUSTOM };
    }
    case 'size-in-bytes': {
      if (!/^\d{1,15}$/.test(value)) return invalid('not a size in bytes');
      return { kind: 'pattern-only', pattern: observation([eq('file:size', Number(value))]), observableReason: OBS_CUSTOM };
    }
    case 'http-method':
      return {
        kind: 'pattern-only',
        pattern: observation([eq("network-traffic:extensions.'http-request-ext'.request_method", value)]),
        observableReason: OBS_CUSTOM,
      };
    case 'user-agent':
      return {
        kind: 'pattern-only',
        pattern: observation([eq("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", value)]),
        observableReason: OBS_CUSTOM,
      };
    case 'campaign-name':
      return { kind: 'sdo', sdoType: 'campaign', props: { name: value } };
    case 'vulnerability':
      return {
        kind: 'sdo',
        sdoType: 'vulnerability',
        props: { name: value, ...(CVE_RE.test(value) ? { external_references: [{ source_name: 'cve', external_id: value }] } : {}) },
      };
    default:
      return {
        kind: 'unmapped',
        reason: `attribute type "${type}" has no STIX 2.1 indicator/observable mapping (misp-stix would emit a custom x-misp-attribute object, which Rampart does not import)`,
      };
  }
}

const OBS_CUSTOM =
  'to_ids is false and misp-stix has no observable for this type (it emits a custom x-misp-attribute object, which Rampart does not import)';

/** The attribute types this module maps (for documentation and tests). */
export const MAPPED_ATTRIBUTE_TYPES: readonly string[] = [
  ...HASH_TYPES.keys(),
  ...[...HASH_TYPES.keys()].map((h) => `filename|${h}`),
  'ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain', 'hostname', 'domain|ip', 'hostname|port',
  'url', 'uri', 'link', 'email', 'target-email', 'email-src', 'email-dst', 'email-subject', 'email-reply-to',
  'email-x-mailer', 'filename', 'malware-sample', 'mac-address', 'mutex', 'AS', 'regkey',
  'x509-fingerprint-md5', 'x509-fingerprint-sha1', 'x509-fingerprint-sha256', 'port', 'size-in-bytes',
  'http-method', 'user-agent', 'campaign-name', 'vulnerability',
];

/** CVE id as the STIX external-reference schema accepts it. */
export const CVE_RE = /^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$/;
