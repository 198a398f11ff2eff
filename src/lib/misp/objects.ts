import { stixUuid } from './ids.ts';
import { eq, observation, pathKey } from './pattern.ts';
import type { MispAttribute, MispObject } from './schema.ts';
import type { StixObject } from './types.ts';
import { HASH_TYPES, canonicalIp, isUri, ipKind, nonBlank, parsePort, validDomain, validEmail, validHash } from './values.ts';

/**
 * MISP objects → one STIX pattern / one set of SCOs, following misp-stix's "MISP Objects to STIX 2.1
 * mapping" (documentation/misp_objects_to_stix21.md in MISP/misp-stix). An object becomes an indicator
 * when at least one of its attributes has to_ids set, an observed-data otherwise. The main SCO reuses
 * the object uuid; referenced SCOs (addresses) reuse the uuid of the attribute they come from.
 */
export type ObjectMapping =
  | { kind: 'observable'; pattern: string; scos: StixObject[]; unused: MispAttribute[] }
  | { kind: 'unmapped'; reason: string }
  | { kind: 'invalid'; reason: string };

export const MAPPED_OBJECT_NAMES: readonly string[] = ['file', 'domain-ip', 'url', 'email', 'ip-port', 'network-connection'];

const sco = (type: string, uuid: string, props: Record<string, unknown>): StixObject => ({
  type,
  spec_version: '2.1',
  id: `${type}--${stixUuid(uuid, true)}`,
  ...props,
});

const live = (o: MispObject) => o.Attribute.filter((a) => !a.deleted);

function fileObject(o: MispObject): ObjectMapping {
  const cmp: string[] = [];
  const props: Record<string, unknown> = {};
  const hashes: Record<string, string> = {};
  const unused: MispAttribute[] = [];
  for (const a of live(o)) {
    const rel = a.object_relation ?? a.type;
    const v = a.value.trim();
    if (rel === 'filename' && nonBlank(v) && props.name === undefined) {
      props.name = v;
      cmp.push(eq('file:name', v));
    } else if (HASH_TYPES.has(rel) && validHash(rel, v) && !hashes[HASH_TYPES.get(rel)![0]]) {
      const key = HASH_TYPES.get(rel)![0];
      const h = HASH_TYPES.get(rel)![1] === null ? v : v.toLowerCase();
      hashes[key] = h;
      cmp.push(eq(`file:hashes.${pathKey(key)}`, h));
    } else if (rel === 'size-in-bytes' && /^\d{1,15}$/.test(v) && props.size === undefined) {
      props.size = Number(v);
      cmp.push(eq('file:size', Number(v)));
    } else if (rel === 'mimetype' && nonBlank(v) && props.mime_type === undefined) {
      props.mime_type = v;
      cmp.push(eq('file:mime_type', v));
    } else unused.push(a);
  }
  if (Object.keys(hashes).length) props.hashes = hashes;
  if (!cmp.length) return { kind: 'invalid', reason: 'file object has no filename, hash, size or mimetype' };
  return { kind: 'observable', pattern: observation(cmp), scos: [sco('file', o.uuid, props)], unused };
}

function domainIpObject(o: MispObject): ObjectMapping {
  const unused: MispAttribute[] = [];
  let domain: MispAttribute | undefined;
  const ips: StixObject[] = [];
  for (const a of live(o)) {
    const rel = a.object_relation ?? a.type;
    const v = a.value.trim();
    if ((rel === 'domain' || rel === 'hostname') && !domain && validDomain(v)) domain = { ...a, value: v };
    else if ((rel === 'ip' || rel === 'ip-dst' || rel === 'ip-src') && ipKind(v)) ips.push(sco(ipKind(v)!, a.uuid, { value: canonicalIp(v) }));
    else unused.push(a);
  }
  if (domain) {
    const cmp = [eq('domain-name:value', domain.value), ...ips.map((ip) => eq('domain-name:resolves_to_refs[*].value', ip.value as string))];
    const dn = sco('domain-name', o.uuid, { value: domain.value, ...(ips.length ? { resolves_to_refs: ips.map((i) => i.id) } : {}) });
    return { kind: 'observable', pattern: observation(cmp), scos: [dn, ...ips], unused };
  }
  if (ips.length) {
    // No domain: misp-stix still exports the addresses; one observation per address, ORed.
    const pattern = ips.map((ip) => observation([eq(`${ip.type}:value`, ip.value as string)])).join(' OR ');
    return { kind: 'observable', pattern, scos: ips, unused };
  }
  return { kind: 'invalid', reason: 'domain-ip object has neither a valid domain nor a valid IP' };
}

function urlObject(o: MispObject): ObjectMapping {
  const url = live(o).find((a) => (a.object_relation ?? a.type) === 'url' && nonBlank(a.value));
  if (!url) return { kind: 'invalid', reason: 'url object has no url attribute' };
  const v = url.value.trim();
  if (!isUri(v)) return { kind: 'invalid', reason: 'url is not an absolute URI' };
  // The other url-object members (domain, host, port, scheme, resource_path, query_string, ...) are
  // components of the URL itself; they are not carried separately.
  return { kind: 'observable', pattern: observation([eq('url:value', v)]), scos: [sco('url', o.uuid, { value: v })], unused: [] };
}

