import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extractCandidates } from './extract.ts';
import { buildIndex } from './logindex.ts';
import { Scanner, type RawHit } from './scan.ts';

const values = (text: string, kind?: string) => extractCandidates(text).filter((c) => !kind || c.kind === kind).map((c) => c.value);

describe('plain-text extraction', () => {
  it('IPv4 boundaries', () => {
    expect(values('a 1.2.3.45 b', 'ipv4')).toEqual(['1.2.3.45']);
    expect(values('110.0.0.12', 'ipv4')).toEqual(['110.0.0.12']);
    expect(values('version 1.2.3.4.5 and 1.2.3', 'ipv4')).toEqual([]);
    expect(values('end of sentence 1.2.3.4.', 'ipv4')).toEqual(['1.2.3.4']);
    expect(values('src=1.2.3.4:443 dst=[5.6.7.8]', 'ipv4')).toEqual(['1.2.3.4', '5.6.7.8']);
    expect(values('host-10.0.0.1 x', 'ipv4')).toEqual(['10.0.0.1']);
    expect(values('999.1.1.1 01.02.03.004', 'ipv4')).toEqual(['1.2.3.4']);
  });
  it('IPv6 forms, zone ids and non-addresses', () => {
    expect(values('a 2001:DB8:0:0:0:0:0:1 b', 'ipv6')).toEqual(['2001:db8::1']);
    expect(values('fe80::1%eth0 and [2001:db8::2]:443', 'ipv6')).toEqual(['fe80::1', '2001:db8::2']);
    expect(values('mapped ::ffff:1.2.3.4', 'ipv6')).toEqual(['::ffff:1.2.3.4']);
    expect(values('at 10:20:30 mac 00:11:22:33:44:55 t=2024-01-01T10:20:30Z', 'ipv6')).toEqual([]);
    expect(values('"2001:db8::3"', 'ipv6')).toEqual(['2001:db8::3']);
  });
  it('domains: case, trailing dot, IDN, not numbers', () => {
    expect(values('query A.B.Evil.Example. ok', 'domain')).toEqual(['a.b.evil.example']);
    expect(values('www.bücher.example', 'domain')).toEqual(['www.xn--bcher-kva.example']);
    expect(values('1.2.3.4 and 3.14', 'domain')).toEqual([]);
    expect(values('_dmarc.evil.example', 'domain')).toEqual(['_dmarc.evil.example']);
  });
  it('URLs normalised', () => {
    expect(values('GET HTTP://Evil.Example:80/a%7eb?x=1#f done', 'url')).toEqual(['http://evil.example/a~b?x=1']);
    expect(values('(see https://evil.example/x).', 'url')).toEqual(['https://evil.example/x']);
  });
  it('emails and hashes', () => {
    expect(values('from Bad.Guy+tag@Evil.Example to', 'email')).toEqual(['bad.guy+tag@evil.example']);
    const sha = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';
    expect(extractCandidates(`md5=d41d8cd98f00b204e9800998ecf8427e sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709 ${sha} file_${sha.toLowerCase()}.exe`).filter((c) => c.kind !== 'domain')).toEqual([
      { kind: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
      { kind: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
      { kind: 'sha256', value: sha.toLowerCase() },
    ]);
    expect(values('a'.repeat(33) + ' ' + 'a'.repeat(65), 'md5')).toEqual([]);
    expect(values('a'.repeat(65), 'sha256')).toEqual([]);
  });
});

describe('scanner traps against an index', () => {
  const idx = buildIndex([
    { id: 'ip', kind: 'ipv4', value: '1.2.3.4' },
    { id: 'ten', kind: 'ipv4', value: '10.0.0.1' },
    { id: 'dom', kind: 'domain', value: 'evil.example' },
    { id: 'v6', kind: 'ipv6', value: '2001:db8::1' },
    { id: 'url', kind: 'url', value: 'http://evil.example/a~b' },
  ]);
  const scanner = new Scanner(idx);
  const ids = (line: string) => {
    const out: RawHit[] = [];
    scanner.scanString(line, out);
    return [...new Set(out.flatMap((h) => idx.idsOf(h.refs)))].sort();
  };
  it('no false positives', () => {
    expect(ids('1.2.3.45')).toEqual([]);
    expect(ids('11.2.3.4 1.2.3.44 1.2.3.4.5 01.2.3.4x')).toEqual([]);
    expect(ids('110.0.0.12 10.0.0.10 210.0.0.1')).toEqual([]);
    expect(ids('notevil.example evil.example.com evil-example x.evil.examples')).toEqual([]);
    expect(ids('2001:db8::11 2001:db8::1:0')).toEqual([]);
  });
  it('true positives', () => {
    expect(ids('"1.2.3.4"')).toEqual(['ip']);
    expect(ids('a 10.0.0.1, b')).toEqual(['ten']);
    expect(ids('Deep.Sub.EVIL.example.')).toEqual(['dom']);
    expect(ids('2001:0db8:0000::0001')).toEqual(['v6']);
    expect(ids('HTTP://Evil.Example:80/a%7eb')).toEqual(['dom', 'url']);
  });
  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const out: RawHit[] = [];
        scanner.scan(bytes, 0, bytes.length, out);
        extractCandidates(bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdef.:/%@-_[]xX '.split('')), maxLength: 80 }), (s) => {
        extractCandidates(s);
        ids(s);
      }),
      { numRuns: 2000 },
    );
  });
});
