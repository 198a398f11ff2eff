/**
 * Log-matching benchmark: deterministic JSON-lines DNS/conn logs and indicators, index build time, lines/s,
 * peak RSS, and `LC_ALL=C grep -F -f values.txt logs.jsonl | wc -l` on the same data for comparison.
 *
 *   npx tsx bench/logmatch.bench.ts [--lines N] [--indicators N] [--workers N|auto] [--no-grep] [--seed N] [--stream]
 *
 * With workers the log file is read by the workers in byte ranges (a fresh fs.ReadStream goes that way);
 * `--stream` wraps it in a generic async iterable to measure the stream path (main thread reads, copies blocks).
 * `cpuSeconds` is the process CPU time (all threads) of the match: on a loaded machine lines per CPU-second
 * is steadier than wall-clock lines/s.
 *
 * Generated data is cached in bench/.data/ (not committed); results go to bench/results/logmatch.json.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, availableParallelism } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIndex, matchLogs, formatIPv4, type IndicatorValue } from '../src/lib/logmatch/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function arg(name: string, def: string): string {
  const k = args.indexOf(`--${name}`);
  return k >= 0 && k + 1 < args.length ? args[k + 1] : def;
}
const LINES = Number(arg('lines', '10000000'));
const INDICATORS = Number(arg('indicators', '1000000'));
const SEED = Number(arg('seed', '42'));
const WORKERS = arg('workers', 'auto');
const RUN_GREP = !args.includes('--no-grep');
const STREAM = args.includes('--stream');

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYL = ['ka', 'lo', 'mi', 'net', 'ser', 'vo', 'tra', 'pix', 'al', 'ex', 'cor', 'dat', 'fin', 'gov', 'vote', 'elect', 'ra', 'zu', 'quo', 'nex'];
const TLD = ['com', 'net', 'org', 'gov', 'us', 'io', 'info', 'biz', 'co', 'example'];
const SUB = ['www', 'mail', 'api', 'cdn', 'login', 'static', 'vpn', 'portal'];

function word(r: () => number, n = 2 + Math.floor(r() * 3)): string {
  let s = '';
  for (let k = 0; k < n; k++) s += SYL[Math.floor(r() * SYL.length)];
  return s;
}
function hex(r: () => number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}
function ip(r: () => number): number {
  return Math.floor(r() * 0xdfffffff) + 0x01000000;
}

interface Dataset {
  indicators: IndicatorValue[];
  /** indicator samples used to plant hits in logs */
  hitIps: string[];
  hitDomains: string[];
}

function makeIndicators(n: number, seed: number): Dataset {
  const r = rng(seed);
  const indicators: IndicatorValue[] = [];
  const hitIps: string[] = [];
  const hitDomains: string[] = [];
  for (let k = 0; k < n; k++) {
    const id = `indicator--${k.toString(16).padStart(8, '0')}`;
    const x = r();
    if (x < 0.45) {
      const v = formatIPv4(ip(r));
      indicators.push({ id, kind: 'ipv4', value: v });
      if (hitIps.length < 5000) hitIps.push(v);
    } else if (x < 0.5) {
      const p = 22 + Math.floor(r() * 11);
      indicators.push({ id, kind: 'cidr4', value: `${formatIPv4(ip(r))}/${p}` });
    } else if (x < 0.8) {
      const v = `${word(r)}-${k.toString(36)}.${TLD[Math.floor(r() * TLD.length)]}`;
      indicators.push({ id, kind: 'domain', value: v });
      if (hitDomains.length < 5000) hitDomains.push(v);
    } else if (x < 0.9) {
      indicators.push({ id, kind: 'url', value: `http://${word(r)}-${k.toString(36)}.com/${word(r)}/${hex(r, 8)}.php` });
    } else {
      indicators.push({ id, kind: 'sha256', value: hex(r, 64) });
    }
  }
  return { indicators, hitIps, hitDomains };
}

async function writeLogs(path: string, lines: number, seed: number, ds: Dataset): Promise<void> {
  const r = rng(seed ^ 0x9e3779b9);
  const tmp = path + '.tmp';
  const out = createWriteStream(tmp, { highWaterMark: 1 << 22 });
  let buf = '';
  let ts = 1714521600;
  const popular: string[] = [];
  for (let k = 0; k < 20000; k++) popular.push(`${SUB[k % SUB.length]}.${word(r)}.${TLD[Math.floor(r() * TLD.length)]}`);
  for (let i = 0; i < lines; i++) {
    ts += r() * 0.01;
    const uid = 'C' + hex(r, 17);
    const orig = `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const plant = r() < 0.002;
    let line: string;
    if (r() < 0.6) {
      const q = plant && ds.hitDomains.length ? `${SUB[i % SUB.length]}.${ds.hitDomains[Math.floor(r() * ds.hitDomains.length)]}` : popular[Math.floor(r() * popular.length)];
      const ans = formatIPv4(ip(r));
      line = `{"ts":${ts.toFixed(6)},"uid":"${uid}","id.orig_h":"${orig}","id.orig_p":${1024 + Math.floor(r() * 60000)},"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","trans_id":${Math.floor(r() * 65536)},"query":"${q}","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["${ans}"],"TTLs":[300.0],"rejected":false}`;
    } else {
      const resp = plant && ds.hitIps.length ? ds.hitIps[Math.floor(r() * ds.hitIps.length)] : formatIPv4(ip(r));
      line = `{"ts":${ts.toFixed(6)},"uid":"${uid}","id.orig_h":"${orig}","id.orig_p":${1024 + Math.floor(r() * 60000)},"id.resp_h":"${resp}","id.resp_p":443,"proto":"tcp","service":"ssl","duration":${(r() * 30).toFixed(6)},"orig_bytes":${Math.floor(r() * 1e5)},"resp_bytes":${Math.floor(r() * 1e6)},"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":${Math.floor(r() * 200)},"resp_pkts":${Math.floor(r() * 900)}}`;
    }
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
  renameSync(tmp, path);
}

async function writeValues(path: string, ds: Dataset): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  for (const v of ds.indicators) {
    buf += v.value + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

function runGrep(values: string, logs: string): Promise<{ seconds: number; count: number; error?: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn('sh', ['-c', 'LC_ALL=C grep -F -f "$1" "$2" | wc -l', 'sh', values, logs], { env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ seconds: (performance.now() - t0) / 1000, count: Number(out.trim()), error: code ? err || `exit ${code}` : undefined }));
  });
}

