import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateStixObject, validateBundle, type ValidationResult } from './validate.ts';
import { computeScoId } from './sco-id.ts';

const EXAMPLES = fileURLToPath(new URL('./fixtures/examples/', import.meta.url));
function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? jsonFiles(p) : f.endsWith('.json') ? [p] : [];
  });
}
const errorsOf = (r: ValidationResult) => (r.ok ? [] : r.errors);
const hasIssue = (r: ValidationResult, rule: string, p: string) => errorsOf(r).some((e) => e.rule === rule && e.path === p);

const indicator = () => ({
  type: 'indicator', spec_version: '2.1', id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  created: '2016-04-06T20:03:48.000Z', modified: '2016-04-06T20:03:48.000Z', name: 'C2',
  pattern: "[ipv4-addr:value = '198.51.100.7']", pattern_type: 'stix', valid_from: '2016-01-01T00:00:00Z',
  external_references: [{ source_name: 'capec', external_id: 'CAPEC-163' }],
} as Record<string, unknown>);
const campaign = () => ({
  type: 'campaign', spec_version: '2.1', id: 'campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
  created: '2016-05-12T08:17:27.000Z', modified: '2016-05-12T08:17:27.000Z', name: 'Spear Phishing',
  first_seen: '2016-01-01T00:00:00Z', last_seen: '2016-02-01T00:00:00Z',
} as Record<string, unknown>);

describe('official examples', () => {
  const files = jsonFiles(EXAMPLES);
  it('finds the examples', () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(`validates ${path.relative(EXAMPLES, f)}`, () => {
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      if (doc.type === 'bundle') {
        const r = validateBundle(doc);
        const bad = r.objects.filter((o) => !o.result.ok).map((o) => ({ index: o.index, errors: errorsOf(o.result) }));
        expect({ envelope: r.errors, bad }).toEqual({ envelope: [], bad: [] });
        expect(r.ok).toBe(true);
      } else {
        expect(errorsOf(validateStixObject(doc))).toEqual([]);
      }
    });
  }
});

describe('schema rules', () => {
  it('accepts a valid indicator', () => expect(validateStixObject(indicator())).toEqual({ ok: true, warnings: [] }));
  it('reports a missing required property at its path', () => {
    const o = indicator(); delete o.pattern;
    expect(hasIssue(validateStixObject(o), 'schema:required', '$.pattern')).toBe(true);
  });
  it('reports nested paths', () => {
    const o = indicator(); o.external_references = [{ source_name: 7 }];
    expect(hasIssue(validateStixObject(o), 'schema:type', '$.external_references[0].source_name')).toBe(true);
  });
  it('rejects a non-object', () => {
    for (const v of [null, 1, 'x', [], undefined]) expect(hasIssue(validateStixObject(v), 'not-object', '$')).toBe(true);
  });
});

