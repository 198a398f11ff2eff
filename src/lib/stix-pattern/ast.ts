/**
 * AST for the STIX 2.1 patterning language.
 *
 * The tree is *canonical*: parenthesised groups leave no trace, and runs of the
 * same associative operator are flattened into one n-ary node:
 *  - comparison `and` / `or` and observation `observation-and` / `observation-or`
 *    never have an operand of their own type;
 *  - `followedby` is flattened only on the left (it is left-associative and NOT
 *    associative under the spec's timestamp semantics), so `operands[0]` is never
 *    a `followedby`, while later operands may be (they came from parentheses).
 * `formatPattern(parsePattern(s))` therefore yields a canonical text whose
 * re-parse is deep-equal to the first parse.
 */

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  /** Lower-case hex digits, even count, without the h'' wrapper. */
  | { type: 'hex'; value: string }
  /** Base64 text as written inside b''. */
  | { type: 'binary'; value: string }
  /** RFC 3339 UTC timestamp text as written inside t''. */
  | { type: 'timestamp'; value: string };

export interface SetLiteral {
  type: 'set';
  values: Literal[];
}

export type PathStep = { type: 'key'; name: string } | { type: 'index'; index: number | '*' };

export interface ObjectPath {
  /** SCO type, e.g. `ipv4-addr`. */
  objectType: string;
  /** `steps[0]` is always a key (the first path component). */
  steps: PathStep[];
}

export type ComparisonOperator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'IN'
  | 'LIKE'
  | 'MATCHES'
  | 'ISSUBSET'
  | 'ISSUPERSET';

export interface Comparison {
  type: 'comparison';
  path: ObjectPath;
  operator: ComparisonOperator;
  /** `NOT` written before the operator. */
  negated: boolean;
  value: Literal | SetLiteral;
}

export interface Exists {
  type: 'exists';
  path: ObjectPath;
}

export interface ComparisonJunction {
  type: 'and' | 'or';
  operands: ComparisonExpression[];
}

export type ComparisonExpression = Comparison | Exists | ComparisonJunction;

export type Qualifier =
  | { type: 'within'; seconds: number }
  | { type: 'repeats'; times: number }
  | { type: 'startstop'; start: string; stop: string };

export interface Observation {
  type: 'observation';
  expression: ComparisonExpression;
}

export interface ObservationJunction {
  type: 'observation-and' | 'observation-or' | 'followedby';
  operands: ObservationExpression[];
}

export interface Qualified {
  type: 'qualified';
  expression: ObservationExpression;
  qualifier: Qualifier;
}

export type ObservationExpression = Observation | ObservationJunction | Qualified;

/** A whole pattern is an observation expression. */
export type Pattern = ObservationExpression;
