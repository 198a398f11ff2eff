import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { BundleFormatError, BundleScanner } from './ingest.stix.ts';

/** The streaming bundle scanner: the same elements whatever the chunking. */
function scan(text: string, cuts: number[]): string[] {
  const buf = Buffer.from(text);
  const s = new BundleScanner();
  const out: string[] = [];
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < buf.length)].sort((a, b) => a - b).concat(buf.length)) {
    out.push(...s.push(buf.subarray(at, c)).map((e) => e.text!));
    at = c;
  }
  s.end();
  return out;
}

describe('BundleScanner', () => {
  test('elements of the objects array, any chunking, any JSON values (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (values, cuts, objectsFirst) => {
        const objects = JSON.stringify(values);
        const text = objectsFirst ? `\uFEFF{ "objects" : ${objects}, "type": "bundle", "x": {"objects": [1]} }` : `{"type":"bundle","id":"b\\"[{","objects":${objects}}\n`;
        const got = scan(text, cuts.map((c) => c % (Buffer.byteLength(text) + 1)));
        expect(got.map((t) => JSON.parse(t))).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
      }),
      { numRuns: 500 },
    );
  });

  test('multi-byte characters across chunk boundaries', () => {
    const text = JSON.stringify({ objects: [{ name: 'élection — 選挙 🗳️' }] });
    for (let c = 1; c < Buffer.byteLength(text); c++) expect(JSON.parse(scan(text, [c])[0]!).name).toBe('élection — 選挙 🗳️');
  });

  test('truncation, mismatched brackets, trailing data and a missing objects array are errors', () => {
    expect(() => scan('{"objects":[{"a":1},{"b":', [])).toThrow(/truncated.*after 1 complete object/);
    expect(() => scan('{"objects":[{"a":1]]}', [])).toThrow(BundleFormatError);
    expect(() => scan('{"objects":[]} x', [])).toThrow(/after the end/);
    expect(() => scan('{"type":"bundle"}', [])).toThrow(/no "objects" array/);
    expect(() => scan('', [])).toThrow(/empty/);
  });
});
