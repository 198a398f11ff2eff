/**
 * fast-check arbitraries producing *canonical* pattern ASTs (see ast.ts), for
 * property tests. Test-only helper (under test/, so excluded from builds).
 */
import fc from 'fast-check';
import type {
  ComparisonExpression,
  ComparisonOperator,
  Literal,
  ObjectPath,
  ObservationExpression,
  PathStep,
  Qualifier,
} from '../ast.ts';
import { RESERVED_WORDS } from '../parser.ts';

const identChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789';

const bareIdent = fc
  .tuple(fc.constantFrom(...identChars.slice(0, 53)), fc.string({ unit: fc.constantFrom(...identChars), maxLength: 8 }))
  .map(([a, b]) => a + b)
  .filter((s) => !RESERVED_WORDS.has(s));

export const objectTypeArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), maxLength: 12 }))
  .map(([a, b]) => a + b)
  .filter((s) => !RESERVED_WORDS.has(s));

const keyName = fc.oneof(bareIdent, fc.string({ maxLength: 10 }), fc.constantFrom('windows-pebinary-ext', 'SHA-256', "it's", 'back\\slash', 'AND', 'true'));

const stepArb: fc.Arbitrary<PathStep> = fc.oneof(
  { weight: 3, arbitrary: keyName.map((name): PathStep => ({ type: 'key', name })) },
  { weight: 1, arbitrary: fc.oneof(fc.constant<'*'>('*'), fc.integer({ min: -5, max: 1000 })).map((index): PathStep => ({ type: 'index', index })) },
);

export const pathArb: fc.Arbitrary<ObjectPath> = fc
  .tuple(objectTypeArb, keyName, fc.array(stepArb, { maxLength: 4 }))
  .map(([objectType, first, rest]) => ({ objectType, steps: [{ type: 'key', name: first } as PathStep, ...rest] }));

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export const timestampArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9 }), { nil: undefined }),
  )
  .map(([d, frac]) => {
    const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return frac === undefined ? `${base}Z` : `${base}.${frac}Z`;
  });

const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }).map((v) => (v === 0 ? 0 : v));

export const orderableLiteralArb: fc.Arbitrary<Literal> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 16 }).map((value): Literal => ({ type: 'string', value })),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((value): Literal => ({ type: 'int', value: value === 0 ? 0 : value })),
  finiteDouble.map((value): Literal => ({ type: 'float', value })),
  fc.uint8Array({ maxLength: 8 }).map((b): Literal => ({ type: 'hex', value: Buffer.from(b).toString('hex') })),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b): Literal => ({ type: 'binary', value: Buffer.from(b).toString('base64') })),
  timestampArb.map((value): Literal => ({ type: 'timestamp', value })),
);

export const literalArb: fc.Arbitrary<Literal> = fc.oneof(orderableLiteralArb, fc.boolean().map((value): Literal => ({ type: 'bool', value })));

const regexArb = fc.constantFrom('^a+$', '(a+)+$', '.+\\@example\\.com$', '[0-9]{1,3}', 'x|y', '', '\\x41', '(?i)evil');

export const comparisonArb: fc.Arbitrary<ComparisonExpression> = fc.oneof(
  fc.record({ path: pathArb, operator: fc.constantFrom<ComparisonOperator>('=', '!='), negated: fc.boolean(), value: literalArb }),
  fc.record({ path: pathArb, operator: fc.constantFrom<ComparisonOperator>('<', '<=', '>', '>='), negated: fc.boolean(), value: orderableLiteralArb }),
  fc.record({
    path: pathArb,
    operator: fc.constant<ComparisonOperator>('IN'),
    negated: fc.boolean(),
    value: fc.array(literalArb, { maxLength: 4 }).map((values) => ({ type: 'set' as const, values })),
  }),
  fc.record({
    path: pathArb,
    operator: fc.constantFrom<ComparisonOperator>('LIKE', 'ISSUBSET', 'ISSUPERSET'),
    negated: fc.boolean(),
    value: fc.string({ maxLength: 12 }).map((value): Literal => ({ type: 'string', value })),
  }),
  fc.record({
    path: pathArb,
    operator: fc.constant<ComparisonOperator>('MATCHES'),
    negated: fc.boolean(),
    value: regexArb.map((value): Literal => ({ type: 'string', value })),
  }),
).map((c): ComparisonExpression => ({ type: 'comparison', ...c }));

const existsArb: fc.Arbitrary<ComparisonExpression> = pathArb.map((path) => ({ type: 'exists', path }));

function junction<T extends { type: string }>(type: string, operands: T[]): T[] {
  // Canonical form: flatten operands of the same junction type.
  return operands.flatMap((o) => (o.type === type ? (o as unknown as { operands: T[] }).operands : [o]));
}

const qualifierArb: fc.Arbitrary<Qualifier> = fc.oneof(
  fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0.001, max: 1e6, noNaN: true })).map((seconds): Qualifier => ({ type: 'within', seconds })),
  fc.integer({ min: 1, max: 50 }).map((times): Qualifier => ({ type: 'repeats', times })),
  fc
    .tuple(timestampArb, timestampArb)
    .filter(([a, b]) => a !== b && normalize(a) !== normalize(b))
    .map(([a, b]): Qualifier => (normalize(a) < normalize(b) ? { type: 'startstop', start: a, stop: b } : { type: 'startstop', start: b, stop: a })),
);
function normalize(s: string): string {
  const frac = s.length > 20 ? s.slice(20, -1) : '';
  return `${s.slice(0, 19)}.${(frac + '000000000').slice(0, 9)}`;
}

export const patternArb: fc.Arbitrary<ObservationExpression> = fc.letrec<{
  comp: ComparisonExpression;
  obs: ObservationExpression;
}>((tie) => ({
  comp: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparisonArb,
    existsArb,
    fc.array(tie('comp'), { minLength: 2, maxLength: 3 }).map((ops): ComparisonExpression => ({ type: 'and', operands: junction('and', ops) })),
    fc.array(tie('comp'), { minLength: 2, maxLength: 3 }).map((ops): ComparisonExpression => ({ type: 'or', operands: junction('or', ops) })),
  ),
  obs: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('comp').map((expression): ObservationExpression => ({ type: 'observation', expression })),
    fc.array(tie('obs'), { minLength: 2, maxLength: 3 }).map((ops): ObservationExpression => ({ type: 'observation-and', operands: junction('observation-and', ops) })),
    fc.array(tie('obs'), { minLength: 2, maxLength: 3 }).map((ops): ObservationExpression => ({ type: 'observation-or', operands: junction('observation-or', ops) })),
    fc.array(tie('obs'), { minLength: 2, maxLength: 3 }).map((ops): ObservationExpression => {
      // FOLLOWEDBY flattens only its left-most operand.
      const [first, ...rest] = ops;
      return { type: 'followedby', operands: first.type === 'followedby' ? [...first.operands, ...rest] : ops };
    }),
    fc.tuple(tie('obs'), qualifierArb).map(([expression, qualifier]): ObservationExpression => ({ type: 'qualified', expression, qualifier })),
  ),
}))['obs'];
