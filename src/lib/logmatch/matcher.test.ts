import { afterAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { buildIndex } from './logindex.ts';
import { closeWorkerPool, matchBuffer, matchFile, matchLogs } from './matcher.ts';
import { BlockProcessor } from './engine.ts';
import { processFileRange } from './filerange.ts';
import { detectFormat } from './formats.ts';
import type { Hit, MatchSummary } from './types.ts';

const index = buildIndex([
  { id: 'ind-ip', kind: 'ipv4', value: '203.0.113.7' },
  { id: 'ind-net', kind: 'cidr4', value: '198.51.100.0/24' },
  { id: 'ind-v6', kind: 'cidr6', value: '2001:db8:bad::/48' },
  { id: 'ind-dom', kind: 'domain', value: 'evil.example' },
  { id: 'ind-url', kind: 'url', value: 'http://evil.example/a~b' },
  { id: 'ind-sha', kind: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { id: 'ind-md5', kind: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
  { id: 'ind-mail', kind: 'email', value: 'phish@evil.example' },
]);

const brief = (hits: Hit[]) => hits.map((h) => `${h.lineNo}|${h.kind}|${h.value}|${h.field ?? ''}|${h.indicatorIds.join(',')}`);

describe('JSON lines', () => {
  const log = [
    '{"ts":1700000000.25,"uid":"C1","id.orig_h":"10.0.0.1","id.resp_h":"203.0.113.7","query":"www.Evil.Example","answers":["198.51.100.9","1.1.1.1"]}',
    '{"ts":1700000001,"id.orig_h":"110.0.0.12","id.resp_h":"203.0.113.70","query":"notevil.example"}',
    '{"@timestamp":"2024-03-01T12:00:00Z","http":{"url":"HTTP://Evil.Example:80/a%7eb"},"sha256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}',
    '{"msg":"escaped \\u0065vil.example and http:\\/\\/evil.example\\/a~b"}',
  ].join('\n');
  it('finds hits with fields and timestamps, no traps', async () => {
    const { hits, summary } = await matchBuffer(log, index);
    expect(summary.format).toBe('jsonl');
    expect(summary.lines).toBe(4);
    expect(brief(hits)).toEqual([
      '1|ipv4|203.0.113.7|id.resp_h|ind-ip',
      '1|domain|www.evil.example|query|ind-dom',
      '1|ipv4|198.51.100.9|answers|ind-net',
      '3|url|http://evil.example/a~b|http.url|ind-url',
      '3|domain|evil.example|http.url|ind-dom',
      '3|sha256|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|sha256|ind-sha',
      '4|domain|evil.example|msg|ind-dom',
      '4|url|http://evil.example/a~b|msg|ind-url',
    ]);
    expect(hits[0].timestamp).toBe('2023-11-14T22:13:20.250Z');
    expect(hits[3].timestamp).toBe('2024-03-01T12:00:00.000Z');
    expect(hits[0].line.startsWith('{"ts":1700000000.25')).toBe(true);
  });
});

describe('CSV', () => {
  it('uses the header for field names and quoted values', async () => {
    const csv = 'time,src_ip,dst_ip,domain,note\n2024-01-02T03:04:05Z,10.1.1.1,203.0.113.7,ok.example,"a, ""quoted"" phish@Evil.Example"\n2024-01-02T03:04:06Z,10.1.1.2,8.8.8.8,evil.example.com,x\n';
    const { hits, summary } = await matchBuffer(csv, index);
    expect(summary.format).toBe('csv');
    expect(brief(hits)).toEqual(['2|ipv4|203.0.113.7|dst_ip|ind-ip', '2|domain|evil.example|note|ind-dom', '2|email|phish@evil.example|note|ind-mail']);
    expect(hits[0].timestamp).toBe('2024-01-02T03:04:05.000Z');
  });
});

describe('Zeek TSV', () => {
  const header = (path: string, fields: string[]) =>
    ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`, `#fields\t${fields.join('\t')}`, `#types\t${fields.map(() => 'string').join('\t')}`];
  it('conn, dns, http, ssl and files logs', async () => {
    const lines = [
      ...header('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto']),
      '1700000000.000000\tC1\t10.0.0.1\t5555\t198.51.100.200\t443\ttcp',
      ...header('dns', ['ts', 'uid', 'id.orig_h', 'query', 'answers']),
      '1700000001.000000\tC2\t10.0.0.1\tcdn.evil.example\t203.0.113.7,2001:db8:bad::5',
      ...header('http', ['ts', 'uid', 'host', 'uri', 'user_agent']),
      '1700000002.000000\tC3\tEVIL.example\t/a%7eb\tMozilla/5.0 (X11\\x2c Linux)',
      ...header('ssl', ['ts', 'uid', 'server_name', 'subject']),
      '1700000003.000000\tC4\tnotevil.example\tCN=login.evil.example',
      ...header('files', ['ts', 'fuid', 'md5', 'sha256']),
      '1700000004.000000\tF1\tD41D8CD98F00B204E9800998ECF8427E\t-',
    ];
    const { hits, summary } = await matchBuffer(lines.join('\n') + '\n', index);
    expect(summary.format).toBe('zeek');
    expect(brief(hits)).toEqual([
      '8|ipv4|198.51.100.200|id.resp_h|ind-net',
      '16|domain|cdn.evil.example|query|ind-dom',
      '16|ipv4|203.0.113.7|answers|ind-ip',
      '16|ipv6|2001:db8:bad::5|answers|ind-v6',
      '24|domain|evil.example|host|ind-dom',
      '24|url|http://evil.example/a~b|host+uri|ind-url',
      '32|domain|login.evil.example|subject|ind-dom',
      '40|md5|d41d8cd98f00b204e9800998ecf8427e|md5|ind-md5',
    ]);
    expect(hits[0].timestamp).toBe('2023-11-14T22:13:20.000Z');
  });
});

describe('syslog and CEF', () => {
  it('RFC 3164 and RFC 5424', async () => {
    const log = [
      '<34>Oct 11 22:14:15 mymachine su[123]: connection from 203.0.113.7 port 22',
      '<165>1 2003-10-11T22:14:15.003Z host.local evntslog - ID47 [exampleSDID@32473 iut="3" src="198.51.100.1"] lookup www.evil.example',
    ].join('\n');
    const { hits, summary } = await matchBuffer(log, index);
    expect(summary.format).toBe('syslog');
    expect(brief(hits)).toEqual(['1|ipv4|203.0.113.7|msg|ind-ip', '2|ipv4|198.51.100.1|sd.src|ind-net', '2|domain|www.evil.example|msg|ind-dom']);
    expect(hits[0].timestamp).toMatch(/^\d{4}-10-11T22:14:15.000Z$/);
    expect(hits[1].timestamp).toBe('2003-10-11T22:14:15.003Z');
  });
  it('CEF with escaping', async () => {
    const log = [
      'Sep 19 08:26:10 fw01 CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=203.0.113.7 spt=1232 msg=Detected a threat\\= evil.example\\\\path rt=1700000000000',
      'CEF:0|Vendor\\|Inc|Prod|1|sig|name with evil.example|5|request=http://evil.example/a%7Eb cs1Label=x cs1=notevil.example',
    ].join('\n');
    const { hits, summary } = await matchBuffer(log, index);
    expect(summary.format).toBe('cef');
    expect(brief(hits)).toEqual([
      '1|ipv4|203.0.113.7|dst|ind-ip',
      '1|domain|evil.example|msg|ind-dom',
      '2|domain|evil.example|cef.name|ind-dom',
      '2|url|http://evil.example/a~b|request|ind-url',
      '2|domain|evil.example|request|ind-dom',
    ]);
    expect(hits[0].timestamp).toBe('2023-11-14T22:13:20.000Z');
  });
});

describe('plain text', () => {
  it('extracts from free text with traps', async () => {
    const log = '2024-05-05T10:00:00Z user mailed Phish@Evil.Example from 1.203.0.113.7 and 203.0.113.7\nnothing 203.0.113.70 here\n';
    const { hits, summary } = await matchBuffer(log, index, { format: 'text' });
    expect(summary.format).toBe('text');
    expect(brief(hits)).toEqual(['1|domain|evil.example||ind-dom', '1|email|phish@evil.example||ind-mail', '1|ipv4|203.0.113.7||ind-ip']);
    expect(hits[0].timestamp).toBe('2024-05-05T10:00:00.000Z');
  });
});

describe('format detection', () => {
  it('detects each format', () => {
    expect(detectFormat(['{"a":1}', '{"b":2}'])).toBe('jsonl');
    expect(detectFormat(['#separator \\x09', '#fields\tts'])).toBe('zeek');
    expect(detectFormat(['CEF:0|a|b|c|d|e|1|src=1.2.3.4'])).toBe('cef');
    expect(detectFormat(['<13>Jan  1 00:00:00 host app: hi'])).toBe('syslog');
    expect(detectFormat(['Jan  1 00:00:00 host app[1]: hi'])).toBe('syslog');
    expect(detectFormat(['a,b,c', '1,2,3', '4,5,6'])).toBe('csv');
    expect(detectFormat(['hello world 1.2.3.4', 'more, text'])).toBe('text');
    expect(detectFormat([])).toBe('text');
  });
});

describe('robustness', () => {
  const good = '{"q":"evil.example"}\n';
  it('gzip auto-detected, and a Readable source', async () => {
    const gz = gzipSync(Buffer.from(good.repeat(1000)));
    const run = matchLogs(Readable.from([gz.subarray(0, 10), gz.subarray(10)]), index);
    const { hits, summary } = await run.collect();
    expect(summary.gzip).toBe(true);
    expect(summary.lines).toBe(1000);
    expect(hits.length).toBe(1000);
    expect(hits[999].lineNo).toBe(1000);
  });
  it('truncated gzip: counted, keeps what was read', async () => {
    const body = Buffer.from(Array.from({ length: 20000 }, (_, k) => `{"n":${k},"q":"a${k}.evil.example"}\n`).join(''));
    const gz = gzipSync(body);
    const { hits, summary } = await matchBuffer(gz.subarray(0, Math.floor(gz.length * 0.6)), index);
    expect(summary.skipped.badGzip).toBe(1);
    expect(summary.lines).toBeGreaterThan(1000);
    expect(summary.lines).toBeLessThan(20000);
    expect(hits.length).toBeGreaterThan(1000);
    hits.forEach((h, k) => expect(h.lineNo).toBe(k + 1));
  });
  it('corrupted gzip: counted, never throws', async () => {
    const gz = gzipSync(Buffer.from(good.repeat(5000)));
    const bad = Buffer.from(gz);
    for (let k = 40; k < bad.length - 8; k += 7) bad[k] ^= 0x5a;
    const { summary } = await matchBuffer(bad, index);
    expect(summary.skipped.badGzip).toBe(1);
    expect(summary.gzipError).toBeTruthy();
    const notGzip = await matchBuffer(Buffer.from([0x1f, 0x8b, 1, 2, 3]), index);
    expect(notGzip.summary.skipped.badGzip).toBe(1);
  });
  it('binary garbage lines are counted and not scanned', async () => {
    const bin = Buffer.concat([Buffer.from(good), Buffer.from([1, 2, 0, 3, 4, 5]), Buffer.from(' evil.example\n'), Buffer.from(good)]);
    const { hits, summary } = await matchBuffer(bin, index, { format: 'jsonl' });
    expect(summary.skipped.binary).toBe(1);
    expect(hits.map((h) => h.lineNo)).toEqual([1, 3]);
  });
  it('a line over the limit is skipped without buffering, in one chunk or many', async () => {
    const big = '{"q":"' + 'x'.repeat(1_100_000) + ' evil.example"}\n';
    const data = good + big + good;
    const one = await matchBuffer(data, index);
    expect(one.summary.skipped.tooLong).toBe(1);
    expect(one.hits.map((h) => h.lineNo)).toEqual([1, 3]);
    async function* chunks() {
      const b = Buffer.from(data);
      for (let k = 0; k < b.length; k += 4096) yield b.subarray(k, k + 4096);
    }
    const many = await matchLogs(chunks(), index).collect();
    expect(many.summary.skipped.tooLong).toBe(1);
    expect(many.summary.lines).toBe(3);
    expect(many.hits.map((h) => h.lineNo)).toEqual([1, 3]);
    const raised = await matchBuffer(data, index, { maxLineBytes: 2_000_000 });
    expect(raised.summary.skipped.tooLong).toBe(0);
    expect(raised.hits.map((h) => h.lineNo)).toEqual([1, 2, 3]);
    expect(raised.hits[1].line.length).toBe(2048);
  });
  it('invalid UTF-8 is counted and replaced', async () => {
    const bad = Buffer.concat([Buffer.from('{"q":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from(' evil.example"}\n'), Buffer.from(good)]);
    const { hits, summary } = await matchBuffer(bad, index);
    expect(summary.skipped.badEncoding).toBe(1);
    expect(hits.map((h) => h.lineNo)).toEqual([1, 2]);
    expect(hits[0].line).toContain('\uFFFD');
  });
  it('CRLF line endings and a last line without newline', async () => {
    const { hits, summary } = await matchBuffer('a 203.0.113.7\r\nb evil.example', index, { format: 'text' });
    expect(summary.lines).toBe(2);
    expect(hits.map((h) => h.line)).toEqual(['a 203.0.113.7', 'b evil.example']);
  });
  it('random bytes never throw, in any format', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(undefined, 'jsonl', 'csv', 'zeek', 'syslog', 'cef', 'text' as const), async (bytes, format) => {
        const { summary } = await matchBuffer(bytes, index, { format });
        expect(summary.bytes).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
  it('onProgress reports', async () => {
    const seen: number[] = [];
    await matchBuffer(good.repeat(10), index, { onProgress: (s) => seen.push(s.lines) });
    expect(seen.at(-1)).toBe(10);
  });
});

describe('worker threads', () => {
  it('gives the same hits in the same order as the single-threaded path', async () => {
    const lines: string[] = [];
    for (let k = 0; k < 30000; k++) {
      const ip = k % 97 === 0 ? '198.51.100.' + (k % 250) : `10.${k % 250}.${(k >> 8) % 250}.1`;
      const q = k % 89 === 0 ? `h${k}.evil.example` : `h${k}.good.example`;
      lines.push(`{"ts":${1700000000 + k},"id.orig_h":"${ip}","query":"${q}"}`);
    }
    const data = Buffer.from(lines.join('\n') + '\n');
    const single = await matchBuffer(data, index);
    async function* chunks() {
      for (let k = 0; k < data.length; k += 50_000) yield data.subarray(k, k + 50_000);
    }
    const par = await matchLogs(chunks(), index, { workers: 2, blockBytes: 100_000 }).collect();
    const wantLines = [];
    for (let k = 0; k < 30000; k++) if (k % 97 === 0 || k % 89 === 0) wantLines.push(k + 1);
    expect([...new Set(single.hits.map((h) => h.lineNo))]).toEqual(wantLines);
    expect(par.summary.lines).toBe(30000);
    expect(par.hits).toEqual(single.hits);
    expect(par.summary.hits).toBe(single.summary.hits);
  });
});

describe('file ranges read by workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logmatch-'));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await closeWorkerPool();
  });
  function mixedLog(n: number): string {
    const lines: string[] = [];
    for (let k = 0; k < n; k++) {
      const ip = k % 37 === 0 ? '198.51.100.' + (k % 250) : `10.${k % 250}.${(k >> 8) % 250}.1`;
      const q = k % 41 === 0 ? `h${k}.evil.example` : `h${k}.good.example`;
      const pad = 'p'.repeat((k * 7919) % 900); // lines of very different lengths cross range boundaries
      lines.push(k % 53 === 0 ? '' : `{"ts":${1700000000 + k},"id.orig_h":"${ip}","query":"${q}","pad":"${pad}"}${k % 5 === 0 ? '\r' : ''}`);
    }
    return lines.join('\n');
  }
  const plain = (s: MatchSummary) => ({ ...s });

  it('gives the same hits and summary as the single-threaded path, for any range size', async () => {
    const text = mixedLog(6000) + '\n' + '{"q":"' + 'x'.repeat(5000) + ' evil.example"}\n' + '{"last":"203.0.113.7"}'; // long line, no final newline
    const path = join(dir, 'mixed.jsonl');
    writeFileSync(path, text);
    for (const maxLineBytes of [undefined, 3000]) {
      const single = await matchBuffer(text, index, { maxLineBytes });
      expect(single.summary.hits).toBeGreaterThan(100);
      for (const blockBytes of [331, 4096, 65_537, undefined]) {
        const par = await matchFile(path, index, { workers: 2, blockBytes, maxLineBytes }).collect();
        expect(par.hits).toEqual(single.hits);
        expect(plain(par.summary)).toEqual(plain(single.summary));
      }
    }
  });

  it('fresh createReadStream sources take the range path; CSV header, gzip and Zeek files are still right', async () => {
    const csv = 'ts,src,query\n' + Array.from({ length: 3000 }, (_, k) => `${1700000000 + k},10.0.0.${k % 250},${k % 31 === 0 ? 'a.evil.example' : 'a.good.example'}`).join('\n') + '\n';
    const zeek = ['#separator \\x09', '#fields\tts\tid.orig_h\tquery', ...Array.from({ length: 2000 }, (_, k) => `${1700000000 + k}\t10.0.0.1\t${k % 29 === 0 ? 'b.evil.example' : 'b.good.example'}`)].join('\n') + '\n';
    for (const [name, data] of [['a.csv', csv], ['z.log', zeek], ['j.jsonl.gz', gzipSync(mixedLog(3000))]] as const) {
      const path = join(dir, name);
      writeFileSync(path, data);
      const single = await matchBuffer(data, index);
      expect(single.summary.hits).toBeGreaterThan(10);
      const par = await matchLogs(createReadStream(path), index, { workers: 2, blockBytes: 2000 }).collect();
      expect(par.hits).toEqual(single.hits);
      expect(plain(par.summary)).toEqual(plain(single.summary));
    }
  });

  it('pooled workers are reused across runs; an abandoned run never leaks into the next one', async () => {
    const text = mixedLog(4000) + '\n';
    const path = join(dir, 'reuse.jsonl');
    writeFileSync(path, text);
    const single = await matchBuffer(text, index);
    for (let k = 0; k < 3; k++) {
      // leave a run after its first hit, while the workers still have ranges in flight
      for await (const h of matchFile(path, index, { workers: 2, blockBytes: 5000 })) {
        expect(h.lineNo).toBe(single.hits[0].lineNo);
        break;
      }
      const again = await matchFile(path, index, { workers: 2, blockBytes: 7000 }).collect();
      expect(again.hits).toEqual(single.hits);
      const streamed = await matchLogs(Readable.from([Buffer.from(text)]), index, { workers: 2, blockBytes: 30_000 }).collect();
      expect(streamed.hits).toEqual(single.hits);
    }
  });

  it('processFileRange: consecutive ranges own every line exactly once', () => {
    const text = mixedLog(150) + '\n\n' + 'tail 203.0.113.7';
    const path = join(dir, 'ranges.log');
    writeFileSync(path, text);
    const proc = new BlockProcessor(index, { maxLineBytes: 1 << 20, maxHitLineChars: 2048 });
    const fd = openSync(path, 'r');
    try {
      const whole: number[] = [];
      let lines = 0;
      processFileRange(fd, 0, text.length, { format: 'text' }, proc, (r) => {
        for (const h of r.hits) whole.push(h.lineNo + lines);
        lines += r.lines;
      });
      for (const step of [1, 2, 3, 50, 333, 1000, 7777]) {
        const got: number[] = [];
        let base = 0;
        let bytes = 0;
        for (let p = 0; p < text.length; p += step) {
          bytes += processFileRange(fd, p, Math.min(text.length, p + step), { format: 'text' }, proc, (r) => {
            for (const h of r.hits) got.push(h.lineNo + base);
            base += r.lines;
          }, 64);
        }
        expect(base).toBe(lines);
        expect(bytes).toBe(text.length);
        expect(got).toEqual(whole);
      }
    } finally {
      closeSync(fd);
    }
  });
});
