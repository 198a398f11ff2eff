export type * from './ast.ts';
export { PatternSyntaxError } from './errors.ts';
export { parsePattern, MAX_NESTING_DEPTH } from './parser.ts';
export { formatPattern, formatObjectPath } from './format.ts';
