/**
 * Foundation benchmarks (issue: Foundation):
 *   1. start to ready on an existing data directory (PGlite) and on PostgreSQL: median of 5 starts;
 *   2. GET /api/organisations (authenticated, paginated) under autocannon for 30 s, on PostgreSQL and
 *      on PGlite: (a) as fast as it goes with 20 connections, (b) at a steady 1,000 requests/s, and
 *      (c) at 1,000 requests/s as autocannon's own rate limiter sends them (bursts; see steady()).
 * The server runs as its own process (the built dist/ when present), autocannon in this one.
 *
 *   npx tsx bench/foundation.bench.ts [--seconds 30] [--db pglite,postgres]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { built, cliArgs, startServerProcess, writeResult } from './machine.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const SECONDS = Number(arg('seconds', '30'));
const DBS = arg('db', 'pglite,postgres').split(',');
const PG_ADMIN = process.env.RAMPART_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cannon(url: string, token: string, opts: { connections: number; overallRate?: number }) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({ url, duration: SECONDS, connections: opts.connections, ...(opts.overallRate ? { overallRate: opts.overallRate } : {}), headers: { authorization: `Bearer ${token}` } }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * 1,000 requests/s, spread over the second. autocannon's rate limit (`overallRate`) gives each
 * connection its share per second and lets it send that share back to back as soon as its one-second
 * timer fires; all the timers start together, so `overallRate: 1000` over 50 connections is one burst
 * of 1,000 requests, 50 at a time, at the top of every second, then silence (lib/httpClient.js). Its p99
 * is the depth of that burst times the service time, not latency at 1,000 req/s. Here `CLIENTS`
 * autocannon instances of one keep-alive connection each, `RATE / CLIENTS` requests/s apiece, start
 * 1000 / CLIENTS ms apart, so their per-second batches tile the second. Latencies are every response's
 * own time (autocannon's 'response' event), percentiles over all of them; autocannon's
 * coordinated-omission correction is not used, so a stalled connection's late requests count only
 * from when they were sent: the burst run (c) below shows the worst case of that.
 */
async function steady(url: string, token: string, rate: number, clients: number) {
  const times: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const runs: Promise<void>[] = [];
  for (let i = 0; i < clients; i++) {
    await new Promise((r) => setTimeout(r, 1000 / clients));
    runs.push(new Promise<void>((resolve, reject) => {
      const inst = autocannon({ url, duration: SECONDS, connections: 1, connectionRate: rate / clients, headers: { authorization: `Bearer ${token}` } }, (err, res) => {
        if (err) return reject(err);
        non2xx += res.non2xx;
        errors += res.errors;
        timeouts += res.timeouts;
        resolve();
      });
      inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) times.push(ms);
      });
    }));
  }
  await Promise.all(runs);
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]! * 10) / 10;
  return { clients, requestsPerSecond: Math.round(times.length / SECONDS), p50Ms: pct(50), p90Ms: pct(90), p99Ms: pct(99), maxMs: pct(100), non2xx, errors, timeouts };
}

const results: Record<string, unknown> = { seconds: SECONDS, server: built ? 'dist (compiled)' : 'tsx (sources)' };
for (const db of DBS) {
  let env: Record<string, string>;
  let cleanup = async () => {};
  if (db === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-bench-'));
    env = { DATA_DIR: dir, SEED_DEMO: 'true', DATABASE_URL: '' };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS rampart_bench WITH (FORCE)');
    await admin.query('CREATE DATABASE rampart_bench');
    await admin.end();
    const u = new URL(PG_ADMIN);
    u.pathname = '/rampart_bench';
    env = { DATABASE_URL: u.toString(), SEED_DEMO: 'true', DATABASE_POOL_MAX: '20' };
  }
  // First start creates the database and the demo data; then measure starts on the existing data.
  const first = await startServerProcess(env);
  await first.stop();
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await startServerProcess(env);
    starts.push(s.ms);
    await s.stop();
  }
  const token = JSON.parse(execFileSync(process.execPath, [...cliArgs, '--json', 'tokens', 'create', '--email', 'official@az.demo', '--name', 'bench', '--scopes', 'read'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8' })).token as string;
  const s = await startServerProcess(env);
  const url = `http://127.0.0.1:${s.port}/api/organisations?page=2&pageSize=25`;
  const check = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (check.status !== 200) throw new Error(`list endpoint answered ${check.status}`);
  await cannon(url, token, { connections: 10 }).catch(() => null); // warm-up (JIT, pools)
  const max = await cannon(url, token, { connections: 20 });
  const fixed = await steady(url, token, 1000, 100);
  const burst = await cannon(url, token, { connections: 50, overallRate: 1000 });
  await s.stop();
  await cleanup();
  const summary = (r: autocannon.Result) => ({ requestsPerSecond: Math.round(r.requests.average), p50Ms: r.latency.p50, p90Ms: r.latency.p90, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts });
  results[db] = {
    startToReadyMs: { median: Math.round(median(starts)), all: starts.map(Math.round) },
    listMax: summary(max),
    listAt1000: fixed,
    listAt1000Bursts: { ...summary(burst), note: 'autocannon overallRate 1000 over 50 connections: one 1,000-request burst per second (see steady())' },
  };
  process.stdout.write(`${db}: start ${Math.round(median(starts))} ms; max ${summary(max).requestsPerSecond} req/s p99 ${max.latency.p99} ms; steady 1000 req/s p50 ${fixed.p50Ms} ms p99 ${fixed.p99Ms} ms; bursts p99 ${burst.latency.p99} ms\n`);
}
process.stdout.write(`wrote ${writeResult('foundation', results)}\n`);
