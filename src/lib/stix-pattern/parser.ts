/**
 * Hand-written lexer + recursive-descent parser for STIX 2.1 patterns.
 *
 * Grammar (after the OASIS cti-pattern-validator STIXPattern.g4 for 2.1),
 * lowest precedence first:
 *
 *   pattern        := obsFollowedBy EOF
 *   obsFollowedBy  := obsOr ( FOLLOWEDBY obsOr )*          (left-assoc)
 *   obsOr          := obsAnd ( OR obsAnd )*
 *   obsAnd         := obsUnit ( AND obsUnit )*
 *   obsUnit        := ( '[' compOr ']' | '(' obsFollowedBy ')' ) qualifier*
 *   qualifier      := WITHIN (int|float) SECONDS | REPEATS int TIMES
 *                   | START timestamp STOP timestamp
 *   compOr         := compAnd ( OR compAnd )*
 *   compAnd        := propTest ( AND propTest )*
 *   propTest       := path NOT? (= | != | == | <>) primitive
 *                   | path NOT? (< | <= | > | >=) orderable
 *                   | path NOT? IN set
 *                   | path NOT? (LIKE | MATCHES | ISSUBSET | ISSUPERSET) string
 *                   | EXISTS path
 *                   | '(' compOr ')'
 *   path           := type ':' (ident | string) ( '.' (ident | string) | '[' (int | '*') ']' )*
 *
 * So qualifiers bind tightest, then observation AND, then OR, then FOLLOWEDBY;
 * inside brackets AND binds tighter than OR.
 */
import type {
  ComparisonExpression,
  ComparisonOperator,
  Literal,
  ObjectPath,
  ObservationExpression,
  PathStep,
  Pattern,
  Qualifier,
  SetLiteral,
} from './ast.ts';
import { PatternSyntaxError } from './errors.ts';
import { compileRegex } from './regex.ts';

/** Maximum nesting of parentheses / brackets before a PatternSyntaxError (instead of a stack overflow). */
export const MAX_NESTING_DEPTH = 500;

// Token kinds.
const T_EOF = 0;
const T_LBRACK = 1;
const T_RBRACK = 2;
const T_LPAREN = 3;
const T_RPAREN = 4;
const T_COLON = 5;
const T_DOT = 6;
const T_COMMA = 7;
const T_STAR = 8;
const T_EQ = 9;
const T_NEQ = 10;
const T_LT = 11;
const T_LE = 12;
const T_GT = 13;
const T_GE = 14;
const T_IDENT = 15;
const T_STRING = 16;
const T_INT = 17;
const T_FLOAT = 18;
const T_HEX = 19;
const T_BINARY = 20;
const T_TIMESTAMP = 21;
const T_BOOL = 22;
const T_OTHER = 23;
// Keywords.
const K_AND = 30;
const K_OR = 31;
const K_NOT = 32;
const K_FOLLOWEDBY = 33;
const K_LIKE = 34;
const K_MATCHES = 35;
const K_ISSUPERSET = 36;
const K_ISSUBSET = 37;
const K_EXISTS = 38;
const K_LAST = 39;
const K_IN = 40;
const K_START = 41;
const K_STOP = 42;
const K_SECONDS = 43;
const K_WITHIN = 44;
const K_REPEATS = 45;
const K_TIMES = 46;

const KEYWORDS = new Map<string, number>([
  ['AND', K_AND],
  ['OR', K_OR],
  ['NOT', K_NOT],
  ['FOLLOWEDBY', K_FOLLOWEDBY],
  ['LIKE', K_LIKE],
  ['MATCHES', K_MATCHES],
  ['ISSUPERSET', K_ISSUPERSET],
  ['ISSUBSET', K_ISSUBSET],
  ['EXISTS', K_EXISTS],
  ['LAST', K_LAST],
  ['IN', K_IN],
  ['START', K_START],
  ['STOP', K_STOP],
  ['SECONDS', K_SECONDS],
  ['WITHIN', K_WITHIN],
  ['REPEATS', K_REPEATS],
  ['TIMES', K_TIMES],
]);

