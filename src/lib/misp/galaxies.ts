import { CVE_RE } from './attributes.ts';
import { stixUuid } from './ids.ts';
import { isUri } from './values.ts';
import type { MispGalaxy, MispGalaxyCluster } from './schema.ts';
import type { GalaxySdoType, StixObject } from './types.ts';

/**
 * Galaxy type → STIX SDO, as in misp-stix's "Galaxies to STIX 2.1 mapping" summary
 * (documentation/misp_to_stix21.md, documentation/misp_galaxies_to_stix21.md in MISP/misp-stix).
 */
export const GALAXY_SDO_TYPES: ReadonlyMap<string, GalaxySdoType> = new Map<string, GalaxySdoType>([
  ...['mitre-attack-pattern', 'mitre-enterprise-attack-attack-pattern', 'mitre-mobile-attack-attack-pattern', 'mitre-pre-attack-attack-pattern'].map(
    (t) => [t, 'attack-pattern'] as const,
  ),
  ...['mitre-course-of-action', 'mitre-enterprise-attack-course-of-action', 'mitre-mobile-attack-course-of-action'].map(
    (t) => [t, 'course-of-action'] as const,
  ),
  ...['android', 'backdoor', 'banker', 'malpedia', 'mitre-enterprise-attack-malware', 'mitre-malware', 'mitre-mobile-attack-malware', 'ransomware', 'stealer'].map(
    (t) => [t, 'malware'] as const,
  ),
  ...['microsoft-activity-group', 'threat-actor'].map((t) => [t, 'threat-actor'] as const),
  ...['botnet', 'exploit-kit', 'mitre-enterprise-attack-tool', 'mitre-mobile-attack-tool', 'mitre-tool', 'rat', 'tds', 'tool'].map(
    (t) => [t, 'tool'] as const,
  ),
  ['branded-vulnerability', 'vulnerability'],
]);

export function galaxySdoType(galaxyType: string, extra?: Record<string, GalaxySdoType>): GalaxySdoType | undefined {
  if (extra && Object.hasOwn(extra, galaxyType)) return extra[galaxyType];
  return GALAXY_SDO_TYPES.get(galaxyType);
}

/** The tag MISP attaches for a cluster: `misp-galaxy:<type>="<value>"` (or the cluster's own tag_name). */
export function clusterTagName(galaxy: MispGalaxy, cluster: MispGalaxyCluster): string {
  return cluster.tag_name || `misp-galaxy:${galaxy.type}="${cluster.value}"`;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.length > 0);
  return [];
}

function externalReferences(galaxy: MispGalaxy, cluster: MispGalaxyCluster): Record<string, string>[] {
  const meta = cluster.meta ?? {};
  const refs: Record<string, string>[] = [];
  for (const id of strings(meta['external_id'])) {
    const source = /^CAPEC-\d+$/.test(id) ? 'capec' : /^T\d{4}(\.\d{3})?$/.test(id) ? 'mitre-attack' : CVE_RE.test(id) ? 'cve' : galaxy.type;
    refs.push({ source_name: source, external_id: id });
  }
  const tid = /\b(T\d{4}(?:\.\d{3})?)$/.exec(cluster.value)?.[1];
  if (tid && !refs.some((r) => r.external_id === tid) && /attack-pattern/.test(galaxy.type)) refs.push({ source_name: 'mitre-attack', external_id: tid });
  for (const url of strings(meta['refs'])) if (isUri(url)) refs.push({ source_name: 'url', url });
  return refs;
}

/** One galaxy cluster → SDO (id reuses the cluster uuid, as misp-stix does). */
export function clusterToSdo(galaxy: MispGalaxy, cluster: MispGalaxyCluster, sdoType: GalaxySdoType, timestamp: string): StixObject {
  const description = [galaxy.description, cluster.description].filter((s): s is string => !!s).join(' | ');
  const o: StixObject = {
    type: sdoType,
    spec_version: '2.1',
    id: `${sdoType}--${stixUuid(cluster.uuid)}`,
    created: timestamp,
    modified: timestamp,
    name: cluster.value || `${galaxy.type} ${cluster.uuid}`,
  };
  if (description) o.description = description;
  const aliases = strings(cluster.meta?.['synonyms']);
  if (aliases.length && (sdoType === 'malware' || sdoType === 'threat-actor' || sdoType === 'tool')) o.aliases = aliases;
  if (sdoType === 'malware') o.is_family = true;
  if (sdoType === 'attack-pattern' || sdoType === 'malware' || sdoType === 'tool') {
    o.kill_chain_phases = [{ kill_chain_name: 'misp-category', phase_name: galaxy.type }];
  }
  const refs = externalReferences(galaxy, cluster);
  if (sdoType === 'vulnerability' && CVE_RE.test(cluster.value) && !refs.some((r) => r.source_name === 'cve')) {
    refs.unshift({ source_name: 'cve', external_id: cluster.value });
  }
  if (refs.length) o.external_references = refs;
  o.labels = [`misp:galaxy-type="${galaxy.type}"`, ...(galaxy.name ? [`misp:name="${galaxy.name}"`] : [])];
  return o;
}
