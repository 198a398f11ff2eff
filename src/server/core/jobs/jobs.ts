import PgBoss from 'pg-boss';
import pg, { type Pool } from 'pg';
import { CompiledQuery } from 'kysely';
import type { Tx } from '../db.ts';

/**
 * Durable background jobs in the database (pg-boss): retries with backoff, schedules, and a job sent
 * before a crash runs after restart. `send(…, { tx })` enqueues inside the caller's transaction, so a
 * change and the work it causes commit together.
 */
export interface JobDefinition<T extends object = object> {
  name: string;
  handler: (data: T, job: { id: string; retryCount: number }) => Promise<void>;
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** Cron schedule (UTC) that enqueues this job with `{}`. */
  cron?: string;
  batchSize?: number;
}

/** How long a worker waits before looking at an empty queue again. */
const POLL_SECONDS = 0.5;

export class Jobs {
  private boss: PgBoss;
  private readonly defs = new Map<string, JobDefinition>();
  private started = false;
  private working = false;
  /** The pool Jobs opened itself (closed by stop), when the caller gave none. */
  private readonly ownPool: Pool | null;
  /** Handlers running now, and pg-boss's SQL in flight: stop waits for both (see stop). */
  private readonly running = new Set<Promise<unknown>>();
  private readonly sqlInFlight = new Set<Promise<unknown>>();
  /** Set when stop has finished: pg-boss's SQL after that is dropped (see the constructor). */
  private closed = false;

  /**
   * With `pool`, pg-boss runs its SQL through that pool (PGlite: the one connection); without, through
   * a pool of `max` connections that Jobs opens and closes. Either way pg-boss's SQL goes through
   * Jobs, so that stop can wait for what is still in flight.
   */
  constructor(connectionString: string, opts: { max?: number; pool?: Pool } = {}) {
    this.ownPool = opts.pool ? null : new pg.Pool({ connectionString, max: opts.max ?? 2, application_name: 'rampart-jobs' });
    if (this.ownPool) this.ownPool.on('error', () => {
      /* an idle client's error: the pool replaces it */
    });
    const pool = opts.pool ?? this.ownPool!;
    // pg-boss's timers can still fire after its stop (a clock-skew check or a maintenance pass started
    // just before): its own pool wrapper answers those with nothing once closed, and so does this one,
    // instead of reaching a pool the caller has ended.
    const executeSql = (text: string, values?: unknown[]) =>
      this.closed ? Promise.resolve(undefined as unknown as pg.QueryResult) : this.track(this.sqlInFlight, pool.query(text, values as unknown[]));
    this.boss = new PgBoss({
      db: { executeSql },
      schema: 'pgboss',
    });
    this.boss.on('error', () => {
      /* pg-boss retries its own maintenance; job failures are recorded on the job */
    });
  }

  define<T extends object>(def: JobDefinition<T>): void {
    this.defs.set(def.name, def as JobDefinition);
  }

  /**
   * Creates the queues that do not exist yet (one query lists them: pg-boss's create_queue does nothing
   * for an existing queue, so a start on an existing database creates none) and the schedules; with
   * `workers` (default), also starts polling them (see startWorkers).
   */
  async start(opts: { workers?: boolean } = {}): Promise<void> {
    await this.boss.start();
    this.started = true;
    const existing = new Set((await this.boss.getQueues()).map((q) => q.name));
    for (const def of this.defs.values()) {
      if (!existing.has(def.name)) {
        await this.boss.createQueue(def.name, {
          name: def.name,
          retryLimit: def.retryLimit ?? 5,
          retryDelay: def.retryDelaySeconds ?? 5,
          retryBackoff: true,
        });
      }
      if (def.cron) await this.boss.schedule(def.name, def.cron, {});
    }
    if (opts.workers ?? true) await this.startWorkers();
  }

  /**
   * Starts polling every queue (once). Boot calls it after the app listens: each worker fetches at
   * once when registered, and on PGlite (one connection) those first fetches would queue ahead of the
   * rest of start.
   */
  async startWorkers(): Promise<void> {
    if (this.working) return;
    this.working = true;
    for (const def of this.defs.values()) {
      let workerId = '';
      workerId = await this.boss.work<object>(
        def.name,
        { batchSize: def.batchSize ?? 1, pollingIntervalSeconds: POLL_SECONDS },
        async (jobs) => {
          for (const j of jobs) await this.track(this.running, def.handler(j.data, { id: j.id, retryCount: 0 }));
          // The queue had work: fetch the next job at once. pg-boss otherwise waits out the rest of the
          // polling interval after every job, which paced a queue of short jobs at one job per 0.5 s
          // (alert mail: ~250 mails a job, capped at ~500 mails/s). The interval is for an empty queue;
          // a failed job does not get here (its retry waits for its backoff anyway).
          if (workerId) this.boss.notifyWorker(workerId);
        },
      );
    }
  }

  async send<T extends object>(name: string, data: T, opts: { tx?: Tx; startAfter?: Date | number; singletonKey?: string } = {}): Promise<string | null> {
    if (!this.defs.has(name)) throw new Error(`Unknown job ${name}`);
    const db = opts.tx ? txAdapter(opts.tx) : undefined;
    return this.boss.send(name, data, {
      ...(db ? { db } : {}),
      ...(opts.startAfter !== undefined ? { startAfter: opts.startAfter } : {}),
      ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
    });
  }

  /**
   * Stops fetching and waits for running handlers (graceful). pg-boss waits up to `timeoutMs`, then
   * marks the jobs still running as failed (they are retried) and returns; their handlers go on,
   * though, and pg-boss writes each job's completion without awaiting it. So stop then waits, up to
   * `timeoutMs` more, for those handlers and for every pg-boss statement in flight: the caller closes
   * the database next, and a handler or statement reaching a closed pool would be an unhandled
   * rejection ("Cannot use a pool after calling end on the pool").
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (const set of [this.running, this.sqlInFlight]) {
      while (set.size > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline - Date.now())));
        await Promise.race([Promise.allSettled([...set]), timeout]);
        clearTimeout(timer);
      }
    }
    this.closed = true;
    await this.ownPool?.end();
  }

  /** Inflight bookkeeping: `p` is in `set` until it settles. */
  private track<T>(set: Set<Promise<unknown>>, p: Promise<T>): Promise<T> {
    set.add(p);
    const done = () => set.delete(p);
    p.then(done, done);
    return p;
  }

  get raw(): PgBoss {
    return this.boss;
  }
}

function txAdapter(tx: Tx) {
  return {
    async executeSql(text: string, values: unknown[]) {
      const r = await tx.executeQuery(CompiledQuery.raw(text, values));
      return { rows: r.rows as unknown[] };
    },
  };
}
