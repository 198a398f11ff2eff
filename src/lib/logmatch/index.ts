/** Rampart log-matching engine (pure library; see README.md). */
export type { IndicatorKind, IndicatorValue, ObservedKind, LogFormat, Hit, SkipCounts, MatchSummary, MatchOptions } from './types.ts';
export { buildIndex, LogIndex, type IndexStats, type SharedIndexData } from './logindex.ts';
export { matchLogs, matchBuffer, matchFile, closeWorkerPool, MatchRun, type LogSource } from './matcher.ts';
export { detectFormat, parseLine, initContext, toIsoTimestamp, type FormatContext, type ParsedLine } from './formats.ts';
export { extractCandidates, type Candidate } from './extract.ts';
export {
  normalizeDomain,
  normalizeUrl,
  normalizeEmail,
  normalizeHash,
  parseIPv4,
  parseIPv6,
  parseCidr4,
  parseCidr6,
  formatIPv4,
  formatIPv6,
} from './normalize.ts';
