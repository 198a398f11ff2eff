import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Database } from './db.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { EventHub } from './events/events.ts';
import type { Mailer, MailQueue } from './mail.ts';
import type { Clock } from './clock.ts';
import type { SecretBox } from './secrets.ts';

/** What the core hands every module. */
export interface Core {
  config: Config;
  database: Database;
  jobs: Jobs;
  events: EventHub;
  mailer: Mailer;
  /** Mail enqueued in a transaction and sent by a worker (use this, not mailer.send, for mail caused by a change). */
  mail: MailQueue;
  clock: Clock;
  log: Logger;
  /** Encrypts secrets kept at rest (AES-256-GCM under SECRETS_KEY); see core/secrets.ts. */
  secrets: SecretBox;
}

/**
 * A module is one capability (directory, auth, intel, alerts…): its routes under /api/<name>, its
 * background jobs, its demo data. app.ts lists modules once; the core knows nothing of them.
 */
export interface RampartModule {
  name: string;
  /** Registered under the /api prefix. */
  routes?: (app: FastifyInstance) => Promise<void> | void;
  /** Routes outside /api (TAXII, feeds, public pages). */
  rootRoutes?: (app: FastifyInstance) => Promise<void> | void;
  /** Idempotent reference data loaded after migrations (jurisdictions…); true when it wrote rows. */
  referenceData?: () => Promise<boolean | void>;
  /** Demo data, loaded once into an empty database when SEED_DEMO is on; true when it wrote rows. */
  seedDemo?: () => Promise<boolean | void>;
  /** Re-encrypts the module's stored secrets under the current SECRETS_KEY (`rampart secrets rotate`). */
  rotateSecrets?: () => Promise<{ what: string; reencrypted: number; failed: number }[]>;
  stop?: () => Promise<void>;
}
