/** A STIX 2.1 object as plain JSON (SDO, SRO, SCO or marking). */
export type StixObject = { type: string; id: string; spec_version: '2.1' } & Record<string, unknown>;

export type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER+STRICT' | 'RED';

export interface SuggestedSharing {
  tlp?: Tlp;
  scope: 'organisation' | 'community' | 'all' | 'sharing-group';
  sharingGroupName?: string;
}

export interface SkippedItem {
  /** uuid of the MISP attribute (or object / galaxy cluster, see `kind`) that was not converted. */
  attributeUuid: string;
  /** MISP attribute type (for objects `object:<name>`, object members `<object>/<relation>:<type>`, clusters `galaxy:<type>`). */
  type: string;
  reason: string;
  kind: 'attribute' | 'object' | 'object-attribute' | 'galaxy-cluster';
}

export type GalaxySdoType = 'attack-pattern' | 'course-of-action' | 'malware' | 'threat-actor' | 'tool' | 'vulnerability';

export interface MispToStixOptions {
  /**
   * What to do with attributes whose type has no STIX mapping. 'skip' (default): leave them out and list
   * them in `skipped`. 'note': emit a STIX `note` carrying type/category/value, referring to the report.
   */
  unmapped?: 'skip' | 'note';
  /** Extra galaxy type → SDO mappings on top of misp-stix's, e.g. `{ guidelines: 'attack-pattern' }`. */
  galaxyTypeMappings?: Record<string, GalaxySdoType>;
  /** Put `object_marking_refs` (TLP 2.0 marking-definition ids) on produced objects. Default true. */
  markingRefs?: boolean;
}

export interface MispToStixResult {
  /** identity, report, and all converted objects (no marking-definition objects, see README). */
  objects: StixObject[];
  /** The report's id (`report--<event uuid>`). */
  reportId: string;
  /** TLP from the event's own `tlp:*` tags (most restrictive if several), or null when untagged. */
  tlp: Tlp | null;
  /** Most restrictive TLP found anywhere in the event (event, attribute and object tags). */
  maxTlp: Tlp | null;
  sharing: SuggestedSharing;
  skipped: SkippedItem[];
}
