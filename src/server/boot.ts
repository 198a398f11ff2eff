import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadConfig, type Config } from './core/config.ts';
import { migrate, openDatabase, refreshPlannerStatistics, type Database, type Tx } from './core/db.ts';
import { Jobs } from './core/jobs/jobs.ts';
import { EventHub } from './core/events/events.ts';
import { createMailer, MAIL_JOB, type Mailer, type MailMessage } from './core/mail.ts';
import { SystemClock } from './core/clock.ts';
import { loadSecretBox } from './core/secrets.ts';
import type { Core, RampartModule } from './core/module.ts';
import { createModules, type Services } from './modules/index.ts';

export interface Rampart {
  app: FastifyInstance;
  core: Core & { clock: SystemClock };
  modules: RampartModule[];
  services: Services;
  /** Stop accepting, finish in-flight requests and jobs, close the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Config;
  /** An open database (tests); otherwise opened from the config. */
  database?: Database;
  /** Listen on HOST:PORT (default true). */
  listen?: boolean;
  /** Run job workers (default: config.JOBS). */
  workers?: boolean;
  log?: Logger;
  mailer?: Mailer;
  /** Run migrations (default true). */
  migrate?: boolean;
}

export async function startRampart(opts: StartOptions = {}): Promise<Rampart> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? pino({ level: config.LOG_LEVEL, base: { service: 'rampart' } });
  const database =
    opts.database ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolMax: config.database === 'postgres' ? config.DATABASE_POOL_MAX : 4 }));
  try {
    const migrated = opts.migrate !== false && (await migrate(database.db)).length > 0;
    const jobs = new Jobs(database.url, database.singleConnection ? { pool: database.pool } : { max: 4 });
    const events = new EventHub(database);
    const mailer = opts.mailer ?? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, outboxDir: path.join(config.dataDir, 'outbox') });
    const clock = new SystemClock();
    const { box: secrets, keyFile } = loadSecretBox(config);
    if (keyFile && config.database === 'postgres') log.warn({ keyFile }, 'SECRETS_KEY is not set: secrets are encrypted with a key kept in this node’s data directory; set the same SECRETS_KEY on every node');
    jobs.define<MailMessage>({ name: MAIL_JOB, handler: async (msg) => void (await mailer.send(msg)), retryLimit: 8, retryDelaySeconds: 10 });
    const mail = {
      async queue(tx: Tx, msg: MailMessage) {
        await jobs.send(MAIL_JOB, msg, { tx });
      },
    };
    const core = { config, database, jobs, events, mailer, mail, clock, log, secrets };
    const { modules, resolver, services } = createModules(core);
    let loaded = migrated;
    for (const m of modules) if ((await m.referenceData?.()) === true) loaded = true;
    if (config.SEED_DEMO) for (const m of modules) if ((await m.seedDemo?.()) === true) loaded = true;
    // Planner statistics for what this start created and loaded; a start that wrote nothing skips it.
    if (loaded) await refreshPlannerStatistics(database.db);
    await jobs.start({ workers: false });
    await events.start();
    const app = await buildApp({ core, modules, resolver });
    await app.ready();
    if (opts.listen ?? true) await app.listen({ port: config.PORT, host: config.HOST });
    // Workers poll from here on: their first fetches would otherwise wait in line with start's own SQL (PGlite: one connection).
    if (opts.workers ?? config.JOBS) await jobs.startWorkers();
    let closing: Promise<void> | null = null;
    return {
      app,
      core,
      modules,
      services,
      close() {
        closing ??= (async () => {
          await app.close();
          await jobs.stop();
          await events.stop();
          for (const m of modules) await m.stop?.();
          mailer.close();
          if (!opts.database) await database.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    if (!opts.database) await database.close().catch(() => {});
    throw e;
  }
}