/** Words that cannot be used as bare identifiers (they lex as keywords or booleans). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([...KEYWORDS.keys(), 'true', 'false']);

const QUAL_NAMES = { within: 'WITHIN', repeats: 'REPEATS', startstop: 'START/STOP' } as const;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isBase64Char(c: number): boolean {
  return isIdentPart(c) && c !== 95 ? true : c === 43 || c === 47;
}
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function describe(text: string): string {
  const shown = text.length > 32 ? `${text.slice(0, 32)}…` : text;
  return `'${shown}'`;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Validate the inside of a t'…' literal: YYYY-MM-DDTHH:MM:SS[.fraction]Z with
 * the ranges of the grammar (seconds may be 60 for a leap second) and a real
 * calendar day. Returns an error description or null.
 */
export function checkTimestamp(s: string): string | null {
  const n = s.length;
  if (n < 20) return 'timestamp must look like YYYY-MM-DDTHH:MM:SS[.s]Z';
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) {
    if (!isDigit(s.charCodeAt(i))) return 'timestamp must look like YYYY-MM-DDTHH:MM:SS[.s]Z';
  }
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[n - 1] !== 'Z') {
    return 'timestamp must look like YYYY-MM-DDTHH:MM:SS[.s]Z';
  }
  if (n > 20) {
    if (s[19] !== '.' || n < 22) return 'timestamp fraction must be . followed by digits';
    for (let i = 20; i < n - 1; i++) {
      if (!isDigit(s.charCodeAt(i))) return 'timestamp fraction must be . followed by digits';
    }
  }
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  const hour = Number(s.slice(11, 13));
  const minute = Number(s.slice(14, 16));
  const second = Number(s.slice(17, 19));
  if (month < 1 || month > 12) return 'timestamp month out of range';
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > maxDay) return 'timestamp day out of range';
  if (hour > 23) return 'timestamp hour out of range';
  if (minute > 59) return 'timestamp minute out of range';
  if (second > 60) return 'timestamp second out of range';
  return null;
}

class Parser {
  private readonly src: string;
  private pos = 0;
  private depth = 0;
  // Current token.
  private kind: number = T_EOF;
  private start = 0;
  private end = 0;
  private sval = '';
  private nval = 0;
  /** For T_IDENT: whether it contains '-'. For T_INT/T_FLOAT: whether written with a leading '-'. */
  private flag = false;

  constructor(src: string) {
    this.src = src;
  }

  /** Current token kind (a method so TypeScript does not narrow it across next()). */
  private tok(): number {
    return this.kind;
  }

  // ---------------------------------------------------------------- errors

  private foundText(): string {
    if (this.tok() === T_EOF) return 'end of input';
    return describe(this.src.slice(this.start, this.end));
  }

  private fail(expected: string, detail?: string): never {
    throw new PatternSyntaxError(this.start, expected, this.foundText(), detail);
  }

  private failAt(position: number, expected: string, found: string, detail?: string): never {
    throw new PatternSyntaxError(position, expected, found, detail);
  }

  // ---------------------------------------------------------------- lexer

  private skipTrivia(): void {
    const s = this.src;
    const n = s.length;
    let p = this.pos;
    for (;;) {
      if (p >= n) break;
      const c = s.charCodeAt(p);
      if (isSpace(c)) {
        p++;
        continue;
      }
      if (c === 47 /* / */ && p + 1 < n) {
        const d = s.charCodeAt(p + 1);
        if (d === 42 /* * */) {
          const close = s.indexOf('*/', p + 2);
          if (close < 0) this.failAt(p, "'*/' closing the comment", 'end of input', "unterminated comment: expected '*/'");
          p = close + 2;
          continue;
        }
        if (d === 47) {
          p += 2;
          while (p < n) {
            const e = s.charCodeAt(p);
            if (e === 10 || e === 13) break;
            p++;
          }
          continue;
        }
      }
      break;
    }
    this.pos = p;
  }

