import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'kysely';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../../../test/harness.ts';
import { epochMicros, microsToTimestamp } from '../taxii.repo.ts';
import { H, indicator, store } from './helpers.ts';

/**
 * Pages follow date_added, not the order rows were inserted in: the page statement aggregates the rows
 * in the order of its `ORDER BY date_added, pk` (no second sort), so this file gives the rows
 * date_added values in the reverse of their pk order, with a tie broken by pk. Their names are not all
 * ASCII: the envelope is written as UTF-8 bytes sized in advance, so a character counted as one byte
 * would cut the page short.
 */
let r: TestRampart;
let w: World;
let url: string;
/** Object ids in the order TAXII must return them. */
let expected: string[];
const NAMES = ['café 0', 'Ωmega 1', '選挙 2', '🗳️ ballot 3', 'plain 4', 'naïve 5', 'ﬁn 6'];
const names = new Map<string, string>();

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  url = `/taxii2/api/collections/${w.community.OFFICIALS}/objects/`;
  const objects = Array.from({ length: 7 }, (_, i) => indicator(i, { name: NAMES[i] }));
  for (const o of objects) names.set(o.id as string, o.name as string);
  await store(r, objects, { ownerOrgId: w.org.STATE_AZ, tlp: 'GREEN', communityIds: [w.community.OFFICIALS] });
  // pk order p0 < … < p6; date_added: p6 earliest … p0 latest, p2 and p3 share one instant (tie → pk: p2, p3).
  const ids = objects.map((o) => o.id as string);
  const db = r.core.database.db;
  for (const [i, id] of ids.entries()) {
    const minutes = i === 3 ? 10 - 2 : 10 - i;
    await sql`UPDATE stix_objects SET date_added = '2026-06-01T00:00:00.123456Z'::timestamptz + make_interval(mins => ${minutes}) WHERE id = ${id}`.execute(db);
  }
  expected = [ids[6], ids[5], ids[4], ids[2], ids[3], ids[1], ids[0]] as string[];
}, 120_000);
afterAll(async () => r?.close());

test.each([1, 2, 3, 4, 6, 7, 8])('pages of %i walk the objects in date_added order, each page’s date headers its first and last object', async (limit) => {
  const seen: string[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const res = await w.as('AZ_ANALYST').get(`${url}?limit=${limit}${next ? `&next=${encodeURIComponent(next)}` : ''}`, H);
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    const env = JSON.parse(res.body) as { more?: boolean; next?: string; objects?: { id: string; name: string }[] };
    const page = (env.objects ?? []).map((o) => o.id);
    for (const o of env.objects ?? []) expect(o.name).toBe(names.get(o.id));
    expect(page.length).toBe(Math.min(limit, expected.length - seen.length));
    seen.push(...page);
    const added = async (id: string) =>
      (await sql<{ da: string }>`SELECT to_char(date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS da FROM stix_objects WHERE id = ${id}`.execute(r.core.database.db)).rows[0]!.da;
    expect(res.headers['x-taxii-date-added-first']).toBe(await added(page[0]!));
    expect(res.headers['x-taxii-date-added-last']).toBe(await added(page.at(-1)!));
    expect(env.more ?? false).toBe(seen.length < expected.length);
    next = env.more ? env.next : undefined;
    pages++;
  } while (next && pages < 10);
  expect(seen).toEqual(expected);
});

test('date_added travels as exact microseconds: epochMicros against extract (numeric) at 100,000 random instants from 2000 to 2105', async () => {
  const res = await sql<{ bad: number; n: number }>`SELECT count(*) FILTER (WHERE ${epochMicros('o')} <> (extract(epoch FROM o.date_added) * 1000000)::int8)::int AS bad, count(*)::int AS n
    FROM (SELECT timestamptz '2000-01-01 00:00:00Z' + (random() * 3.3e15)::int8 * interval '1 microsecond' AS date_added FROM generate_series(1, 100000)) o`.execute(r.core.database.db);
  expect(res.rows[0]).toEqual({ bad: 0, n: 100_000 });
});

test('microsToTimestamp writes TAXII timestamps with six fraction digits', () => {
  expect(microsToTimestamp('0')).toBe('1970-01-01T00:00:00.000000Z');
  expect(microsToTimestamp('1780272000123456')).toBe('2026-06-01T00:00:00.123456Z');
  expect(microsToTimestamp('1780272000100007')).toBe('2026-06-01T00:00:00.100007Z');
  expect(microsToTimestamp('4102444799999999')).toBe('2099-12-31T23:59:59.999999Z');
});