async function main(): Promise<void> {
  const dataDir = join(here, '.data');
  mkdirSync(dataDir, { recursive: true });
  const tag = `s${SEED}-i${INDICATORS}`;
  const valuesPath = join(dataDir, `logmatch-values-${tag}.txt`);
  const logsPath = join(dataDir, `logmatch-logs-${tag}-l${LINES}.jsonl`);

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);

  const tg = performance.now();
  const ds = makeIndicators(INDICATORS, SEED);
  if (!existsSync(valuesPath)) await writeValues(valuesPath, ds);
  if (!existsSync(logsPath)) {
    console.log(`generating ${LINES} log lines → ${logsPath}`);
    await writeLogs(logsPath, LINES, SEED, ds);
    console.log(`data ready in ${((performance.now() - tg) / 1000).toFixed(1)} s; measuring in a fresh process`);
    // measure in a fresh process so the generator's memory does not count in the peak RSS
    clearInterval(sampler);
    const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const t0 = performance.now();
  const index = buildIndex(ds.indicators);
  const buildSeconds = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  console.log(`index: ${index.stats.values} values (${index.stats.rejected} rejected) built in ${buildSeconds.toFixed(2)} s`);

  const workers = WORKERS === 'auto' ? availableParallelism() : Number(WORKERS);
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const file = createReadStream(logsPath, { highWaterMark: 1 << 20 });
  async function* generic(): AsyncGenerator<Buffer> {
    for await (const c of file) yield c as Buffer;
  }
  const run = matchLogs(STREAM ? generic() : file, index, { workers });
  let hits = 0;
  for await (const _ of run) hits++;
  const matchSeconds = (performance.now() - t1) / 1000;
  const cu = process.cpuUsage(c1);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  clearInterval(sampler);
  // maxRSS covers the whole process (main thread, workers, index build with the indicator list in memory)
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  const s = run.summary;
  const linesPerSecond = s.lines / matchSeconds;
  console.log(`matched ${s.lines} lines (${(s.bytes / 1e6).toFixed(0)} MB) in ${matchSeconds.toFixed(2)} s with ${workers || 1} thread(s)${workers > 1 ? (STREAM ? ' (stream path)' : ' (file ranges)') : ''}: ${Math.round(linesPerSecond)} lines/s, CPU ${cpuSeconds.toFixed(1)} s (${Math.round(s.lines / cpuSeconds)} lines per CPU-s), ${hits} hits on ${s.hitLines} lines, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`);

  let grep: { seconds: number | null; linesPerSecond: number | null; matchingLines?: number; error?: string } = { seconds: null, linesPerSecond: null };
  if (RUN_GREP) {
    console.log('running LC_ALL=C grep -F -f values.txt logs.jsonl | wc -l …');
    const g = await runGrep(valuesPath, logsPath);
    grep = { seconds: g.seconds, linesPerSecond: s.lines / g.seconds, matchingLines: g.count, error: g.error };
    console.log(`grep: ${g.seconds.toFixed(2)} s, ${Math.round(s.lines / g.seconds)} lines/s, ${g.count} matching lines${g.error ? ` (error: ${g.error})` : ''}`);
  }

  const result = {
    name: 'logmatch',
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    lines: s.lines,
    bytes: s.bytes,
    indicators: index.stats.values,
    workers: workers || 1,
    path: workers > 1 ? (STREAM ? 'stream' : 'file-ranges') : 'single-thread',
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    linesPerCpuSecond: Math.round(s.lines / cpuSeconds),
    buildSeconds: Number(buildSeconds.toFixed(3)),
    matchSeconds: Number(matchSeconds.toFixed(3)),
    linesPerSecond: Math.round(linesPerSecond),
    hits,
    hitLines: s.hitLines,
    peakRssMb: Math.round(peakRss / 2 ** 20),
    grep: { seconds: grep.seconds === null ? null : Number(grep.seconds.toFixed(3)), linesPerSecond: grep.linesPerSecond === null ? null : Math.round(grep.linesPerSecond), matchingLines: grep.matchingLines, error: grep.error },
    ratio: grep.seconds ? Number((grep.seconds / matchSeconds).toFixed(2)) : null,
    date: new Date().toISOString(),
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'logmatch.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result));
}

await main();