  private next(): void {
    this.skipTrivia();
    const s = this.src;
    const n = s.length;
    const p = this.pos;
    this.start = p;
    if (p >= n) {
      this.kind = T_EOF;
      this.end = p;
      return;
    }
    const c = s.charCodeAt(p);
    switch (c) {
      case 91:
        return this.single(T_LBRACK);
      case 93:
        return this.single(T_RBRACK);
      case 40:
        return this.single(T_LPAREN);
      case 41:
        return this.single(T_RPAREN);
      case 58:
        return this.single(T_COLON);
      case 44:
        return this.single(T_COMMA);
      case 42:
        return this.single(T_STAR);
      case 61: // = or ==
        return this.punct(T_EQ, s.charCodeAt(p + 1) === 61 ? 2 : 1);
      case 33: // !=
        if (s.charCodeAt(p + 1) === 61) return this.punct(T_NEQ, 2);
        return this.single(T_OTHER);
      case 60: {
        const d = s.charCodeAt(p + 1);
        if (d === 61) return this.punct(T_LE, 2);
        if (d === 62) return this.punct(T_NEQ, 2); // <>
        return this.single(T_LT);
      }
      case 62:
        return s.charCodeAt(p + 1) === 61 ? this.punct(T_GE, 2) : this.single(T_GT);
      case 39:
        return this.lexString(p);
      case 46: // . or .5
        if (isDigit(s.charCodeAt(p + 1))) return this.lexNumber(p);
        return this.single(T_DOT);
      case 43: // + / -
      case 45: {
        const d = s.charCodeAt(p + 1);
        if (isDigit(d) || (d === 46 && isDigit(s.charCodeAt(p + 2)))) return this.lexNumber(p);
        return this.single(T_OTHER);
      }
      default:
        break;
    }
    if (isDigit(c)) return this.lexNumber(p);
    if (isIdentStart(c)) {
      if (s.charCodeAt(p + 1) === 39) {
        if (c === 104) return this.lexHex(p);
        if (c === 98) return this.lexBinary(p);
        if (c === 116) return this.lexTimestamp(p);
      }
      let q = p + 1;
      let hyphen = false;
      while (q < n) {
        const d = s.charCodeAt(q);
        if (isIdentPart(d)) q++;
        else if (d === 45) {
          hyphen = true;
          q++;
        } else break;
      }
      const text = s.slice(p, q);
      this.end = q;
      this.pos = q;
      const kw = KEYWORDS.get(text);
      if (kw !== undefined) {
        this.kind = kw;
      } else if (text === 'true' || text === 'false') {
        this.kind = T_BOOL;
        this.nval = text === 'true' ? 1 : 0;
      } else {
        this.kind = T_IDENT;
        this.sval = text;
        this.flag = hyphen;
      }
      return;
    }
    // Any other code point is an invalid token; take the whole code point.
    this.kind = T_OTHER;
    this.end = p + (c >= 0xd800 && c <= 0xdbff && p + 1 < n ? 2 : 1);
    this.pos = this.end;
  }

  private single(kind: number): void {
    this.kind = kind;
    this.end = this.start + 1;
    this.pos = this.end;
  }

  private punct(kind: number, len: number): void {
    this.kind = kind;
    this.end = this.start + len;
    this.pos = this.end;
  }

