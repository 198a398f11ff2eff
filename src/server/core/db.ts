import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, PostgresDialect, Migrator, sql, type Migration, type MigrationProvider, type RawBuilder, type Transaction } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './data-dir-lock.ts';
import { migrationsDir } from './paths.ts';

// Keep int8 (bigint, count(*)) as JS numbers where safe; timestamps stay Date.
pg.types.setTypeParser(20, (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

/** Kysely over either database. Modules declare their own table types and use `db.withTables<T>()`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tx = Transaction<any>;
export type DbOrTx = Db | Tx;

export interface Database {
  kind: 'pglite' | 'postgres';
  /** Connection string any PostgreSQL client can use (for PGlite: the in-process socket server). */
  url: string;
  pool: pg.Pool;
  db: Db;
  /** Only for PGlite: the in-process instance (dumps go through it). */
  pglite?: PGlite;
  /**
   * Only for PGlite: NOTIFY messages. PGlite is one backend shared by every socket connection, so a
   * notification comes back on the connection whose transaction sent it, not on the one that ran
   * LISTEN (measured: see docs/ARCHITECTURE.md). Every pooled connection forwards what it gets here.
   */
  notifications?: EventEmitter;
  /**
   * Only for PGlite: run every statement on the one pooled connection. pglite-socket multiplexes
   * several client connections onto PGlite's single backend message by message, and concurrent
   * statements outside a transaction can get each other's parameters (seen under load). So with
   * PGlite the pool holds exactly one connection (pg queues the rest), and pg-boss and LISTEN use it too.
   */
  singleConnection?: boolean;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; without it, PGlite. */
  url?: string;
  /** PGlite data directory (ignored with url). */
  dataDir?: string;
  /** An already created PGlite instance (tests load one from a golden image). */
  pglite?: PGlite;
  poolMax?: number;
  /** Take the data-dir lock (default true for a dataDir). */
  lock?: boolean;
}

/** Opens the database: PostgreSQL when a URL is given, otherwise PGlite served on a loopback socket. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolMax ?? 10 });
    pool.on('error', () => {
      /* an idle client's error: the pool replaces it */
    });
    const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    return {
      kind: 'postgres',
      url: opts.url,
      pool,
      db,
      async close() {
        await db.destroy();
      },
    };
  }
  let release = () => {};
  let pglite = opts.pglite;
  if (!pglite) {
    const dir = path.resolve(opts.dataDir ?? './data');
    if (opts.lock !== false) release = lockDataDir(dir);
    const pgDir = path.join(dir, 'pg');
    mkdirSync(pgDir, { recursive: true });
    try {
      pglite = await PGlite.create({ dataDir: pgDir });
    } catch (e) {
      release();
      throw e;
    }
  }
  const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1', maxConnections: 32 });
  await server.start();
  const address = server.getServerConn();
  const url = `postgres://postgres@${address}/postgres`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  const notifications = new EventEmitter();
  pool.on('connect', (client) => client.on('notification', (n) => notifications.emit('notification', n)));
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const instance = pglite;
  return {
    kind: 'pglite',
    url,
    pool,
    db,
    pglite: instance,
    notifications,
    singleConnection: true,
    async close() {
      await db.destroy();
      await server.stop();
      await instance.close();
      release();
    },
  };
}

const preparedNames = new Map<string, string>();

/**
 * Runs a read made on (nearly) every request — the actor behind a session or token, a list page — as
 * a named prepared statement on PostgreSQL: each pooled connection parses and plans it once and then
 * only binds and executes (planning the actor query cost more than running it: ~0.2 ms against
 * ~0.06 ms, measured with EXPLAIN ANALYZE). The name is a hash of the SQL text, so every distinct text
 * (a list with a different set of filters) is its own statement; the number of texts is bounded by the
 * code, not by the data. Not inside a transaction (it takes a pooled connection of its own).
 * On PGlite the statement runs unnamed, as Kysely would run it: PGlite is one backend shared by every
 * socket connection, so a name prepared by one connection would outlive it and collide with the next.
 */