describe('extra rules', () => {
  it('id-format: prefix must match type', () => {
    const o = indicator(); o.id = 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
    expect(hasIssue(validateStixObject(o), 'id-format', '$.id')).toBe(true);
  });
  it('id-format: RFC 4122 variant required', () => {
    const o = indicator(); o.id = 'indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f';
    expect(hasIssue(validateStixObject(o), 'id-format', '$.id')).toBe(true);
  });
  it('id-format: SCO ids must be UUIDv4 or v5', () => {
    const o = { type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--8e2e2d2b-17d4-1cbf-938f-98ee46b3cd3f', value: '198.51.100.7' };
    expect(hasIssue(validateStixObject(o), 'id-format', '$.id')).toBe(true);
  });
  it('timestamp-format: calendar-invalid and non-UTC timestamps', () => {
    const a = indicator(); a.valid_from = '2016-02-30T00:00:00Z';
    expect(hasIssue(validateStixObject(a), 'timestamp-format', '$.valid_from')).toBe(true);
    const b = campaign(); b.first_seen = '2016-01-01T00:00:00+01:00';
    expect(hasIssue(validateStixObject(b), 'timestamp-format', '$.first_seen')).toBe(true);
    const c = { type: 'file', spec_version: '2.1', id: 'file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', name: 'a', mtime: '2016-13-01T00:00:00Z' };
    expect(hasIssue(validateStixObject(c), 'timestamp-format', '$.mtime')).toBe(true);
  });
  it('modified-before-created', () => {
    const o = indicator(); o.modified = '2016-04-06T20:03:47.999Z';
    expect(hasIssue(validateStixObject(o), 'modified-before-created', '$.modified')).toBe(true);
    o.modified = '2016-04-06T20:03:48.0001Z';
    expect(validateStixObject(o).ok).toBe(true);
  });
  it('order of timestamps with the same and with different fraction lengths', () => {
    const o = indicator(); o.created = '2016-04-06T20:03:48.500Z';
    for (const [modified, ok] of [['2016-04-06T20:03:48.499Z', false], ['2016-04-06T20:03:48.500Z', true], ['2016-04-06T20:03:48.501Z', true],
      ['2016-04-06T20:03:48.4999Z', false], ['2016-04-06T20:03:48.5Z', true], ['2016-04-06T20:03:48Z', false], ['2016-04-07T00:00:00Z', true]] as const) {
      o.modified = modified;
      expect(hasIssue(validateStixObject(o), 'modified-before-created', '$.modified'), modified).toBe(!ok);
    }
  });
  it('custom _hex and _bin properties follow the schema (names tried against patterns ending in a literal)', () => {
    const o = indicator();
    o.x_digest_hex = 'a1b2'; o.x_blob_bin = 'AAEC'; o.x_hex_note = 'not hex, and not a _hex property';
    expect(validateStixObject(o).ok).toBe(true);
    o.x_digest_hex = 'xyz';
    expect(hasIssue(validateStixObject(o), 'schema:pattern', '$.x_digest_hex')).toBe(true);
    o.x_digest_hex = 'a1b2'; o.x_blob_bin = 'A';
    expect(hasIssue(validateStixObject(o), 'schema:pattern', '$.x_blob_bin')).toBe(true);
  });
  it('valid-until-not-after-valid-from (equal is rejected: MUST be later)', () => {
    const o = indicator(); o.valid_until = o.valid_from;
    expect(hasIssue(validateStixObject(o), 'valid-until-not-after-valid-from', '$.valid_until')).toBe(true);
    o.valid_until = '2016-01-01T00:00:00.001Z';
    expect(validateStixObject(o).ok).toBe(true);
  });
  it('last-seen-before-first-seen', () => {
    const o = campaign(); o.last_seen = '2015-12-31T23:59:59Z';
    expect(hasIssue(validateStixObject(o), 'last-seen-before-first-seen', '$.last_seen')).toBe(true);
  });
  it('last-observed-before-first-observed', () => {
    const o = {
      type: 'observed-data', spec_version: '2.1', id: 'observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf',
      created: '2016-04-06T19:58:16.000Z', modified: '2016-04-06T19:58:16.000Z', first_observed: '2015-12-21T19:00:00Z',
      last_observed: '2015-12-21T18:00:00Z', number_observed: 1, object_refs: ['ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8'],
    };
    expect(hasIssue(validateStixObject(o), 'last-observed-before-first-observed', '$.last_observed')).toBe(true);
  });
  it('pattern-syntax: default validator rejects non-patterns, accepts patterns', () => {
    for (const p of ['198.51.100.7', "[ipv4-addr:value = '1.2.3.4'", "[ipv4-addr:value = '1.2.3.4]", '[just words]', "x [ipv4-addr:value = '1']"]) {
      const o = indicator(); o.pattern = p;
      expect(hasIssue(validateStixObject(o), 'pattern-syntax', '$.pattern'), p).toBe(true);
    }
    for (const p of ["[file:hashes.'SHA-256' = 'ab']", "([ipv4-addr:value = '1.2.3.4'] OR [domain-name:value = 'a.example']) WITHIN 300 SECONDS",
      "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443]", "[file:name = 'a]b\\'c']"]) {
      const o = indicator(); o.pattern = p;
      expect(errorsOf(validateStixObject(o)), p).toEqual([]);
    }
  });
  it('pattern-syntax: pluggable validator, not applied to other pattern types', () => {
    const o = indicator();
    const r = validateStixObject(o, { patternValidator: () => ({ ok: false, message: 'nope' }) });
    expect(errorsOf(r)).toEqual([{ rule: 'pattern-syntax', path: '$.pattern', message: 'nope' }]);
    o.pattern_type = 'snort'; o.pattern = 'alert tcp any any -> any any';
    expect(validateStixObject(o, { patternValidator: () => ({ ok: false, message: 'nope' }) }).ok).toBe(true);
  });
  it('custom properties: kept, names checked (MUST), x_ prefix recommended (SHOULD)', () => {
    const o = indicator(); o.x_rampart_county = 'A'; o.rampart_score = 3;
    const r = validateStixObject(o);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([expect.objectContaining({ rule: 'custom-property-prefix', path: '$.rampart_score' })]);
    for (const bad of ['Bad', 'ab', 'has-dash', 'x'.repeat(251)]) {
      const b = indicator(); b[bad] = 1;
      expect(errorsOf(validateStixObject(b)).map((e) => e.rule), bad).toContain('custom-property-name');
    }
  });
  it('custom object types: x- allowed, unknown rejected, new-sdo extension allowed', () => {
    const base = { spec_version: '2.1', created: '2020-01-01T00:00:00.000Z', modified: '2020-01-01T00:00:00.000Z' };
    expect(validateStixObject({ ...base, type: 'x-rampart-ballot', id: 'x-rampart-ballot--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', x_county: 'A' }).ok).toBe(true);
    expect(hasIssue(validateStixObject({ ...base, type: 'ballot-box', id: 'ballot-box--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }), 'unknown-type', '$.type')).toBe(true);
    expect(validateStixObject({ ...base, type: 'ballot-box', id: 'ballot-box--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      extensions: { 'extension-definition--3f6a4f2e-8b2d-4c1e-9a57-6d0b7e2c5a18': { extension_type: 'new-sdo' } } }).ok).toBe(true);
    expect(hasIssue(validateStixObject({ ...base, type: 'x--bad', id: 'x--bad--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }), 'custom-type-name', '$.type')).toBe(true);
  });
  it('ref-format: created_by_ref must be an identity id', () => {
    const o = indicator(); o.created_by_ref = 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
    expect(hasIssue(validateStixObject(o), 'ref-format', '$.created_by_ref')).toBe(true);
  });
  it('sco-id-deterministic: warning by default, error with strictScoIds', () => {
    const good = { type: 'domain-name', spec_version: '2.1', value: 'example.com', id: '' };
    good.id = computeScoId(good)!;
    expect(validateStixObject(good)).toEqual({ ok: true, warnings: [] });
    const wrong = { ...good, id: 'domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5' };
    const r = validateStixObject(wrong);
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => [w.rule, w.path])).toEqual([['sco-id-deterministic', '$.id']]);
    expect(hasIssue(validateStixObject(wrong, { strictScoIds: true }), 'sco-id-deterministic', '$.id')).toBe(true);
    const proc = { type: 'process', spec_version: '2.1', id: 'process--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', pid: 1 };
    expect(validateStixObject(proc)).toEqual({ ok: true, warnings: [] });
  });
});

describe('validateBundle', () => {
  it('reports per-object results with index and duplicate id+modified', () => {
    const bad = indicator(); delete bad.valid_from;
    const b = { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [indicator(), bad, campaign(), campaign()] };
    const r = validateBundle(b);
    expect(r.ok).toBe(false);
    expect(r.objects.map((o) => [o.index, o.result.ok])).toEqual([[0, true], [1, false], [2, true], [3, true]]);
    expect(r.errors.filter((e) => e.rule === 'bundle-duplicate').map((e) => e.path)).toEqual(['$.objects[1].id', '$.objects[3].id']);
  });
  it('does not flag different versions of one object', () => {
    const v2 = { ...campaign(), modified: '2016-06-01T00:00:00.000Z' };
    expect(validateBundle({ type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [campaign(), v2] }).ok).toBe(true);
  });
  it('checks the envelope', () => {
    const r = validateBundle({ type: 'bundel', id: 'bundle--nope', objects: [] });
    expect(r.errors.map((e) => [e.rule, e.path])).toEqual([['schema:enum', '$.type'], ['id-format', '$.id'], ['schema:minItems', '$.objects']]);
  });
});
