import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { migrate, openDatabase, type Database } from '../core/db.ts';
import { migrationsDir, projectRoot } from '../core/paths.ts';
import { loadConfig } from '../core/config.ts';
import { processAlive } from '../core/data-dir-lock.ts';
import { Jobs } from '../core/jobs/jobs.ts';
import { createDirectoryRepo } from '../modules/directory/directory.repo.ts';
import { createDirectoryService } from '../modules/directory/directory.service.ts';

/**
 * Test databases. A migrated database with reference data is built once per set of migrations
 * ("the image"), then every test file gets its own copy:
 *   PGlite   — a dumped data dir (.cache/test-db/<key>.tar.gz), loaded with PGlite.create({ loadDataDir }).
 *   Postgres — a template database rampart_tpl_<key>; each file gets CREATE DATABASE … TEMPLATE.
 */
export type TestDbKind = 'pglite' | 'postgres';
export const testDbKind = (): TestDbKind => (process.env.RAMPART_TEST_DB === 'postgres' ? 'postgres' : 'pglite');
export const adminUrl = () => process.env.RAMPART_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function imageKey(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(migrationsDir).sort()) h.update(f).update(readFileSync(path.join(migrationsDir, f)));
  h.update(readFileSync(path.join(projectRoot, 'src/server/test/db-image.ts')));
  h.update(readFileSync(path.join(projectRoot, 'package-lock.json')));
  return h.digest('hex').slice(0, 16);
}

const cacheDir = path.join(projectRoot, '.cache', 'test-db');
export const pgliteImagePath = (key: string) => path.join(cacheDir, `${key}.tar.gz`);
export const templateName = (key: string) => `rampart_tpl_${key}`;

async function prepare(database: Database): Promise<void> {
  await migrate(database.db);
  const repo = createDirectoryRepo(database);
  await createDirectoryService(database.db, repo).loadReferenceData();
  // pg-boss creates its schema on first start: do it once in the image.
  const jobs = new Jobs(database.url, database.singleConnection ? { pool: database.pool } : { max: 1 });
  await jobs.start({ workers: false });
  await jobs.stop();
}

export async function buildPgliteImage(key: string): Promise<string> {
  const file = pgliteImagePath(key);
  if (existsSync(file)) return file;
  mkdirSync(cacheDir, { recursive: true });
  const pglite = await PGlite.create();
  const database = await openDatabase({ pglite });
  await prepare(database);
  await database.db.destroy();
  const blob = await pglite.dumpDataDir('gzip');
  await pglite.close();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  renameSync(tmp, file);
  return file;
}

export async function buildPostgresTemplate(key: string): Promise<string> {
  const name = templateName(key);
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return name;
    await dropStaleTestDatabases(admin);
    const building = `${name}_building`;
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
    const url = new URL(adminUrl());
    url.pathname = `/${building}`;
    const database = await openDatabase({ url: url.toString(), poolMax: 2 });
    await prepare(database);
    await database.close();
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    await admin.query(`ALTER DATABASE "${name}" IS_TEMPLATE true`);
    return name;
  } finally {
    await admin.end();
  }
}

/**
 * Clears what earlier runs left, without pulling databases from under runs still going (another
 * checkout's suite, with another migration set, may be using its template and its test databases):
 * a test database goes only when the process named in it is gone; templates of other migration
 * sets (and half-built ones) go beyond the newest few (database oids grow with creation).
 */
async function dropStaleTestDatabases(admin: pg.Client, keepTemplates = 4): Promise<void> {
  const rows = (await admin.query(`SELECT datname FROM pg_database WHERE datname ~ '^rampart_(tpl|t)_' ORDER BY oid DESC`)).rows as { datname: string }[];
  let templates = 0;
  for (const { datname } of rows) {
    const owner = /^rampart_t_(\d+)_/.exec(datname);
    if (owner ? processAlive(Number(owner[1])) : ++templates <= keepTemplates) continue;
    await admin.query(`ALTER DATABASE "${datname}" IS_TEMPLATE false`).catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

let counter = 0;
/** A fresh database for one test file: a copy of the image. */
export async function openTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const key = process.env.RAMPART_TEST_IMAGE_KEY ?? imageKey();
  if (testDbKind() === 'pglite') {
    const file = await buildPgliteImage(key);
    const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(file)]) });
    const database = await openDatabase({ pglite });
    return { ...database, drop: () => database.close() };
  }
  const tpl = await buildPostgresTemplate(key);
  const name = `rampart_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tpl}"`);
      break;
    } catch (e) {
      // Two files copying the template at the same moment: PostgreSQL refuses the second; try again.
      if (attempt > 50 || !/being accessed by other users/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 5 });
  return {
    ...database,
    async drop() {
      await database.close();
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}

export const testConfig = (overrides: Record<string, string> = {}) =>
  loadConfig({ RAMPART_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', JOBS: 'false', DATA_DIR: path.join(projectRoot, '.cache', 'test-data', String(process.pid)), ...overrides });
