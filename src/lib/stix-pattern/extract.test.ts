import { describe, expect, it } from 'vitest';
import { extractObservableValues, extractObservableValuesDetailed, parsePattern } from './index.ts';

const extract = (p: string) => extractObservableValues(parsePattern(p));
const detailed = (p: string) => extractObservableValuesDetailed(parsePattern(p));

describe('extractObservableValues', () => {
  it('single equality comparisons', () => {
    expect(extract("[ipv4-addr:value = '198.51.100.0/24']")).toEqual([{ type: 'ipv4-addr', path: 'value', value: '198.51.100.0/24' }]);
    expect(extract("[ipv6-addr:value = '2001:db8::1']")).toEqual([{ type: 'ipv6-addr', path: 'value', value: '2001:db8::1' }]);
    expect(extract("[domain-name:value = 'example.com']")).toEqual([{ type: 'domain-name', path: 'value', value: 'example.com' }]);
    expect(extract("[url:value = 'http://example.com/foo']")).toEqual([{ type: 'url', path: 'value', value: 'http://example.com/foo' }]);
    expect(extract("[email-addr:value = 'a@example.com']")).toEqual([{ type: 'email-addr', path: 'value', value: 'a@example.com' }]);
  });
  it('file hashes carry the algorithm', () => {
    expect(extract("[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']")).toEqual([
      { type: 'file', path: "hashes.'SHA-256'", value: 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f', algorithm: 'SHA-256' },
    ]);
    expect(extract("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']")).toEqual([
      { type: 'file', path: 'hashes.MD5', value: 'cead3f77f6cda6ec00f57d76c9a6879f', algorithm: 'MD5' },
    ]);
  });
  it('OR-joined comparisons and observations (and IN sets)', () => {
    const r = detailed(
      "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] OR [domain-name:value IN ('a.example', 'b.example')]",
    );
    expect(r.values.map((v) => `${v.type}=${v.value}`)).toEqual([
      'ipv4-addr=198.51.100.1/32',
      'ipv4-addr=203.0.113.33/32',
      'ipv6-addr=2001:0db8:dead:beef:dead:beef:dead:0001/128',
      'domain-name=a.example',
      'domain-name=b.example',
    ]);
    expect(r.complete).toBe(true);
  });
  it('AND-joined comparisons are not simple values', () => {
    expect(extract("[file:hashes.MD5 = 'x' AND file:name = 'y']")).toEqual([]);
    const r = detailed("[ipv4-addr:value = '1.2.3.4' OR (domain-name:value = 'a.example' AND domain-name:x = 'y')]");
    expect(r.values).toEqual([{ type: 'ipv4-addr', path: 'value', value: '1.2.3.4' }]);
    expect(r.complete).toBe(false);
  });
  it('observation AND / FOLLOWEDBY / qualifiers are not simple values', () => {
    expect(extract("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']")).toEqual([]);
    expect(extract("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'a.example']")).toEqual([]);
    expect(extract("[ipv4-addr:value = '1.2.3.4'] REPEATS 2 TIMES")).toEqual([]);
  });
  it('skips non-indexable comparisons', () => {
    for (const p of [
      "[ipv4-addr:value != '1.2.3.4']",
      "[ipv4-addr:value NOT = '1.2.3.4']",
      "[ipv4-addr:value ISSUBSET '1.2.3.0/24']",
      "[domain-name:value LIKE '%.example']",
      "[file:name = 'evil.exe']",
      "[file:hashes.MD5 = h'cead3f77f6cda6ec00f57d76c9a6879f']",
      "[network-traffic:dst_ref.value = '1.2.3.4']",
      "[x-custom:value = '1.2.3.4']",
      '[EXISTS ipv4-addr:value]',
    ]) {
      expect(detailed(p)).toEqual({ values: [], complete: false });
    }
    const mixed = detailed("[file:name = 'evil.exe' OR file:hashes.MD5 = 'abc']");
    expect(mixed.values).toEqual([{ type: 'file', path: 'hashes.MD5', value: 'abc', algorithm: 'MD5' }]);
    expect(mixed.complete).toBe(false);
  });
  it('deduplicates', () => {
    expect(extract("[url:value = 'x'] OR [url:value = 'x' OR url:value = 'y']")).toHaveLength(2);
  });
});
