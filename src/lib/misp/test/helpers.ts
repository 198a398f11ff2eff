import type { StixObject } from '../types.ts';

type Validator = (o: unknown) => { ok: boolean; errors?: { path: string; message: string }[] };

/**
 * The colleague-owned STIX validator: src/lib/stix/index.ts `validateStixObject` if that exists,
 * otherwise src/lib/stix/validate.ts (same function), otherwise null (basic checks only).
 */
export async function loadStixValidator(): Promise<Validator | null> {
  for (const path of ['../../stix/index.ts', '../../stix/validate.ts']) {
    try {
      const mod = (await import(/* @vite-ignore */ path)) as { validateStixObject?: Validator };
      if (typeof mod.validateStixObject === 'function') return mod.validateStixObject;
    } catch {
      // not there (yet)
    }
  }
  return null;
}

const SCO_TYPES = new Set([
  'artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr', 'ipv6-addr',
  'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account', 'windows-registry-key', 'x509-certificate',
]);
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ID = /^([a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** STIX 2.1 common-property basics (§3.1 / §3.2) checked without the full validator. Returns problems. */
export function basicProblems(o: StixObject): string[] {
  const p: string[] = [];
  if (typeof o.type !== 'string' || !/^[a-z0-9-]{3,250}$/.test(o.type)) p.push('bad type');
  if (o.spec_version !== '2.1') p.push('spec_version must be 2.1');
  const m = typeof o.id === 'string' ? ID.exec(o.id) : null;
  if (!m || m[1] !== o.type) p.push(`id must be ${o.type}--<uuid>`);
  if (!SCO_TYPES.has(o.type)) {
    if (typeof o.created !== 'string' || !TS.test(o.created)) p.push('created must be a UTC timestamp with Z');
    if (typeof o.modified !== 'string' || !TS.test(o.modified)) p.push('modified must be a UTC timestamp with Z');
    if (typeof o.created === 'string' && typeof o.modified === 'string' && o.modified < o.created) p.push('modified < created');
  }
  for (const k of ['valid_from', 'valid_until', 'published', 'first_observed', 'last_observed']) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !TS.test(o[k] as string))) p.push(`${k} must be a UTC timestamp with Z`);
  }
  if (o.type === 'indicator') {
    if (o.pattern_type !== 'stix' || typeof o.pattern !== 'string' || !/^\[.*\]$/s.test(o.pattern)) p.push('indicator pattern');
    if (typeof o.valid_until === 'string' && (o.valid_until as string) <= (o.valid_from as string)) p.push('valid_until <= valid_from');
  }
  if (o.type === 'report' && (!Array.isArray(o.object_refs) || o.object_refs.length === 0)) p.push('report needs object_refs');
  return p;
}