  /** Scan a quoted body starting after the opening quote; returns the index of the closing quote. */
  private scanQuoted(open: number, escapes: boolean): number {
    const s = this.src;
    const n = s.length;
    let q = open + 1;
    let out = '';
    let chunk = q;
    for (;;) {
      if (q >= n) {
        this.failAt(open, "closing quote \"'\"", 'end of input', "unterminated string literal: expected closing \"'\"");
      }
      const c = s.charCodeAt(q);
      if (c === 39) break;
      if (c === 92 && escapes) {
        const d = s.charCodeAt(q + 1);
        if (d === 39 || d === 92) {
          out += s.slice(chunk, q) + (d === 39 ? "'" : '\\');
          q += 2;
          chunk = q;
          continue;
        }
        this.failAt(
          q,
          "\\' or \\\\",
          describe(s.slice(q, q + 2)),
          "invalid escape sequence in string literal: only \\' and \\\\ are allowed",
        );
      }
      q++;
    }
    this.sval = chunk === open + 1 ? s.slice(chunk, q) : out + s.slice(chunk, q);
    return q;
  }

  private lexString(p: number): void {
    const close = this.scanQuoted(p, true);
    this.kind = T_STRING;
    this.end = close + 1;
    this.pos = this.end;
  }

  private lexHex(p: number): void {
    const close = this.scanQuoted(p + 1, false);
    const body = this.sval;
    if (body.length % 2 !== 0) {
      this.failAt(p, 'an even number of hex digits', describe(this.src.slice(p, close + 1)), 'hex literal must have an even number of hex digits');
    }
    for (let i = 0; i < body.length; i++) {
      if (!isHexDigit(body.charCodeAt(i))) {
        this.failAt(p + 2 + i, 'hex digit', describe(body[i]), `invalid hex digit ${describe(body[i])} in hex literal`);
      }
    }
    this.kind = T_HEX;
    this.sval = body.toLowerCase();
    this.end = close + 1;
    this.pos = this.end;
  }

  private lexBinary(p: number): void {
    const close = this.scanQuoted(p + 1, false);
    const body = this.sval;
    const n = body.length;
    let ok = n >= 4 && n % 4 === 0;
    if (ok) {
      let pad = 0;
      if (body.charCodeAt(n - 1) === 61) pad = body.charCodeAt(n - 2) === 61 ? 2 : 1;
      for (let i = 0; i < n - pad; i++) {
        if (!isBase64Char(body.charCodeAt(i))) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) {
      this.failAt(p, 'base64 data', describe(this.src.slice(p, close + 1)), 'binary literal must be non-empty, correctly padded base64');
    }
    this.kind = T_BINARY;
    this.end = close + 1;
    this.pos = this.end;
  }

  private lexTimestamp(p: number): void {
    const close = this.scanQuoted(p + 1, false);
    const err = checkTimestamp(this.sval);
    if (err) {
      this.failAt(p, 'timestamp YYYY-MM-DDTHH:MM:SS[.s]Z', describe(this.src.slice(p, close + 1)), `invalid timestamp literal: ${err}`);
    }
    this.kind = T_TIMESTAMP;
    this.end = close + 1;
    this.pos = this.end;
  }

  private lexNumber(p: number): void {
    const s = this.src;
    const n = s.length;
    let q = p;
    const c0 = s.charCodeAt(q);
    const negative = c0 === 45;
    if (c0 === 43 || c0 === 45) q++;
    const digitsStart = q;
    while (q < n && isDigit(s.charCodeAt(q))) q++;
    if (q < n && s.charCodeAt(q) === 46 && isDigit(s.charCodeAt(q + 1))) {
      q++;
      while (q < n && isDigit(s.charCodeAt(q))) q++;
      this.kind = T_FLOAT;
    } else {
      // Integers have no leading zeros: "01" lexes as "0" followed by "1".
      if (s.charCodeAt(digitsStart) === 48) q = digitsStart + 1;
      this.kind = T_INT;
    }
    const v = Number(s.slice(p, q));
    this.nval = v === 0 ? 0 : v; // no negative zero in the AST
    this.flag = negative;
    this.end = q;
    this.pos = q;
  }

  // ---------------------------------------------------------------- parser

  parse(): Pattern {
    this.next();
    const expr = this.parseObsFollowedBy();
    if (this.tok() !== T_EOF) {
      this.fail('AND, OR, FOLLOWEDBY, a qualifier or end of input');
    }
    return expr;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      this.fail(`at most ${MAX_NESTING_DEPTH} nested levels`, `nesting deeper than ${MAX_NESTING_DEPTH} levels`);
    }
  }

