import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';

/** The machine a figure was measured on, written with every result. */
export function machine() {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
}

export function writeResult(name: string, result: Record<string, unknown>): string {
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, measuredAt: new Date().toISOString(), machine: machine(), ...result }, null, 2)}\n`);
  return file;
}

/**
 * A PostgreSQL database of its own for a benchmark (admin URL from RAMPART_TEST_PG_URL): created when
 * missing, dropped and created again with `fresh`. Returns its URL.
 */
export async function benchDatabase(name: string, fresh: boolean): Promise<string> {
  const { default: pg } = await import('pg');
  const adminUrl = process.env.RAMPART_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
    if (exists && fresh) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    if (!exists || fresh) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const root = path.resolve(import.meta.dirname, '..');
/** How benchmarks start Rampart and its CLI: the built dist/ when present, else the sources through tsx. */
export const built = existsSync(path.join(root, 'dist/server/main.js'));
/** The server's Node flags, as `npm start` gives them (docs/operations.md, "Node.js flags"). */
export const serverNodeFlags = ['--max-semi-space-size=64'];
export const serverArgs = [...serverNodeFlags, ...(built ? [path.join(root, 'dist/server/main.js')] : ['--import', 'tsx', path.join(root, 'src/server/main.ts')])];
export const cliArgs = built ? [path.join(root, 'dist/cli/main.js')] : [path.join(root, 'bin/rampart.js')];

export const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as AddressInfo).port;
    s.close(() => resolve(p));
  });
});

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** From spawn to the first 200 of /readyz. */
  ms: number;
  stop(): Promise<void>;
}

/** Rampart as a process of its own (as deployed: clients elsewhere), on a free port; resolves once /readyz answers 200. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, serverArgs, { env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null) throw new Error('server exited during start');
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - t0;
  const stop = () => new Promise<void>((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
  return { child, port, ms, stop };
}

/**
 * CPU seconds so far (utime + stime, 100 ticks/s, from Linux /proc) of each PostgreSQL backend connected
 * to `dbName`, by pid. null when PostgreSQL does not run on this machine (the first backend's /proc entry
 * cannot be read); a backend that exits between the query and the read is left out.
 */
export async function backendCpuSeconds(admin: pg.Client, dbName: string): Promise<Map<number, number> | null> {
  const pids = (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName])).rows.map((r) => r.pid);
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state f[0], utime f[11], stime f[12]
      out.set(pid, (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      if (out.size === 0 && pid === pids[0]) return null; // not a local server
    }
  }
  return out;
}
