/** STIX 2.1 object type names (STIX 2.1 OS §4 SDOs, §5 SROs, §6 SCOs, §7 meta objects). */
export const SDO_TYPES = [
  'attack-pattern', 'campaign', 'course-of-action', 'grouping', 'identity', 'incident', 'indicator',
  'infrastructure', 'intrusion-set', 'location', 'malware', 'malware-analysis', 'note', 'observed-data',
  'opinion', 'report', 'threat-actor', 'tool', 'vulnerability',
] as const;
export const SRO_TYPES = ['relationship', 'sighting'] as const;
export const SCO_TYPES = [
  'artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file',
  'ipv4-addr', 'ipv6-addr', 'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url',
  'user-account', 'windows-registry-key', 'x509-certificate',
] as const;
export const META_TYPES = ['language-content', 'marking-definition', 'extension-definition'] as const;

export type SdoType = (typeof SDO_TYPES)[number];
export type SroType = (typeof SRO_TYPES)[number];
export type ScoType = (typeof SCO_TYPES)[number];
export type MetaType = (typeof META_TYPES)[number];
export type StixType = SdoType | SroType | ScoType | MetaType;

export const ALL_TYPES: readonly StixType[] = [...SDO_TYPES, ...SRO_TYPES, ...SCO_TYPES, ...META_TYPES];
const ALL = new Set<string>(ALL_TYPES);
const SCO = new Set<string>(SCO_TYPES);
const SDO = new Set<string>(SDO_TYPES);
const SRO = new Set<string>(SRO_TYPES);

export const isStixType = (t: string): t is StixType => ALL.has(t);
export const isScoType = (t: string): t is ScoType => SCO.has(t);
export const isSdoType = (t: string): t is SdoType => SDO.has(t);
export const isSroType = (t: string): t is SroType => SRO.has(t);

/** A STIX object as plain JSON. */
export type StixObject = { type: string; id: string; [k: string]: unknown };

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects?: StixObject[];
  [k: string]: unknown;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
