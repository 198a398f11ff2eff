/**
 * MISP → STIX 2.1 importer (pure library; no I/O). See README.md in this folder.
 */
export { mispEventToStix, safeMispEventToStix, parseMispEvent } from './convert.ts';
export { parseMispFeedManifest, mispFeedEventsSince, mispFeedEventPath, mispFeedLatestTimestamp, type MispFeedManifestEntry } from './feed.ts';
export { MispValidationError, type MispValidationIssue, type MispEvent, type MispAttribute, type MispObject, type MispGalaxy } from './schema.ts';
export { TLP_MARKING_IDS, tlpFromTagName, sharingFromDistribution } from './tlp.ts';
export { MAPPED_ATTRIBUTE_TYPES } from './attributes.ts';
export { MAPPED_OBJECT_NAMES } from './objects.ts';
export { GALAXY_SDO_TYPES } from './galaxies.ts';
export { MISP_IMPORT_NAMESPACE, uuidv5, stixUuid } from './ids.ts';
export { escapeStixString } from './pattern.ts';
export type { StixObject, Tlp, SuggestedSharing, SkippedItem, MispToStixOptions, MispToStixResult, GalaxySdoType } from './types.ts';