  private parseObsFollowedBy(): ObservationExpression {
    const first = this.parseObsOr();
    if (this.tok() !== K_FOLLOWEDBY) return first;
    const operands: ObservationExpression[] = first.type === 'followedby' ? first.operands.slice() : [first];
    while (this.tok() === K_FOLLOWEDBY) {
      this.next();
      operands.push(this.parseObsOr());
    }
    return { type: 'followedby', operands };
  }

  private parseObsOr(): ObservationExpression {
    const first = this.parseObsAnd();
    if (this.tok() !== K_OR) return first;
    const operands: ObservationExpression[] = [];
    pushFlat(operands, first, 'observation-or');
    while (this.tok() === K_OR) {
      this.next();
      pushFlat(operands, this.parseObsAnd(), 'observation-or');
    }
    return { type: 'observation-or', operands };
  }

  private parseObsAnd(): ObservationExpression {
    const first = this.parseObsUnit();
    if (this.tok() !== K_AND) return first;
    const operands: ObservationExpression[] = [];
    pushFlat(operands, first, 'observation-and');
    while (this.tok() === K_AND) {
      this.next();
      pushFlat(operands, this.parseObsUnit(), 'observation-and');
    }
    return { type: 'observation-and', operands };
  }

  private parseObsUnit(): ObservationExpression {
    let expr: ObservationExpression;
    if (this.tok() === T_LBRACK) {
      this.enter();
      this.next();
      const inner = this.parseCompOr();
      if (this.tok() !== T_RBRACK) this.fail("']'");
      this.next();
      this.depth--;
      expr = { type: 'observation', expression: inner };
    } else if (this.tok() === T_LPAREN) {
      this.enter();
      this.next();
      expr = this.parseObsFollowedBy();
      if (this.tok() !== T_RPAREN) this.fail("')'");
      this.next();
      this.depth--;
    } else {
      return this.fail("'[' or '('");
    }
    // Qualifiers; each type at most once per chain.
    let seen = 0;
    for (;;) {
      let qualifier: Qualifier;
      const qStart = this.start;
      if (this.tok() === K_WITHIN) {
        this.next();
        if ((this.tok() !== T_INT && this.tok() !== T_FLOAT) || this.flag || !(this.nval > 0) || !Number.isFinite(this.nval)) {
          this.fail('a positive number of seconds');
        }
        const seconds = this.nval;
        this.next();
        if (this.tok() !== K_SECONDS) this.fail("'SECONDS'");
        this.next();
        qualifier = { type: 'within', seconds };
      } else if (this.tok() === K_REPEATS) {
        this.next();
        if (this.tok() !== T_INT || this.flag || !(this.nval > 0) || !Number.isSafeInteger(this.nval)) {
          this.fail('a positive integer repeat count');
        }
        const times = this.nval;
        this.next();
        if (this.tok() !== K_TIMES) this.fail("'TIMES'");
        this.next();
        qualifier = { type: 'repeats', times };
      } else if (this.tok() === K_START) {
        this.next();
        if (this.tok() !== T_TIMESTAMP) this.fail("a timestamp literal t'…'");
        const start = this.sval;
        this.next();
        if (this.tok() !== K_STOP) this.fail("'STOP'");
        this.next();
        if (this.tok() !== T_TIMESTAMP) this.fail("a timestamp literal t'…'");
        const stop = this.sval;
        if (compareTimestampText(start, stop) >= 0) {
          this.fail('a STOP timestamp later than START', 'STOP timestamp must be later than START timestamp');
        }
        this.next();
        qualifier = { type: 'startstop', start, stop };
      } else {
        return expr;
      }
      const bit = qualifier.type === 'within' ? 1 : qualifier.type === 'repeats' ? 2 : 4;
      if (seen & bit) {
        const name = QUAL_NAMES[qualifier.type];
        this.failAt(qStart, `at most one ${name} qualifier here`, describe(name), `duplicate ${name} qualifier on the same observation expression (use parentheses)`);
      }
      seen |= bit;
      expr = { type: 'qualified', expression: expr, qualifier };
    }
  }

