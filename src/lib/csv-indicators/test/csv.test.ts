import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_INDICATOR_NAMESPACE, csvToIndicators, detectColumns, detectType, type ColumnMapping, type RowResult } from '../index.ts';
import { uuidv5 } from '../../misp/index.ts';
import { basicProblems, loadStixValidator } from '../../misp/test/helpers.ts';

const NOW = new Date('2024-10-01T12:00:00Z');
async function all(input: string | Readable, mapping: ColumnMapping, opts = {}): Promise<RowResult[]> {
  const out: RowResult[] = [];
  for await (const r of csvToIndicators(input, mapping, { now: NOW, ...opts })) out.push(r);
  return out;
}
const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Minimal reader for `[object:path = '<literal>']`: returns the literal, undoing \' and \\ escapes. */
function literalOf(pattern: string): string {
  const m = /^\[[a-z0-9-]+:[^=]+ = '(.*)'\]$/s.exec(pattern);
  if (!m) throw new Error(`unexpected pattern ${pattern}`);
  let out = '';
  const body = m[1];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const n = body[++i];
      if (n !== '\\' && n !== "'") throw new Error(`bad escape \\${n}`);
      out += n;
    } else if (c === "'") throw new Error('unescaped quote inside literal');
    else out += c;
  }
  return out;
}