function emailObject(o: MispObject): ObjectMapping {
  const cmp: string[] = [];
  const addrs: StixObject[] = [];
  const msg: Record<string, unknown> = { is_multipart: false };
  const headers: Record<string, string> = {};
  const unused: MispAttribute[] = [];
  const addr = (a: MispAttribute, v: string) => {
    const s = sco('email-addr', a.uuid, { value: v });
    addrs.push(s);
    return s.id;
  };
  for (const a of live(o)) {
    const rel = a.object_relation ?? a.type;
    const v = a.value.trim();
    if (rel === 'from' && validEmail(v) && msg.from_ref === undefined) {
      msg.from_ref = addr(a, v);
      cmp.push(eq('email-message:from_ref.value', v));
    } else if ((rel === 'to' || rel === 'cc' || rel === 'bcc') && validEmail(v)) {
      const key = `${rel}_refs`;
      msg[key] = [...((msg[key] as string[] | undefined) ?? []), addr(a, v)];
      cmp.push(eq(`email-message:${key}[*].value`, v));
    } else if (rel === 'subject' && msg.subject === undefined) {
      msg.subject = v;
      cmp.push(eq('email-message:subject', v));
    } else if (rel === 'message-id' && msg.message_id === undefined) {
      msg.message_id = v;
      cmp.push(eq('email-message:message_id', v));
    } else if (rel === 'reply-to' && !headers['Reply-To']) {
      headers['Reply-To'] = v;
      cmp.push(eq('email-message:additional_header_fields.reply_to', v));
    } else if (rel === 'x-mailer' && !headers['X-Mailer']) {
      headers['X-Mailer'] = v;
      cmp.push(eq('email-message:additional_header_fields.x_mailer', v));
    } else unused.push(a);
  }
  if (Object.keys(headers).length) msg.additional_header_fields = headers;
  if (!cmp.length) return { kind: 'invalid', reason: 'email object has no from/to/cc/subject/message-id/reply-to/x-mailer' };
  return { kind: 'observable', pattern: observation(cmp), scos: [sco('email-message', o.uuid, msg), ...addrs], unused };
}

function networkObject(o: MispObject, rels: { srcIp: string[]; dstIp: string[]; srcHost: string[]; dstHost: string[] }): ObjectMapping {
  const unused: MispAttribute[] = [];
  const cmp: string[] = [];
  const extra: StixObject[] = [];
  const nt: Record<string, unknown> = {};
  const protocols: string[] = [];
  const hosts: { src?: StixObject; dst?: StixObject } = {};
  for (const a of live(o)) {
    const rel = a.object_relation ?? a.type;
    const v = a.value.trim();
    const dir = rels.srcIp.includes(rel) ? 'src' : rels.dstIp.includes(rel) ? 'dst' : null;
    const hostDir = rels.srcHost.includes(rel) ? 'src' : rels.dstHost.includes(rel) ? 'dst' : null;
    if (dir && ipKind(v) && nt[`${dir}_ref`] === undefined) {
      const ip = sco(ipKind(v)!, a.uuid, { value: canonicalIp(v) });
      extra.push(ip);
      nt[`${dir}_ref`] = ip.id;
      cmp.push(eq(`network-traffic:${dir}_ref.type`, ip.type), eq(`network-traffic:${dir}_ref.value`, ip.value as string));
    } else if ((rel === 'src-port' || rel === 'dst-port') && parsePort(v) !== null && nt[`${rel.slice(0, 3)}_port`] === undefined) {
      nt[`${rel.slice(0, 3)}_port`] = parsePort(v);
      cmp.push(eq(`network-traffic:${rel.slice(0, 3)}_port`, parsePort(v)!));
    } else if (/^layer[347]-protocol$/.test(rel) && /^[A-Za-z0-9._-]{1,40}$/.test(v)) {
      protocols.push(v.toLowerCase());
    } else if (hostDir && validDomain(v) && !hosts[hostDir]) {
      hosts[hostDir] = sco('domain-name', a.uuid, { value: v });
    } else unused.push(a);
  }
  // A hostname fills a side only when no IP does (network-traffic src_ref/dst_ref may be a domain-name);
  // putting both in one observation would make the pattern unsatisfiable.
  for (const dir of ['src', 'dst'] as const) {
    const host = hosts[dir];
    if (!host) continue;
    extra.push(host);
    if (nt[`${dir}_ref`] === undefined) {
      nt[`${dir}_ref`] = host.id;
      cmp.push(eq(`network-traffic:${dir}_ref.type`, 'domain-name'), eq(`network-traffic:${dir}_ref.value`, host.value as string));
    }
  }
  if (nt.src_ref === undefined && nt.dst_ref === undefined) {
    return { kind: 'invalid', reason: `${o.name} object has no valid source or destination address/hostname` };
  }
  protocols.forEach((p) => cmp.push(eq('network-traffic:protocols[*]', p)));
  nt.protocols = protocols.length ? [...new Set(protocols)] : ['tcp'];
  return { kind: 'observable', pattern: observation(cmp), scos: [sco('network-traffic', o.uuid, nt), ...extra], unused };
}

export function mapObject(o: MispObject): ObjectMapping {
  switch (o.name) {
    case 'file':
      return fileObject(o);
    case 'domain-ip':
      return domainIpObject(o);
    case 'url':
      return urlObject(o);
    case 'email':
      return emailObject(o);
    case 'ip-port':
      return networkObject(o, { srcIp: ['ip-src'], dstIp: ['ip', 'ip-dst'], srcHost: [], dstHost: ['domain', 'hostname'] });
    case 'network-connection':
      return networkObject(o, { srcIp: ['ip-src'], dstIp: ['ip-dst'], srcHost: ['hostname-src'], dstHost: ['hostname-dst'] });
    default:
      return {
        kind: 'unmapped',
        reason: `MISP object "${o.name}" is not mapped by Rampart (supported: ${MAPPED_OBJECT_NAMES.join(', ')})`,
      };
  }
}
