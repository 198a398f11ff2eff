import type {
  ComparisonExpression,
  Literal,
  ObjectPath,
  ObservationExpression,
  Pattern,
  Qualifier,
  SetLiteral,
} from './ast.ts';
import { RESERVED_WORDS } from './parser.ts';

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OBJECT_TYPE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Print a pattern AST as canonical STIX pattern text: single spaces, upper-case
 * keywords, `=`/`!=` spellings, parentheses only where precedence requires them,
 * property names quoted only when they must be.
 *
 * Throws TypeError for an AST that cannot be expressed (e.g. an object type that
 * is not an identifier, a non-finite number).
 */
export function formatPattern(ast: Pattern): string {
  return formatObservation(ast);
}

function obsLevel(e: ObservationExpression): number {
  switch (e.type) {
    case 'followedby':
      return 1;
    case 'observation-or':
      return 2;
    case 'observation-and':
      return 3;
    default:
      return 4;
  }
}

function formatObservation(e: ObservationExpression): string {
  switch (e.type) {
    case 'observation':
      return `[${formatComparisonExpression(e.expression)}]`;
    case 'observation-and':
    case 'observation-or':
    case 'followedby': {
      if (e.operands.length === 0) throw new TypeError(`${e.type} needs at least one operand`);
      const level = obsLevel(e);
      const word = e.type === 'observation-and' ? ' AND ' : e.type === 'observation-or' ? ' OR ' : ' FOLLOWEDBY ';
      let out = '';
      for (let i = 0; i < e.operands.length; i++) {
        const op = e.operands[i];
        const text = formatObservation(op);
        // FOLLOWEDBY is left-associative: only the first operand may be an unparenthesised FOLLOWEDBY.
        const wrap = e.type === 'followedby' && i === 0 ? obsLevel(op) < level : obsLevel(op) <= level;
        if (i > 0) out += word;
        out += wrap ? `(${text})` : text;
      }
      return out;
    }
    case 'qualified': {
      const inner = e.expression;
      let wrap = obsLevel(inner) < 4;
      if (!wrap) {
        // A qualifier type may appear only once in an unparenthesised chain.
        for (let x: ObservationExpression = inner; x.type === 'qualified'; x = x.expression) {
          if (x.qualifier.type === e.qualifier.type) {
            wrap = true;
            break;
          }
        }
      }
      const text = formatObservation(inner);
      return `${wrap ? `(${text})` : text} ${formatQualifier(e.qualifier)}`;
    }
    default:
      throw new TypeError(`unknown observation expression type ${(e as { type: unknown }).type}`);
  }
}

function formatQualifier(q: Qualifier): string {
  switch (q.type) {
    case 'within':
      return `WITHIN ${Number.isInteger(q.seconds) ? formatInt(q.seconds) : formatFloat(q.seconds)} SECONDS`;
    case 'repeats':
      return `REPEATS ${formatInt(q.times)} TIMES`;
    case 'startstop':
      return `START t'${q.start}' STOP t'${q.stop}'`;
    default:
      throw new TypeError(`unknown qualifier type ${(q as { type: unknown }).type}`);
  }
}

function compLevel(e: ComparisonExpression): number {
  return e.type === 'or' ? 1 : e.type === 'and' ? 2 : 3;
}

export function formatComparisonExpression(e: ComparisonExpression): string {
  switch (e.type) {
    case 'comparison':
      return `${formatObjectPath(e.path)} ${e.negated ? 'NOT ' : ''}${e.operator} ${formatValue(e.value)}`;
    case 'exists':
      return `EXISTS ${formatObjectPath(e.path)}`;
    case 'and':
    case 'or': {
      if (e.operands.length === 0) throw new TypeError(`${e.type} needs at least one operand`);
      const level = compLevel(e);
      const word = e.type === 'and' ? ' AND ' : ' OR ';
      return e.operands
        .map((op) => {
          const text = formatComparisonExpression(op);
          return compLevel(op) <= level ? `(${text})` : text;
        })
        .join(word);
    }
    default:
      throw new TypeError(`unknown comparison expression type ${(e as { type: unknown }).type}`);
  }
}

/** `type:key.'quoted-key'[0][*]` */
export function formatObjectPath(path: ObjectPath): string {
  if (!OBJECT_TYPE.test(path.objectType) || RESERVED_WORDS.has(path.objectType)) {
    throw new TypeError(`object type ${JSON.stringify(path.objectType)} cannot be written in a pattern`);
  }
  return `${path.objectType}:${formatPathSteps(path)}`;
}

/** The part of a path after `type:`. */
export function formatPathSteps(path: ObjectPath): string {
  let out = '';
  path.steps.forEach((step, i) => {
    if (step.type === 'key') {
      if (i > 0) out += '.';
      out += BARE_KEY.test(step.name) && !RESERVED_WORDS.has(step.name) ? step.name : formatString(step.name);
    } else {
      if (i === 0) throw new TypeError('an object path must start with a property name');
      out += step.index === '*' ? '[*]' : `[${formatInt(step.index)}]`;
    }
  });
  if (out === '') throw new TypeError('an object path needs at least one property');
  return out;
}

function formatValue(v: Literal | SetLiteral): string {
  if (v.type === 'set') return `(${v.values.map(formatLiteral).join(', ')})`;
  return formatLiteral(v);
}

export function formatLiteral(l: Literal): string {
  switch (l.type) {
    case 'string':
      return formatString(l.value);
    case 'int':
      return formatInt(l.value);
    case 'float':
      return formatFloat(l.value);
    case 'bool':
      return l.value ? 'true' : 'false';
    case 'hex':
      return `h'${l.value}'`;
    case 'binary':
      return `b'${l.value}'`;
    case 'timestamp':
      return `t'${l.value}'`;
    default:
      throw new TypeError(`unknown literal type ${(l as { type: unknown }).type}`);
  }
}

function formatString(s: string): string {
  let out = "'";
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 39 || c === 92) {
      out += `${s.slice(chunk, i)}\\${s[i]}`;
      chunk = i + 1;
    }
  }
  return `${out}${s.slice(chunk)}'`;
}

function formatInt(v: number): string {
  if (Number.isSafeInteger(v)) return String(v === 0 ? 0 : v);
  if (Number.isInteger(v)) return BigInt(v).toString();
  throw new TypeError(`not an integer: ${v}`);
}

/** Decimal text with a '.', never exponent notation (the grammar has no exponents). */
function formatFloat(v: number): string {
  if (!Number.isFinite(v)) throw new TypeError(`not a finite number: ${v}`);
  if (v === 0) return '0.0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s.includes('.') ? s : `${s}.0`;
  // Expand d.ddde±x.
  const negative = s[0] === '-';
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = `${digits}${'0'.repeat(pointAt - digits.length)}.0`;
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}
