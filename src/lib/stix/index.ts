export * from './types.ts';
export { validateStixObject, validateBundle, isStixTimestamp, compareTimestamps, jsonPath, TIMESTAMP_PROPERTIES } from './validate.ts';
export type { StixIssue, ValidationResult, ValidateOptions, BundleValidationResult, BundleObjectResult } from './validate.ts';
export { minimalPatternValidator } from './pattern.ts';
export type { PatternValidator, PatternCheck } from './pattern.ts';
export { computeScoId, scoIdContributingObject, SCO_ID_NAMESPACE, SCO_ID_CONTRIBUTING_PROPERTIES } from './sco-id.ts';
export { canonicalize, JcsError } from './jcs.ts';
export { uuidv5, uuidInfo } from './uuid.ts';
export * from './tlp.ts';
export {
  observableKeysOfSco, normaliseDomain, normaliseUrl, normaliseIp, normaliseHash, normaliseHashAlgorithm,
  normaliseEmail, normaliseMac, ipv4FromMapped,
} from './observables.ts';
export { generateBundle, generateObjects } from './generate.ts';
export type { GenerateOptions } from './generate.ts';
