import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import { detectKit } from './detect.testkit.ts';

let r: TestRampart;
let w: World;
let k: ReturnType<typeof detectKit>;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  k = detectKit(r, w);
});
afterAll(async () => r?.close());

/** Uploads `lines` as AZ_ANALYST and answers the run and a map indicator name → sorted hit line numbers. */
async function run(lines: string[], query = '') {
  const res = await k.upload('AZ_ANALYST', lines.join('\n') + '\n', `format=text&${query}`);
  expect(res.statusCode, res.body).toBe(201);
  const runBody = res.json();
  const hits = await k.hits('AZ_ANALYST', `runId=${runBody.id}`);
  const byName = new Map<string, number[]>();
  for (const h of hits) byName.set(h.indicator.name!, [...new Set([...(byName.get(h.indicator.name!) ?? []), h.lineNo])].sort((a, b) => a - b));
  return { run: runBody, hits, byName };
}

describe('matching every observable kind, and the traps', () => {
  test('IPv4: exact address only, never inside a longer address or number', async () => {
    await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '198.51.100.7']", 'CLEAR', 'ip');
    const { byName, run: s } = await run([
      'conn from 198.51.100.7 port 22', // 1 hit
      'conn from 198.51.100.70', // 2 longer last octet
      'conn from 1198.51.100.7', // 3 longer first octet
      'ver 10.198.51.100.7', // 4 five parts
      'x=198.51.100.7,y', // 5 hit
      '198.51.100.71 and 98.51.100.7', // 6 no
    ]);
    expect(byName.get('ip')).toEqual([1, 5]);
    expect(s).toMatchObject({ status: 'complete', lines: 6, hitLines: 2 });
  });

  test('CIDR edges (network, last address, just outside) and ISSUBSET through the pattern evaluator', async () => {
    await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '203.0.113.0/25']", 'CLEAR', 'cidr');
    await k.indicator('HUB_ANALYST', "[ipv4-addr:value ISSUBSET '192.0.2.0/24']", 'CLEAR', 'subset');
    await k.indicator('HUB_ANALYST', "[ipv6-addr:value = '2001:db8:aa::/48']", 'CLEAR', 'cidr6');
    const { byName, run: s } = await run([
      'a 203.0.113.0', // 1
      'a 203.0.113.127', // 2
      'a 203.0.113.128', // 3 outside
      'a 203.0.112.255', // 4 outside
      'b 192.0.2.55', // 5 subset
      'b 192.0.3.1', // 6 outside
      'c 2001:db8:aa:ffff::1', // 7 in /48
      'c 2001:db8:ab::1', // 8 outside
    ]);
    expect(byName.get('cidr')).toEqual([1, 2]);
    expect(byName.get('subset')).toEqual([5]);
    expect(byName.get('cidr6')).toEqual([7]);
    expect(s.complexPatterns).toBeGreaterThanOrEqual(1);
  });

  test('IPv6 forms: expanded, compressed, upper-case, bracketed with port, zone id; not a longer address', async () => {
    await k.indicator('HUB_ANALYST', "[ipv6-addr:value = '2001:db8::1']", 'CLEAR', 'ip6');
    const { byName } = await run([
      'x 2001:0db8:0000:0000:0000:0000:0000:0001 y', // 1
      'x [2001:DB8::1]:443', // 2
      'x 2001:db8::1%eth0', // 3
      'x 2001:db8::10', // 4 no
      'x 2001:db8::1:0 ', // 5 no
    ]);
    expect(byName.get('ip6')).toEqual([1, 2, 3]);
  });

  test('domains: subdomains on a label boundary, never a suffix string or a longer TLD', async () => {
    await k.indicator('HUB_ANALYST', "[domain-name:value = 'evil-dom.example']", 'CLEAR', 'dom');
    const { byName } = await run([
      'query www.evil-dom.example A', // 1
      'query notevil-dom.example', // 2 no
      'query evil-dom.example.com', // 3 no
      'query EVIL-DOM.EXAMPLE.', // 4 yes (case, trailing dot)
      'visit https://a.evil-dom.example/x', // 5 domain in URL
    ]);
    expect(byName.get('dom')).toEqual([1, 4, 5]);
  });

  test('URLs: case of scheme/host, default port and percent-encoding of unreserved characters; scheme matters', async () => {
    await k.indicator('HUB_ANALYST', "[url:value = 'http://bad-url.example/a~b?x=1']", 'CLEAR', 'url');
    const { byName } = await run([
      'GET HTTP://Bad-Url.Example:80/a%7eb?x=1 200', // 1
      'GET http://bad-url.example/a~b?x=1', // 2
      'GET https://bad-url.example/a~b?x=1', // 3 other scheme
      'GET http://bad-url.example/a~b?x=2', // 4 other query
      'GET http://bad-url.example/a~c?x=1', // 5 other path
      'GET http://bad-url.example.evil/a~b?x=1', // 6 other host
    ]);
    expect(byName.get('url')).toEqual([1, 2]);
  });

  test('e-mail addresses and file hashes (MD5, SHA-1, SHA-256; case-insensitive, not inside longer hex)', async () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    await k.indicator('HUB_ANALYST', "[email-addr:value = 'phish@lure.example']", 'CLEAR', 'mail');
    await k.indicator('HUB_ANALYST', `[file:hashes.MD5 = '${md5}']`, 'CLEAR', 'md5');
    await k.indicator('HUB_ANALYST', `[file:hashes.'SHA-1' = '${sha1}']`, 'CLEAR', 'sha1');
    await k.indicator('HUB_ANALYST', `[file:hashes.'SHA-256' = '${sha256}']`, 'CLEAR', 'sha256');
    const { byName } = await run([
      'From: Phish@LURE.example', // 1
      'From: xphish@lure.example', // 2 other local part
      `file ${md5.toUpperCase()}`, // 3
      `file ${md5}00`, // 4 longer hex
      `file sha1=${sha1}`, // 5
      `file sha256:${sha256.toUpperCase()}`, // 6
    ]);
    expect(byName.get('mail')).toEqual([1]);
    expect(byName.get('md5')).toEqual([3]);
    expect(byName.get('sha1')).toEqual([5]);
    expect(byName.get('sha256')).toEqual([6]);
  });

  test('patterns that are not simple values: AND-joined comparisons and LIKE, evaluated per line', async () => {
    await k.indicator('HUB_ANALYST', "[url:value LIKE '%/wp-login.php%']", 'CLEAR', 'like');
    await k.indicator('HUB_ANALYST', "[domain-name:value = 'and-a.example'] AND [ipv4-addr:value = '100.100.1.1']", 'CLEAR', 'and');
    await k.indicator('HUB_ANALYST', "[domain-name:value = 'or-a.example'] OR [ipv4-addr:value = '100.100.2.2' AND ipv4-addr:value = '100.100.2.3']", 'CLEAR', 'or');
    const { byName } = await run([
      'GET http://blog.example/wp-login.php?x', // 1 like
      'GET http://blog.example/index.php', // 2 no
      'and-a.example resolved 100.100.1.1', // 3 and (same line)
      'and-a.example alone', // 4 no
      'query or-a.example', // 5 or: simple branch
    ]);
    expect(byName.get('like')).toEqual([1]);
    expect(byName.get('and')).toEqual([3]);
    expect(byName.get('or')).toEqual([5]);
  });

  test('formats: JSON lines attribute hits to fields and take the timestamp; gzip uploads are read', async () => {
    await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '100.99.1.2']", 'CLEAR', 'json');
    const body = gzipSync(Buffer.from('{"ts":"2024-10-01T12:00:00Z","id.orig_h":"10.0.0.1","id.resp_h":"100.99.1.2"}\n{"ts":"2024-10-01T12:00:01Z","x":"1"}\n'));
    const res = await k.upload('AZ_ANALYST', body, 'format=auto&filename=conn.log.gz', 'application/gzip');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'complete', gzip: true, format: 'jsonl', lines: 2, hits: 1, filename: 'conn.log.gz' });
    const hits = await k.hits('AZ_ANALYST', `runId=${res.json().id}`);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ field: 'id.resp_h', value: '100.99.1.2', kind: 'ipv4', lineNo: 1, foundBy: 'upload' });
    expect((hits[0] as unknown as { seenAt: string }).seenAt).toBe('2024-10-01T12:00:00.000Z');
  });
});