  private parseCompOr(): ComparisonExpression {
    const first = this.parseCompAnd();
    if (this.tok() !== K_OR) return first;
    const operands: ComparisonExpression[] = [];
    pushFlat(operands, first, 'or');
    while (this.tok() === K_OR) {
      this.next();
      pushFlat(operands, this.parseCompAnd(), 'or');
    }
    return { type: 'or', operands };
  }

  private parseCompAnd(): ComparisonExpression {
    const first = this.parsePropTest();
    if (this.tok() !== K_AND) return first;
    const operands: ComparisonExpression[] = [];
    pushFlat(operands, first, 'and');
    while (this.tok() === K_AND) {
      this.next();
      pushFlat(operands, this.parsePropTest(), 'and');
    }
    return { type: 'and', operands };
  }

  private parsePropTest(): ComparisonExpression {
    if (this.tok() === T_LPAREN) {
      this.enter();
      this.next();
      const inner = this.parseCompOr();
      if (this.tok() !== T_RPAREN) this.fail("')'");
      this.next();
      this.depth--;
      return inner;
    }
    if (this.tok() === K_EXISTS) {
      this.next();
      return { type: 'exists', path: this.parsePath() };
    }
    if (this.tok() !== T_IDENT) return this.fail("an object path, EXISTS or '('");
    const path = this.parsePath();
    let negated = false;
    if (this.tok() === K_NOT) {
      negated = true;
      this.next();
    }
    let operator: ComparisonOperator;
    let value: Literal | SetLiteral;
    switch (this.tok()) {
      case T_EQ:
      case T_NEQ:
        operator = this.tok() === T_EQ ? '=' : '!=';
        this.next();
        value = this.parseLiteral(true);
        break;
      case T_LT:
      case T_LE:
      case T_GT:
      case T_GE:
        operator = this.tok() === T_LT ? '<' : this.tok() === T_LE ? '<=' : this.tok() === T_GT ? '>' : '>=';
        this.next();
        value = this.parseLiteral(false);
        break;
      case K_IN:
        operator = 'IN';
        this.next();
        value = this.parseSet();
        break;
      case K_LIKE:
      case K_MATCHES:
      case K_ISSUBSET:
      case K_ISSUPERSET: {
        operator = this.tok() === K_LIKE ? 'LIKE' : this.tok() === K_MATCHES ? 'MATCHES' : this.tok() === K_ISSUBSET ? 'ISSUBSET' : 'ISSUPERSET';
        this.next();
        if (this.tok() !== T_STRING) this.fail(`a string literal after ${operator}`);
        if (operator === 'MATCHES') this.checkRegex();
        value = { type: 'string', value: this.sval };
        this.next();
        break;
      }
      default:
        return this.fail(negated ? 'a comparison operator after NOT' : 'a comparison operator');
    }
    return { type: 'comparison', path, operator, negated, value };
  }

  private checkRegex(): void {
    try {
      compileRegex(this.sval);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.fail('a valid (RE2) regular expression', `invalid regular expression for MATCHES: ${why}`);
    }
  }

  private parsePath(): ObjectPath {
    if (this.tok() !== T_IDENT) this.fail('an object type');
    const objectType = this.sval;
    this.next();
    if (this.tok() !== T_COLON) this.fail("':'");
    this.next();
    const steps: PathStep[] = [this.parseKey()];
    for (;;) {
      if (this.tok() === T_DOT) {
        this.next();
        steps.push(this.parseKey());
      } else if (this.tok() === T_LBRACK) {
        this.next();
        let index: number | '*';
        if (this.tok() === T_STAR) index = '*';
        else if (this.tok() === T_INT && Number.isSafeInteger(this.nval)) index = this.nval;
        else return this.fail("a list index (integer or '*')");
        this.next();
        if (this.tok() !== T_RBRACK) this.fail("']'");
        this.next();
        steps.push({ type: 'index', index });
      } else {
        return { objectType, steps };
      }
    }
  }