describe('csvToIndicators', () => {
  const csv = [
    'Indicator,Type,Comment,Tags,First Seen,Expires,Score,TLP',
    '203.0.113.45,ip-dst,C2 server,"phishing;election",2024-09-30,2024-12-31T00:00:00Z,80,amber',
    '2001:db8::1/64,ipv6,,,,,,',
    'vote-verify[.]example,domain-name,Look-alike of a county portal,,,,,green',
    'hxxps://vote-verify[.]example/login,url,,,,,,',
    'clerk-support@vote-verify.example,email,,,,,,',
    'd41d8cd98f00b204e9800998ecf8427e,md5,,,,,,',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709,SHA-1,,,,,,',
    'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,SHA-256,,,,,,',
    'Ballot_Update.docm,filename,,,,,,',
    'login.vote-verify.example,hostname,,,,,,',
  ].join('\n');
  const mapping: ColumnMapping = { value: 'indicator', type: 'type', description: 'comment', labels: 'tags', valid_from: 'first seen', valid_until: 'expires', confidence: 'score', tlp: 'tlp' };

  it('maps every type with its pattern, metadata and deterministic id', async () => {
    const rows = await all(csv, mapping);
    expect(rows.every((r) => r.ok)).toBe(true);
    const objs = rows.map((r) => (r.ok ? r.object : null)!);
    expect(objs.map((o) => o.pattern)).toEqual([
      "[ipv4-addr:value = '203.0.113.45']",
      "[ipv6-addr:value = '2001:db8::1/64']",
      "[domain-name:value = 'vote-verify.example']",
      "[url:value = 'https://vote-verify.example/login']",
      "[email-addr:value = 'clerk-support@vote-verify.example']",
      "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
      "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
      "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
      "[file:name = 'Ballot_Update.docm']",
      "[domain-name:value = 'login.vote-verify.example']",
    ]);
    expect(objs[0]).toMatchObject({
      description: 'C2 server',
      labels: ['phishing', 'election'],
      valid_from: '2024-09-30T00:00:00.000Z',
      valid_until: '2024-12-31T00:00:00.000Z',
      confidence: 80,
      object_marking_refs: ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'],
      pattern_type: 'stix',
    });
    expect(rows[0]).toMatchObject({ tlp: 'AMBER' });
    expect(objs[1].valid_from).toBe(NOW.toISOString());
    expect(objs[0].id).toBe(`indicator--${uuidv5('ipv4:203.0.113.45', CSV_INDICATOR_NAMESPACE)}`);
    const validate = await loadStixValidator();
    for (const o of objs) {
      expect(basicProblems(o)).toEqual([]);
      if (validate) expect(validate(o), o.pattern as string).toMatchObject({ ok: true });
    }
  });

  it('re-importing the same list gives the same ids (idempotent), whatever the casing/defanging', async () => {
    const a = await all('v\nEVIL.example\n', { value: 'v' });
    const b = await all('v\nevil[.]example\n', { value: 'v' }, { now: new Date() });
    expect(a[0].ok && b[0].ok && a[0].object.id === b[0].object.id).toBe(true);
  });

  it('auto-detects types without a type column, or uses defaultType', async () => {
    const rows = await all('ioc\n198.51.100.7\n::1\nexample.org\nhttp://example.org/x\na@example.org\n' + 'a'.repeat(32) + '\n' + 'b'.repeat(40) + '\n' + 'c'.repeat(64) + '\nnot a thing\n', { value: 'ioc' });
    expect(rows.map((r) => (r.ok ? (r.object.pattern as string).slice(1, (r.object.pattern as string).indexOf(' ')) : 'ERR'))).toEqual([
      'ipv4-addr:value', 'ipv6-addr:value', 'domain-name:value', 'url:value', 'email-addr:value', 'file:hashes.MD5', "file:hashes.'SHA-1'", "file:hashes.'SHA-256'", 'ERR',
    ]);
    expect(rows[8]).toEqual({ row: 9, line: 10, ok: false, errors: [{ column: 'ioc', message: expect.stringMatching(/cannot determine/) }] });
    const fn = await all('f\nreport.pdf\n', { value: 'f' }, { defaultType: 'filename' });
    expect(fn[0].ok && fn[0].object.pattern).toBe("[file:name = 'report.pdf']");
  });

  it('reports bad rows with their row number and column, and keeps going', async () => {
    const rows = await all(
      ['value,type,valid_from,valid_until,confidence,tlp', '1.2.3.4,ipv4,,,,', ',ipv4,,,,', '1.2.3.4,carrier-pigeon,,,,', '999.1.1.1,ip,,,,', '1.2.3.4,ipv4,yesterday,,,', '1.2.3.4,ipv4,2024-02-01,2024-01-01,,', '1.2.3.4,ipv4,,,101,', '1.2.3.4,ipv4,,,,purple', '2001:db8::1,ipv4,,,,', '5.6.7.8,ipv4,,,,'].join('\n'),
      { value: 'value', type: 'type', valid_from: 'valid_from', valid_until: 'valid_until', confidence: 'confidence', tlp: 'tlp' },
    );
    expect(rows.map((r) => [r.row, r.ok, r.ok ? null : r.errors.map((e) => e.column)])).toEqual([
      [1, true, null],
      [2, false, ['value']],
      [3, false, ['type']],
      [4, false, ['value']],
      [5, false, ['valid_from']],
      [6, false, ['valid_until']],
      [7, false, ['confidence']],
      [8, false, ['tlp']],
      [9, false, ['value']],
      [10, true, null],
    ]);
  });

  it('missing mapped columns, empty input and CSV syntax errors are reported, not thrown', async () => {
    expect(await all('a,b\n1,2\n', { value: 'indicator' })).toEqual([{ row: 0, line: 1, ok: false, errors: [{ column: 'indicator', message: expect.any(String) }] }]);
    expect(await all('', { value: 'v' })).toEqual([{ row: 0, ok: false, errors: [{ column: '', message: expect.stringMatching(/empty/) }] }]);
    const bad = await all('v\n1.2.3.4\n"unclosed\n', { value: 'v' });
    expect(bad[0].ok).toBe(true);
    expect(bad[1]).toMatchObject({ row: 2, ok: false, errors: [{ message: expect.stringMatching(/CSV syntax error/) }] });
  });

  it('streams from a Readable, counting data rows from 1 and skipping blank lines', async () => {
    const src = Readable.from(['v\n1.1.1.1\n\n', '2.2.2.2\n3.3.3', '.3\n']);
    const rows = await all(src, { value: 0 });
    expect(rows.map((r) => [r.row, r.line, r.ok])).toEqual([
      [1, 2, true],
      [2, 4, true],
      [3, 5, true],
    ]);
  });
});

