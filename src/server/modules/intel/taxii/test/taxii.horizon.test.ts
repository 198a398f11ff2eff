import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTx } from '../../../../core/db.ts';
import { testDbKind } from '../../../../test/db-image.ts';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../../../test/harness.ts';
import { decodeNext, encodeNext } from '../taxii.service.ts';
import { systemActor } from '../../../../core/access/actor.ts';
import { createIntelRepo, planInsert } from '../../intel.repo.ts';
import { prepareObject } from '../../intel.store.ts';
import { H, indicator, malware, store } from './helpers.ts';

/**
 * A walk reads below its horizon: `date_added` is the insert time, so a transaction that commits late
 * adds objects dated before objects committed meanwhile. Were those later objects served first, a
 * client asking again with `added_after` (or `next`) past them would never see the late ones.
 */
let r: TestRampart;
let w: World;
let url: string;
const share = () => ({ ownerOrgId: w.org.STATE_AZ, tlp: 'GREEN' as const, communityIds: [w.community.OFFICIALS] });
const ids = async (query: string) => {
  const res = await w.as('AZ_ANALYST').get(`${url}?${query}`, H);
  expect(res.statusCode, res.body).toBe(200);
  const env = JSON.parse(res.body) as { more?: boolean; next?: string; objects?: { id: string }[] };
  return { ids: (env.objects ?? []).map((o) => o.id), next: env.next, more: env.more ?? false };
};

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  url = `/taxii2/api/collections/${w.community.OFFICIALS}/objects/`;
}, 120_000);
afterAll(async () => r?.close());

test('next carries the walk’s horizon, and a cursor without one (issued before it existed) is still read', () => {
  const cursor = { da: '2026-06-01T00:00:00.123456Z', pk: 42 };
  const horizon = '2026-06-01T00:05:00.000001Z';
  expect(decodeNext(encodeNext(cursor, horizon))).toEqual({ cursor, horizon });
  expect(decodeNext(Buffer.from('2026-06-01T00:00:00.123456Z~42').toString('base64url'))).toEqual({ cursor, horizon: undefined });
});

// Two transactions at once: PostgreSQL only (PGlite serialises every statement through one connection).
test.runIf(testDbKind() === 'postgres')('an object committed while an earlier-dated one is still being written waits until that one is in, then both come in date order', async () => {
  const since = new Date().toISOString();
  // The held transaction writes its row as the store's insert does, before the store's audit entry
  // (the audit chain, and the indicators' rollup row of one day and sharing, would make the second
  // writer wait for the first instead of committing past it): malware, inserted alone.
  const late = malware(1);
  const early = malware(2);
  const prepared = prepareObject(early, { actor: systemActor('test'), source: 'test', ...share() }, { communityIds: share().communityIds });
  if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors));
  let commit!: () => void;
  const held = new Promise<void>((resolve) => (commit = resolve));
  let written!: () => void;
  const inserted = new Promise<void>((resolve) => (written = resolve));
  const writer = withTx(r.core.database.db, async (tx) => {
    await createIntelRepo(r.core.database.db).insertObjects(tx, planInsert([prepared.row]));
    written();
    await held;
  });
  await inserted;
  try {
    await store(r, [late], share()); // committed, dated after `early`
    const during = await ids(`added_after=${since}`);
    expect(during.ids).not.toContain(early.id);
    expect(during.ids).not.toContain(late.id);
  } finally {
    commit();
    await writer;
  }
  expect((await ids(`added_after=${since}`)).ids).toEqual([early.id, late.id]);
});

test('every page of one walk reads below the horizon of its first page', async () => {
  const since = new Date().toISOString();
  const first = [indicator(3), indicator(4)];
  await store(r, first, share());
  const page1 = await ids(`added_after=${since}&limit=1`);
  expect(page1.ids).toEqual([first[0]!.id]);
  expect(page1.more).toBe(true);
  const after = indicator(5);
  await store(r, [after], share()); // added after the walk began
  // limit=2: not the page read ahead after page 1 (before `after` existed), a page read now
  const page2 = await ids(`added_after=${since}&limit=2&next=${page1.next}`);
  expect(page2.ids).toEqual([first[1]!.id]);
  expect(page2.more).toBe(false);
  expect((await ids(`added_after=${since}`)).ids).toEqual([...first.map((o) => o.id as string), after.id]);
});
