import { describe, it, expect } from 'vitest';
import { computeScoId, scoIdContributingObject } from './sco-id.ts';
import { canonicalize, JcsError } from './jcs.ts';
import { uuidv5 } from './uuid.ts';

describe('uuidv5', () => {
  it('matches the RFC 4122 / Python uuid5 vector', () => {
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});

describe('JCS (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and drops whitespace', () => {
    expect(canonicalize({ b: 1, a: [true, null, 'x'], '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '\u00f6': 4 }))
      .toBe('{"\\r":2,"a":[true,null,"x"],"b":1,"\u00f6":4,"\u20ac":1,"\ud83d\ude00":3}');
  });
  it('serialises numbers like ECMAScript (RFC 8785 appendix B samples)', () => {
    const cases: [number, string][] = [[0, '0'], [-0, '0'], [1e21, '1e+21'], [1e-7, '1e-7'], [333333333.3333333, '333333333.3333333'],
      [4.5, '4.5'], [2e-3, '0.002'], [0.000001, '0.000001'], [-1.7976931348623157e308, '-1.7976931348623157e+308'], [9007199254740992, '9007199254740992']];
    for (const [n, s] of cases) expect(canonicalize(n)).toBe(s);
  });
  it('escapes strings minimally', () => {
    expect(canonicalize('\u0001\n"\\\u00e9/')).toBe('"\\u0001\\n\\"\\\\\u00e9/"');
  });
  it('rejects non-finite numbers and lone surrogates, handles deep nesting without recursion', () => {
    expect(() => canonicalize(Number.NaN)).toThrow(JcsError);
    expect(() => canonicalize('\ud800')).toThrow(JcsError);
    let deep: unknown = 1; for (let i = 0; i < 20000; i++) deep = [deep];
    expect(canonicalize(deep, 30000).length).toBe(40001);
    expect(() => canonicalize(deep, 100)).toThrow(JcsError);
  });
});

describe('computeScoId (STIX 2.1 §2.9)', () => {
  // Vectors published by other STIX 2.1 implementations, e.g. cti-python-stix2 tests
  // (stix2/test/v21/test_observed_data.py) and several independent libraries.
  it('domain-name example.com', () => {
    expect(computeScoId({ type: 'domain-name', value: 'example.com' })).toBe('domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7');
  });
  it('file with a nested extension (cti-python-stix2 test_id_gen_recursive_dict_conversion_1)', () => {
    const file = {
      type: 'file', name: 'example.exe', size: 68000, magic_number_hex: '50000000',
      hashes: { 'SHA-256': '841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de154ab14eeef4649' },
      extensions: { 'windows-pebinary-ext': { pe_type: 'exe', machine_hex: '014c', sections: [{ name: '.data', size: 4096, entropy: 7.980693,
        hashes: { 'SHA-256': '6e3b6f3978e5cd96ba7abee35c24e867b7e64072e2ecb22d0ee7a6e6af6894d0' } }] } },
    };
    expect(computeScoId(file)).toBe('file--ced31cd4-bdcb-537d-aefa-92d291bfc11d');
  });
  it('windows-registry-key values list (cti-python-stix2 test_id_gen_recursive_dict_conversion_2)', () => {
    expect(computeScoId({ type: 'windows-registry-key', values: [{ name: 'Foo', data: 'qwerty' }, { name: 'Bar', data: '42' }] }))
      .toBe('windows-registry-key--36594eba-bcc7-5014-9835-0e154264e588');
  });
  it('ignores non-contributing properties and picks one hash (MD5, SHA-1, SHA-256, SHA-512 order)', () => {
    const a = computeScoId({ type: 'email-addr', value: 'john@example.com', display_name: 'Johnny' });
    expect(a).toBe(computeScoId({ type: 'email-addr', value: 'john@example.com', display_name: 'Janey' }));
    expect(a).not.toBe(computeScoId({ type: 'email-addr', value: 'jane@example.com' }));
    expect(scoIdContributingObject({ type: 'file', hashes: { 'SHA-256': 'aa', MD5: 'bb', 'SHA-1': 'cc' } })).toEqual({ hashes: { MD5: 'bb' } });
    expect(scoIdContributingObject({ type: 'file', hashes: { 'SHA-512': 'dd', 'SHA-256': 'aa' } })).toEqual({ hashes: { 'SHA-256': 'aa' } });
  });
  it('returns null where UUIDv4 applies', () => {
    expect(computeScoId({ type: 'process', pid: 4 })).toBeNull();
    expect(computeScoId({ type: 'email-message', is_multipart: false })).toBeNull();
    expect(computeScoId({ type: 'x-custom', value: 'a' })).toBeNull();
  });
  it('produces version 5, RFC 4122 variant', () => {
    const id = computeScoId({ type: 'ipv4-addr', value: '198.51.100.3' })!;
    expect(id).toMatch(/^ipv4-addr--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