export async function queryPrepared<R>(database: Database, query: RawBuilder<R>): Promise<R[]> {
  if (database.kind !== 'postgres') return (await query.execute(database.db)).rows;
  const { sql: text, parameters } = query.compile(database.db);
  let name = preparedNames.get(text);
  if (!name) {
    name = `rampart_${createHash('sha1').update(text).digest('hex')}`;
    if (preparedNames.size < 10_000) preparedNames.set(text, name);
  }
  const r = await database.pool.query<R & pg.QueryResultRow>({ name, text, values: parameters as unknown[] });
  return r.rows;
}

/**
 * Runs a read whose rows are arrays of each column's text as PostgreSQL sent it (NULL as null): no row
 * objects and no type parsing, for reads that pass stored text through untouched (TAXII's pages of
 * objects: a `jsonb` column read as `::text` is not parsed here only to be serialised again).
 * Unnamed, planned for its values, like a Kysely query.
 */
export async function queryTextArrays(database: Database, query: RawBuilder<unknown>): Promise<(string | null)[][]> {
  const { sql: text, parameters } = query.compile(database.db);
  const r = await database.pool.query<(string | null)[]>({ text, values: parameters as unknown[], rowMode: 'array', types: { getTypeParser: () => asText } });
  return r.rows;
}
const asText = (v: string) => v;

/**
 * The instant below which no row stamped at insert time (`clock_timestamp()`) can still appear: the
 * start of the oldest transaction that has written and not yet ended, or now — as UTC text with
 * microseconds. Every row a running writer has added, or will add, is stamped at or after its start,
 * so rows stamped before the horizon are all committed, and stay so for every later statement. Run it
 * as a statement of its own before the reads it bounds: a writer committing meanwhile is then either
 * seen running here or visible to their snapshots. A reader that resumes from a time cursor (TAXII's
 * `added_after` and `next`) reads below it, so an object committed late under an earlier stamp is never
 * skipped. pg_stat_get_activity shows the transactions of the same database role (Rampart's own);
 * PGlite has one backend, so its horizon is now. ≈ 0.03 ms (EXPLAIN ANALYZE, 100 connections allowed).
 */
export async function writeHorizon(db: DbOrTx): Promise<string> {
  const r = await sql<{ h: string }>`SELECT to_char(least(clock_timestamp(), min(a.xact_start)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS h
    FROM pg_stat_get_activity(NULL) a WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()`.execute(db);
  return r.rows[0]!.h;
}

/** Runs `fn` in one transaction: everything it writes (rows, audit entries, events, jobs) commits together. */
export function withTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

const migrationNames = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => f.replace(/\.sql$/, '')) : [];

/** SQL migrations (`migrations/NNNN_name.sql`), applied in order by Kysely's migrator (locked, recorded). */
class SqlFileProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of migrationNames(this.dir)) {
      out[name] = {
        up: async (db) => {
          await sql.raw(readFileSync(path.join(this.dir, `${name}.sql`), 'utf8')).execute(db);
        },
      };
    }
    return out;
  }
}

/**
 * True when every migration file is recorded as applied: two small queries. Kysely's migrator checks
 * its tables by introspecting every table and column of the database, twice, then locks — the largest
 * part of a start on an existing PGlite data directory — to find nothing to do.
 */
async function migrationsCurrent(db: Db, dir: string): Promise<boolean> {
  const present = await sql<{ t: string | null }>`SELECT to_regclass('kysely_migration')::text AS t`.execute(db);
  if (!present.rows[0]?.t) return false;
  const done = new Set((await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)).rows.map((r) => r.name));
  return migrationNames(dir).every((n) => done.has(n));
}

export async function migrate(db: Db, dir = migrationsDir): Promise<string[]> {
  if (await migrationsCurrent(db, dir)) return [];
  const migrator = new Migrator({ db, provider: new SqlFileProvider(dir), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Refreshes the planner statistics of every table (ANALYZE samples a bounded number of rows per table, so
 * this stays seconds on a large database). Boot calls it after a start that created or loaded data (the
 * 3,287 jurisdictions, the demo data): without statistics PostgreSQL guesses until autovacuum's first
 * pass (never, where autovacuum is off), and it chose a scan of every jurisdiction for the organisation
 * list (2x its PostgreSQL CPU).
 */
export async function refreshPlannerStatistics(db: Db): Promise<void> {
  await sql`ANALYZE`.execute(db);
}
