/**
 * Intel ingest benchmark: a generated STIX bundle (generateObjects, every object type) uploaded to
 * POST /api/intel/ingests and ingested by the real job (pg-boss worker, the same code path as
 * production), on a fresh database.
 *
 *   npx tsx bench/intel-ingest.bench.ts --objects 1000000 --db postgres|pglite [--seed 1] [--keep-db]
 *
 * The bundle is streamed to bench/.data/ (not committed) once per (seed, count). Reports the job's
 * objects/s (from the ingest row's started/finished times), the upload time, and the peak RSS of
 * this process (server and job included), sampled every 50 ms. Writes bench/results/intel-ingest-<db>.json.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import { generateObjects } from '../src/lib/stix/index.ts';
import { startRampart } from '../src/server/boot.ts';
import { loadConfig } from '../src/server/core/config.ts';
import { systemActor } from '../src/server/core/access/actor.ts';
import { projectRoot } from '../src/server/core/paths.ts';
import { backendCpuSeconds } from './machine.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const objects = Number(arg('objects', '20000'));
const db = arg('db', 'postgres') as 'postgres' | 'pglite';
const seed = Number(arg('seed', '1'));
/** --keep-db: leave the PostgreSQL bench database in place (its name is printed) to inspect tables and indexes. */
const keepDb = args.includes('--keep-db');
const adminUrl = process.env.RAMPART_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (!Number.isSafeInteger(objects) || objects < 1 || (db !== 'postgres' && db !== 'pglite')) {
  process.stderr.write('usage: tsx bench/intel-ingest.bench.ts --objects N --db postgres|pglite\n');
  process.exit(2);
}

const dataDir = path.join(projectRoot, 'bench', '.data');
mkdirSync(dataDir, { recursive: true });

