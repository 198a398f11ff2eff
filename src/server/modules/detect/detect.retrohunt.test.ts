import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRampart, createWorld, nullMailer, type TestRampart, type World } from '../../test/harness.ts';
import { detectKit, until } from './detect.testkit.ts';

/**
 * Retro-hunt and retention. The live event queues the retro-hunt job (asserted in pgboss.job); the test
 * then runs the job's handler itself rather than racing job workers against its reads: on PGlite, statements
 * of concurrent pool connections can interleave (see README), which made worker-driven runs flaky.
 */
let r: TestRampart;
let w: World;
let k: ReturnType<typeof detectKit>;
const mailer = nullMailer();
beforeAll(async () => {
  r = await createTestRampart({ mailer });
  w = await createWorld(r);
  k = detectKit(r, w);
});
afterAll(async () => r?.close());

describe('retro-hunt', () => {
  test('upload first, then a new indicator arrives: a hit and a sighting appear and the organisation is notified', async () => {
    const up = (await k.upload('MARICOPA_ADMIN', 'dns query late.example\nconn 100.83.4.4\nnothing\n', 'format=text&tlp=GREEN&filename=old.log')).json();
    expect(up).toMatchObject({ status: 'complete', hits: 0 });
    // an AMBER Georgia indicator Maricopa may not see: no retro-hunt hit for Maricopa, ever
    const hidden = await k.indicator('GA_ANALYST', "[ipv4-addr:value = '100.83.4.4']", 'AMBER', 'hidden-from-az');
    const ind = await k.indicator('HUB_ANALYST', "[domain-name:value = 'late.example']", 'GREEN', 'late-arrival');

    const jobs = async () => (await sql<{ data: { since: string } }>`SELECT data FROM pgboss.job WHERE name = 'detect.retrohunt' ORDER BY created_on`.execute(r.core.database.db)).rows;
    const queued = await until(async () => ((await jobs()).length >= 2 ? await jobs() : null));
    for (const j of queued) await k.service.retroHunt(new Date(j.data.since)); // what the job handler does
    const hits = await k.hits('MARICOPA_ADMIN', `runId=${up.id}`);
    expect(hits.map((h) => [h.indicatorId, h.lineNo, h.foundBy])).toEqual([[ind, 1, 'retrohunt']]);
    expect(hits[0]!.sightingId).toMatch(/^sighting--/);
    const sighting = (await w.as('HUB_ANALYST').get(`/api/intel/objects/${hits[0]!.sightingId}`)).json();
    expect(sighting.object).toMatchObject({ sighting_of_ref: ind, count: 1 });
    expect(sighting.sharing.tlp).toBe('GREEN');
    const run = (await w.as('MARICOPA_ADMIN').get(`/api/detect/runs/${up.id}`)).json();
    expect(run.retroHits).toBe(1);

    const evs = (await k.events('detect.retrohunt.hit')).filter((e) => e.owner_org_id === w.org.COUNTY_MARICOPA);
    expect(evs).toHaveLength(1);
    const ev = evs[0]!;
    expect(ev).toMatchObject({ tlp: 'AMBER+STRICT', recipient_org_ids: [w.org.COUNTY_MARICOPA] });
    expect(ev.payload).toMatchObject({ hits: 1, indicators: [{ id: ind, name: 'late-arrival', lines: 1 }] });
    const mails = (await sql<{ data: { to: string[]; subject: string; text: string } }>`SELECT data FROM pgboss.job WHERE name = 'core.mail'`.execute(r.core.database.db)).rows
      .map((m) => m.data).filter((m) => m.subject.includes('retro-hunt'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['duty@county-maricopa.test']);
    expect(mails[0]!.text).toContain('late-arrival');

    // running the same retro-hunts again adds nothing (idempotent), and Georgia's AMBER indicator never reached Maricopa
    for (const j of queued) expect((await k.service.retroHunt(new Date(j.data.since))).hits).toBe(0);
    const all = await k.hits('MARICOPA_ADMIN');
    expect(all.map((h) => h.indicatorId)).not.toContain(hidden);
    expect(await k.hits('MARICOPA_ADMIN', `runId=${up.id}`)).toHaveLength(1);
    expect((await w.as('HUB_ANALYST').get(`/api/intel/objects/${hits[0]!.sightingId}`)).json().object.count).toBe(1);
  });
});

describe('retention', () => {
  test('logs older than LOG_RETENTION_DAYS are deleted; runs and hits stay', async () => {
    const up = (await k.upload('AZ_ANALYST', 'keep me for a while\n', 'format=text')).json();
    const file = path.join(r.core.config.dataDir, 'logs', w.org.STATE_AZ, `${up.id}.gz`);
    expect(existsSync(file)).toBe(true);
    expect(await k.service.retention()).toBe(0);
    r.core.clock.advance((r.core.config.LOG_RETENTION_DAYS + 1) * 24 * 3600 * 1000);
    expect(await k.service.retention()).toBeGreaterThanOrEqual(1);
    expect(existsSync(file)).toBe(false);
    const run = (await w.as('AZ_ANALYST').get(`/api/detect/runs/${up.id}`)).json();
    expect(run).toMatchObject({ logRetained: false, status: 'complete' });
  });
});