  private parseKey(): PathStep {
    if (this.tok() === T_STRING || (this.tok() === T_IDENT && !this.flag)) {
      const name = this.sval;
      this.next();
      return { type: 'key', name };
    }
    if (this.tok() === T_IDENT) {
      return this.fail('a property name', `expected a property name but found ${this.foundText()} (quote names containing '-', e.g. 'x-name')`);
    }
    return this.fail('a property name');
  }

  private parseLiteral(allowBool: boolean): Literal {
    let lit: Literal;
    switch (this.tok()) {
      case T_STRING:
        lit = { type: 'string', value: this.sval };
        break;
      case T_INT:
        lit = { type: 'int', value: this.nval };
        break;
      case T_FLOAT:
        lit = { type: 'float', value: this.nval };
        break;
      case T_HEX:
        lit = { type: 'hex', value: this.sval };
        break;
      case T_BINARY:
        lit = { type: 'binary', value: this.sval };
        break;
      case T_TIMESTAMP:
        lit = { type: 'timestamp', value: this.sval };
        break;
      case T_BOOL:
        if (!allowBool) return this.fail('an orderable literal (number, string, binary, hex or timestamp)');
        lit = { type: 'bool', value: this.nval === 1 };
        break;
      default:
        return this.fail(allowBool ? 'a literal' : 'an orderable literal (number, string, binary, hex or timestamp)');
    }
    this.next();
    return lit;
  }

  private parseSet(): SetLiteral {
    if (this.tok() !== T_LPAREN) this.fail("'(' starting a set literal");
    this.next();
    const values: Literal[] = [];
    if (this.tok() === T_RPAREN) {
      this.next();
      return { type: 'set', values };
    }
    for (;;) {
      values.push(this.parseLiteral(true));
      if (this.tok() === T_COMMA) {
        this.next();
        continue;
      }
      if (this.tok() === T_RPAREN) {
        this.next();
        return { type: 'set', values };
      }
      return this.fail("',' or ')'");
    }
  }
}

function pushFlat<T extends { type: string }>(out: T[], node: T, type: string): void {
  if (node.type === type) {
    for (const op of (node as unknown as { operands: T[] }).operands) out.push(op);
  } else {
    out.push(node);
  }
}

/** Compare two valid timestamp texts chronologically (fractions of any length). */
export function compareTimestampText(a: string, b: string): number {
  const na = normalizeTimestampText(a);
  const nb = normalizeTimestampText(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** YYYY-MM-DDTHH:MM:SS.fffffffffZ with exactly 9 fraction digits (sortable as text). */
export function normalizeTimestampText(s: string): string {
  const base = s.slice(0, 19);
  const frac = s.length > 20 ? s.slice(20, -1) : '';
  return `${base}.${(frac + '000000000').slice(0, 9)}Z`;
}

/**
 * Parse a STIX 2.1 pattern. Throws `PatternSyntaxError` (and nothing else) for invalid input.
 */
export function parsePattern(text: string): Pattern {
  if (typeof text !== 'string') {
    throw new PatternSyntaxError(0, 'a pattern string', typeof text, `expected a pattern string but got ${typeof text}`);
  }
  try {
    return new Parser(text).parse();
  } catch (e) {
    if (e instanceof PatternSyntaxError) throw e;
    if (e instanceof RangeError) {
      // Defensive: should be unreachable thanks to MAX_NESTING_DEPTH.
      throw new PatternSyntaxError(0, 'a shallower pattern', 'a pattern too deeply nested', 'pattern too deeply nested');
    }
    throw e;
  }
}
