export type * from './ast.ts';
export { PatternSyntaxError } from './errors.ts';
export { parsePattern, MAX_NESTING_DEPTH } from './parser.ts';
export { formatPattern, formatObjectPath } from './format.ts';
export {
  matchPattern,
  likeMatch,
  type MatchOptions,
  type MatchResult,
  type ObservedData,
  type StixCyberObservable,
} from './evaluate.ts';
export {
  extractObservableValues,
  extractObservableValuesDetailed,
  type IndexableObservableType,
  type ObservableValue,
  type ObservableValueExtraction,
} from './extract.ts';
export { parseIpNetwork, networkContains, type IpNetwork } from './ip.ts';
