/** Thrown by `parsePattern` for any text that is not a valid STIX 2.1 pattern. */
export class PatternSyntaxError extends Error {
  /** 0-based offset (UTF-16 code units) into the pattern text. */
  readonly position: number;
  /** What the parser expected at `position`. */
  readonly expected: string;
  /** What it found instead (token text, or `end of input`). */
  readonly found: string;

  constructor(position: number, expected: string, found: string, detail?: string) {
    super(detail ? `at ${position}: ${detail}` : `at ${position}: expected ${expected} but found ${found}`);
    this.name = 'PatternSyntaxError';
    this.position = position;
    this.expected = expected;
    this.found = found;
  }
}
