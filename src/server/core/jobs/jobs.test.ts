import { afterAll, describe, expect, test } from 'vitest';
import { openTestDatabase } from '../../test/db-image.ts';
import { Jobs } from './jobs.ts';

/**
 * Jobs.stop against a handler that outlives pg-boss's graceful wait: the caller closes the database
 * right after stop, so stop must not return while that handler (or pg-boss's completion write after
 * it) can still reach the pool.
 */
describe('Jobs.stop', () => {
  const opened: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const d of opened) await d.drop();
  });

  test('waits for a handler still running when pg-boss gives up waiting', async () => {
    const database = await openTestDatabase();
    opened.push(database);
    const jobs = new Jobs(database.url, database.singleConnection ? { pool: database.pool } : { max: 1 });
    // The handler is held until pg-boss has finished its own stop (graceful wait timed out, jobs failed),
    // then uses the database: exactly the order that reached a closed pool before.
    let bossStopped!: () => void;
    const gate = new Promise<void>((resolve) => (bossStopped = resolve));
    jobs.raw.on('stopped', () => bossStopped());
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const seen: string[] = [];
    jobs.define<{ n: number }>({
      name: 'test-slow',
      handler: async (data) => {
        started();
        await gate;
        const r = await database.pool.query<{ n: number }>('SELECT $1::int + 1 AS n', [data.n]);
        seen.push(`done ${r.rows[0]!.n}`);
      },
    });
    await jobs.start();
    await jobs.send('test-slow', { n: 41 });
    await running;
    await jobs.stop(1_000);
    expect(seen).toEqual(['done 42']);
  });

  test('stop before start, and a second stop, do nothing', async () => {
    const database = await openTestDatabase();
    opened.push(database);
    const jobs = new Jobs(database.url, database.singleConnection ? { pool: database.pool } : { max: 1 });
    await expect(jobs.stop()).resolves.toBeUndefined();
    await jobs.start({ workers: false });
    await expect(jobs.stop()).resolves.toBeUndefined();
    await expect(jobs.stop()).resolves.toBeUndefined();
  });
});