describe('bad input is counted and reported; the run completes', () => {
  test('binary garbage, a 1.5 MB line, invalid UTF-8 and a hit among them', async () => {
    await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '100.98.7.6']", 'CLEAR', 'bad');
    const parts = [
      Buffer.from('start 100.98.7.6\n'),
      Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 10]),
      Buffer.from(`${'A'.repeat(1_500_000)} 100.98.7.6\n`),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x31, 0x30, 0x30, 0x2e, 0x39, 0x38, 0x2e, 0x37, 0x2e, 0x36, 10]), // "café 100.98.7.6" in Latin-1
      Buffer.from('end\n'),
    ];
    const res = await k.upload('AZ_ANALYST', Buffer.concat(parts), 'format=text', 'application/octet-stream');
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(s.status).toBe('complete');
    expect(s.lines).toBe(5);
    expect(s.skipped.binary).toBe(1);
    expect(s.skipped.tooLong).toBe(1);
    expect(s.skipped.badEncoding).toBeGreaterThanOrEqual(1);
    expect(s.hitLines).toBe(2);
  });

  test('a broken gzip stream: what decompressed is matched, badGzip reported', async () => {
    await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '100.97.1.1']", 'CLEAR', 'gz');
    const lines = Array.from({ length: 20000 }, (_, i) => `line ${i} ${i === 3 ? '100.97.1.1' : 'nothing'} ${'x'.repeat(50)} ${i * 7919}`).join('\n');
    const gz = gzipSync(Buffer.from(lines));
    const broken = gz.subarray(0, Math.floor(gz.length / 2));
    const res = await k.upload('AZ_ANALYST', broken, 'format=text', 'application/gzip');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'complete', gzip: true, hits: 1 });
    expect(res.json().skipped.badGzip).toBe(1);
    expect(res.json().gzipError).toBeTruthy();
    expect(res.json().lines).toBeLessThan(20000);
  });

  test('an empty upload is a complete run with nothing in it; bad query parameters name the field', async () => {
    const res = await k.upload('AZ_ANALYST', '', 'format=text');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'complete', lines: 0, hits: 0 });
    const bad = await k.upload('AZ_ANALYST', 'x', 'format=evtx');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.path).toBe('querystring.format');
    const tlp = await k.upload('AZ_ANALYST', 'x', 'tlp=PURPLE');
    expect(tlp.json().error.details.path).toBe('querystring.tlp');
    const anon = await w.anonymous.post('/api/detect/uploads', 'x', { 'content-type': 'text/plain' });
    expect(anon.statusCode).toBe(401);
    const json = await w.as('AZ_ANALYST').post('/api/detect/uploads', { a: 1 });
    expect(json.statusCode).toBe(415);
  });
});

describe('runs', () => {
  test('my organisation lists and reads its runs; another organisation gets 404', async () => {
    const mine = (await w.as('AZ_MEMBER').get('/api/detect/runs?limit=200')).json();
    expect(mine.total).toBeGreaterThan(5);
    const id = mine.items[0].id;
    expect((await w.as('AZ_MEMBER').get(`/api/detect/runs/${id}`)).json().id).toBe(id);
    expect((await w.as('GA_ANALYST').get(`/api/detect/runs/${id}`)).statusCode).toBe(404);
    expect((await w.as('GA_ANALYST').get('/api/detect/runs')).json().items.map((x: { id: string }) => x.id)).not.toContain(id);
    expect((await w.as('GA_ANALYST').get(`/api/detect/hits?runId=${id}`)).json().items).toEqual([]);
  });
});
