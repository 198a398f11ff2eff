import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { extractObservables, hasPublicSuffix } from './observables.ts';

const pairs = (text: string) => extractObservables(text).map((c) => `${c.kind}:${c.value}`);
const domains = (text: string) => extractObservables(text).filter((c) => c.kind === 'domain').map((c) => c.value);

describe('observables from report text', () => {
  test('file names and words with a dot are not domains', () => {
    const text = 'The loader kit.js dropped report.pdf and setup.exe; see index.php, data.csv, notes.txt, config.yaml, printer.local, tabulator.localhost, i.e. e.g. v2.1 and evil.example';
    expect(domains(text)).toEqual([]);
  });

  test('domains on real public suffixes are kept, with IPs, URLs, hashes and e-mail addresses', () => {
    const text = [
      'Mail from payroll@evil-elections.com linked to http://login.evil-elections.com/reset and https://cdn.bad-actor.example/kit.js',
      'beacons to c2.badguys.co.uk and xn--80ak6aa92e.com from 203.0.113.77 and 2001:db8::1; sos.state.ga.us was spoofed',
      'dropper sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 md5 d41d8cd98f00b204e9800998ecf8427e',
    ].join('\n');
    const got = pairs(text);
    expect(got).toEqual(expect.arrayContaining([
      'email:payroll@evil-elections.com', 'domain:c2.badguys.co.uk', 'domain:xn--80ak6aa92e.com', 'domain:sos.state.ga.us',
      'ipv4:203.0.113.77', 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'md5:d41d8cd98f00b204e9800998ecf8427e',
    ]));
    // URLs are kept whatever their host; their file names never become domains.
    expect(got.filter((p) => p.startsWith('url:')).length).toBe(2);
    expect(got.some((p) => p.startsWith('url:') && p.includes('cdn.bad-actor.example/kit.js'))).toBe(true);
    expect(domains(text)).not.toContain('kit.js');
    expect(domains(text)).not.toContain('cdn.bad-actor.example');
  });

  test('a file name on a real country or generic suffix is a domain too (the list cannot tell them apart)', () => {
    expect(domains('ran main.py, read readme.md, opened invoice.zip')).toEqual(['main.py', 'readme.md', 'invoice.zip']);
  });

  test('a bare public suffix is not a domain; a registrable name under it is', () => {
    expect(hasPublicSuffix('co.uk')).toBe(false);
    expect(hasPublicSuffix('com')).toBe(false);
    expect(hasPublicSuffix('bbc.co.uk')).toBe(true);
    expect(hasPublicSuffix('192.0.2.1')).toBe(false);
  });

  test('property: never throws on any text or bytes, and every domain it returns ends in a known public suffix', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const suffix = fc.constantFrom('com', 'org', 'gov', 'co.uk', 'state.ga.us', 'js', 'pdf', 'exe', 'local', 'example', 'invalid', 'zz', 'docx', 'png', 'de', 'io');
    const name = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), suffix).map(([ls, s]) => `${ls.join('.')}.${s}`);
    const noise = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom(' ', '\n', '/', '@', ':', '..', '.', '-', 'http://', 'https://', '"', '\u0000', '\u202e'));
    const text = fc.array(fc.oneof(name, noise, fc.ipV4(), fc.emailAddress(), fc.webUrl()), { maxLength: 30 }).map((parts) => parts.join(' '));
    fc.assert(
      fc.property(text, (t) => {
        for (const d of domains(t)) expect(hasPublicSuffix(d), d).toBe(true);
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        for (const c of extractObservables(bytes)) if (c.kind === 'domain') expect(hasPublicSuffix(c.value), c.value).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('property: a name on a real suffix standing alone in the text is found, one on a fake suffix never is', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{1,12}$/);
    fc.assert(
      fc.property(label, label, fc.constantFrom('com', 'gov', 'co.uk', 'org'), fc.constantFrom('js', 'pdf', 'exe', 'local', 'example', 'txt'), (a, b, real, fake) => {
        const got = domains(`seen ${a}.${b}.${real} then ${a}.${fake} end`);
        expect(got).toContain(`${a}.${b}.${real}`);
        expect(got).not.toContain(`${a}.${fake}`);
      }),
      { numRuns: 300 },
    );
  });
});