describe('property tests', () => {
  it('arbitrary cell contents never throw, and every row yields exactly one result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), fc.constantFrom<'auto' | 'filename' | 'url'>('auto', 'filename', 'url'), async (rows, defaultType) => {
        const text = ['value,type,labels', ...rows.map((r) => r.map(csvCell).join(','))].join('\n');
        const res = await all(text, { value: 'value', type: 'type', labels: 'labels' }, { defaultType });
        const nonEmpty = rows.filter((r) => !(r.length === 1 && r[0] === '')).length; // a lone "" cell line is still a record
        expect(res.length).toBeLessThanOrEqual(rows.length);
        expect(res.length).toBeGreaterThanOrEqual(Math.min(nonEmpty, 1));
        res.forEach((r, i) => {
          expect(r.row).toBe(i + 1);
          if (r.ok) expect(basicProblems(r.object)).toEqual([]);
          else for (const e of r.errors) expect(typeof e.column).toBe('string');
        });
      }),
      { numRuns: 150 },
    );
  });

  it('raw (unquoted, possibly malformed) CSV text never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', '1', '.', ',', '"', '\n', '\r', '\\', "'", ' ', '\u00e9') }), async (body) => {
        await all(`value\n${body}`, { value: 'value' });
      }),
      { numRuns: 200 },
    );
  });

  it("quotes and backslashes in values round-trip through the pattern's string literal", async () => {
    const validate = await loadStixValidator();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.oneof(fc.constantFrom("'", '\\', '"', ',', 'a', ' ', 'é', '💥'), fc.string({ maxLength: 1 })) , minLength: 1 }), async (name) => {
        fc.pre(name.trim().length > 0 && !/[\u0000-\u001f]/.test(name));
        const [r] = await all(`file\n${csvCell(name)}\n`, { value: 'file' }, { defaultType: 'filename' });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(literalOf(r.object.pattern as string)).toBe(name.trim());
        if (validate) expect(validate(r.object)).toMatchObject({ ok: true });
      }),
      { numRuns: 200 },
    );
  });
});

describe('detectColumns', () => {
  it('suggests a mapping from header names', async () => {
    const d = await detectColumns('Indicator,Type,Description,Tags,First Seen,TLP\n1.2.3.4,ip,x,a,2024-01-01,amber\n');
    expect(d.mapping).toEqual({ value: 'Indicator', type: 'Type', description: 'Description', labels: 'Tags', valid_from: 'First Seen', tlp: 'TLP' });
  });
  it('finds the value column and default type from the data when names do not help', async () => {
    const d = await detectColumns('when,sha256,notes\n2024-01-01,' + 'a'.repeat(64) + ',x\n2024-01-02,' + 'b'.repeat(64) + ',y\n');
    expect(d.mapping).toEqual({ value: 'sha256', description: 'notes' });
    expect(d.defaultType).toBe('sha256');
    expect(d.columnTypes.sha256).toBe('sha256');
    const mixed = await detectColumns('x\n1.2.3.4\nexample.org\n');
    expect(mixed.mapping).toEqual({ value: 'x' });
    expect(mixed.defaultType).toBe('auto');
  });
  it('never throws on junk', async () => {
    await fc.assert(fc.asyncProperty(fc.string(), async (s) => void (await detectColumns(s))), { numRuns: 100 });
  });
  it('detectType', () => {
    expect(['10.0.0.0/8', 'fe80::1', 'vote.example', 'x@y.org', 'https://x.org', 'foo'].map(detectType)).toEqual(['ipv4', 'ipv6', 'domain', 'email', 'url', null]);
  });
});