/** Streams the bundle to disk with backpressure: memory stays flat whatever the count. */
async function bundleFile(): Promise<string> {
  const file = path.join(dataDir, `intel-bundle-s${seed}-n${objects}.json`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-${String(seed).padStart(12, '0')}","objects":[`);
  let first = true;
  let buf = '';
  for (const o of generateObjects(seed, objects)) {
    buf += (first ? '' : ',') + JSON.stringify(o);
    first = false;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(`${buf}]}`);
  out.end();
  await once(out, 'finish');
  renameSync(tmp, file);
  return file;
}

/**
 * CPU time (µs) of the PostgreSQL backends serving the bench database (a local server only; null
 * otherwise). A backend that exits is counted up to its last reading: the bench reads them at every
 * status poll (250 ms), so at most that much of an exiting backend's time is lost.
 */
async function backendCpu(adminClient: pg.Client | null, dbName: string | null): Promise<Map<number, number> | null> {
  if (!adminClient || !dbName) return null;
  const seconds = await backendCpuSeconds(adminClient, dbName);
  return seconds && new Map([...seconds].map(([pid, s]) => [pid, s * 1e6]));
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

async function main() {
  const t0 = performance.now();
  const file = await bundleFile();
  const bytes = statSync(file).size;
  process.stdout.write(`bundle: ${file} (${(bytes / 1048576).toFixed(1)} MB, ${objects} objects; ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);

  const runDir = path.join(dataDir, `intel-ingest-run-${db}-${process.pid}`);
  rmSync(runDir, { recursive: true, force: true });
  let dbName: string | null = null;
  let url: string | undefined;
  if (db === 'postgres') {
    dbName = `rampart_bench_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const config = loadConfig({ RAMPART_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', JOBS: 'true', DATA_DIR: runDir, ...(url ? { DATABASE_URL: url } : {}) });
  const r = await startRampart({ config, listen: false, workers: true });
  try {
    const sys = systemActor('bench');
    const org = await r.services.directory.createOrg(sys, { name: 'Bench org', kind: 'national_hub', parentId: null, jurisdictionFips: null, website: null, description: '', contacts: [], communityIds: [] });
    const userId = await r.services.auth.createUser(sys, { email: 'bench@bench.test', name: 'Bench', password: 'correct horse battery staple', memberships: [{ orgId: org.id, role: 'analyst' }] });
    const me = { kind: 'user' as const, userId, name: 'Bench', orgId: org.id, orgKind: null, orgPath: [org.id], communityIds: [], role: 'analyst' as const, platformAdmin: false, scopes: null };
    const { token } = await r.services.auth.createToken(me, { name: 'bench', scopes: ['read', 'write'], orgId: org.id });
    const auth = { authorization: `Bearer ${token}` };

    const tUp = performance.now();
    const up = await r.app.inject({ method: 'POST', url: '/api/intel/ingests?kind=stix&tlp=GREEN&filename=bench.json', headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: createReadStream(file) });
    if (up.statusCode !== 202) throw new Error(`upload: ${up.statusCode} ${up.body}`);
    const uploadSeconds = (performance.now() - tUp) / 1000;
    const id = up.json().id as string;
    const cpu0 = process.cpuUsage();
    const local = /^(127\.0\.0\.1|localhost)$/.test(new URL(adminUrl).hostname) && dbName ? new pg.Client({ connectionString: adminUrl }) : null;
    await local?.connect();
    const pg0 = await backendCpu(local, dbName);
    /** Last reading of every backend seen during the run (backends of pg-boss and the pool come and go). */
    const pgLast = new Map(pg0 ?? []);
    let last = '';
    let v: Record<string, unknown>;
    for (;;) {
      v = (await r.app.inject({ method: 'GET', url: `/api/intel/ingests/${id}`, headers: auth })).json();
      const line = `${v.status} ${v.total}/${objects} inserted=${v.inserted} rss=${Math.round(process.memoryUsage().rss / 1048576)}MB`;
      if (line !== last && Number(v.total) % 50000 < 1000) process.stdout.write(`  ${line}\n`);
      last = line;
      if (v.status === 'complete' || v.status === 'failed') break;
      for (const [pid, t] of (await backendCpu(local, dbName)) ?? []) pgLast.set(pid, t);
      await new Promise((res) => setTimeout(res, 250));
    }
    if (v.status !== "complete" || Number(v.inserted) + Number(v.duplicates) !== objects) throw new Error(`ingest ended ${v.status}: ${JSON.stringify({ ...v, errors: (v.errors as unknown[]).slice(0, 3) })}`);
    const seconds = (Date.parse(String(v.finishedAt)) - Date.parse(String(v.startedAt))) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pg1 = await backendCpu(local, dbName);
    await local?.end();
    let pgCpu: number | null = null;
    if (pg0 && pg1) {
      for (const [pid, t] of pg1) pgLast.set(pid, t);
      pgCpu = 0;
      for (const [pid, t] of pgLast) pgCpu += t - (pg0.get(pid) ?? 0);
    }
    const result = {
      name: 'intel ingest (STIX bundle upload → job)',
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      db,
      objects,
      bundleMb: Math.round((bytes / 1048576) * 10) / 10,
      uploadSeconds: Math.round(uploadSeconds * 100) / 100,
      seconds: Math.round(seconds * 100) / 100,
      objectsPerSecond: Math.round(objects / seconds),
      peakRssMb: Math.round(peakRss / 1048576),
      // CPU per object: this process (server, job, polling) and the database backends (local PostgreSQL only).
      nodeCpuUsPerObject: Math.round(((cpu.user + cpu.system) / objects) * 10) / 10,
      postgresCpuUsPerObject: pgCpu === null ? null : Math.round((pgCpu / objects) * 10) / 10,
    };
    mkdirSync(path.join(projectRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(projectRoot, 'bench', 'results', `intel-ingest-${db}.json`), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await r.close();
    clearInterval(sampler);
    rmSync(runDir, { recursive: true, force: true });
    if (dbName && keepDb) process.stdout.write(`kept database ${dbName}\n`);
    else if (dbName) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.end();
    }
  }
}

main().catch((e) => {
  clearInterval(sampler);
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
