import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SystemClock } from '../../core/clock.ts';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import { sql } from 'kysely';
import { PRIORITIES, SORTS, STATUSES, type Sort } from './incidents.schemas.ts';
import { orderBy } from './incidents.repo.ts';

/** The incident list's orders: every sort, paged, against the same order computed here from each incident. */
let r: TestRampart;
let w: World;
const ids: string[] = [];

const report = (n: number) => ({
  title: `Sort case ${n}`, whatHappened: 'Pollbook sync failed', detectedAt: '2024-11-05T10:00:00Z', functionalImpact: 'minimal_critical', informationImpact: 'no_impact',
  recoverability: 'regular', attackVector: 'unknown', electionSystems: ['e_pollbooks'], electionPhase: 'election_day', affectedSystems: 'pollbooks',
});
// Per incident: the priority the hub sets (none = left untriaged) and how far it is worked.
const PLAN: { priority?: (typeof PRIORITIES)[number]; progress?: boolean }[] = [
  {}, { priority: 'high' }, { priority: 'low', progress: true }, {}, { priority: 'emergency' }, { priority: 'high', progress: true },
  { priority: 'baseline' }, {}, { priority: 'severe' }, { priority: 'medium', progress: true }, { priority: 'high' },
];

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  const clock = r.core.clock as SystemClock;
  const county = w.as('MARICOPA_MEMBER');
  for (const [n] of PLAN.entries()) {
    const created = await county.post('/api/incidents', report(n));
    expect(created.statusCode, created.body).toBe(201);
    ids.push(created.json().id);
    expect((await county.post(`/api/incidents/${created.json().id}/submit`)).statusCode).toBe(200);
    clock.advance(7 * 60_000);
  }
  // Worked in another order than reported, so "updated" differs from "reported".
  for (const n of [5, 1, 8, 2, 10, 4, 6, 9]) {
    const p = PLAN[n]!;
    if (!p.priority) continue;
    const t = await w.as('HUB_ANALYST').post(`/api/incidents/${ids[n]}/triage`, { priority: p.priority, rationale: 'sorted' });
    expect(t.statusCode, t.body).toBe(200);
    if (p.progress) expect((await w.as('HUB_ANALYST').post(`/api/incidents/${ids[n]}/status`, { status: 'in_progress' })).statusCode).toBe(200);
    clock.advance(3 * 60_000);
  }
}, 180_000);
afterAll(async () => r?.close());

interface Row { id: string; priority: string | null; status: string; submittedAt: string; updatedAt: string; triagedAt: string | null; firstResponseAt: string | null; sla: { firstResponse: { dueAt: string } } }

/** The next running SLA deadline: triage until triaged, first response until the hub acts; the earlier. */
function slaDue(i: Row): number | null {
  const due = [i.triagedAt ? null : Date.parse(i.submittedAt) + 60 * 60_000, i.firstResponseAt ? null : Date.parse(i.sla.firstResponse.dueAt)].filter((x): x is number => x !== null);
  return due.length ? Math.min(...due) : null;
}

/** The order each sort means, computed from the incidents themselves (nulls last for priority and sla; ties by id). */
function expected(rows: Row[], sort: Sort): string[] {
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  const key = (i: Row): number | null => {
    switch (field) {
      case 'reported': return Date.parse(i.submittedAt);
      case 'updated': return Date.parse(i.updatedAt);
      case 'priority': return i.priority ? PRIORITIES.indexOf(i.priority as never) : null;
      case 'status': return STATUSES.indexOf(i.status as never);
      case 'sla': return slaDue(i);
      default: throw new Error(field);
    }
  };
  const sign = desc ? -1 : 1;
  return [...rows]
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka === null || kb === null) {
        if (ka !== kb) return ka === null ? 1 : -1;
      } else if (ka !== kb) return sign * (ka - kb);
      return sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    })
    .map((i) => i.id);
}

async function allPages(persona: 'HUB_ANALYST' | 'FULTON_MEMBER' | 'MARICOPA_MEMBER', sort: Sort, pageSize = 3): Promise<string[]> {
  const out: string[] = [];
  for (let page = 1; page < 50; page++) {
    const res = await w.as(persona).get(`/api/incidents?sort=${encodeURIComponent(sort)}&pageSize=${pageSize}&page=${page}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    out.push(...body.items.map((i: { id: string }) => i.id));
    if (page * pageSize >= body.total) break;
  }
  return out;
}

describe('GET /api/incidents?sort=', () => {
  test('every order, paged three at a time, is the order computed from the incidents: no repeats, none missing', async () => {
    const rows: Row[] = [];
    for (const id of ids) rows.push((await w.as('HUB_ANALYST').get(`/api/incidents/${id}`)).json());
    // The fixtures really differ on every key (else a wrong order could pass).
    expect(new Set(rows.map((x) => x.priority)).size).toBeGreaterThan(4);
    expect(new Set(rows.map((x) => x.status)).size).toBe(3);
    expect(expected(rows, 'updated')).not.toEqual(expected(rows, 'reported'));
    expect(expected(rows, 'sla')).not.toEqual(expected(rows, 'reported'));
    for (const sort of SORTS) {
      const got = await allPages('HUB_ANALYST', sort);
      expect(new Set(got).size, sort).toBe(got.length);
      expect(got, sort).toEqual(expected(rows, sort));
    }
  });

  test('each row carries its next SLA deadline (what sort=sla orders by)', async () => {
    const items = (await w.as('HUB_ANALYST').get('/api/incidents?sort=sla&pageSize=50')).json().items as { id: string; slaDueAt: string | null }[];
    const running = items.filter((i) => i.slaDueAt !== null);
    expect(running.length).toBeGreaterThan(2);
    expect(running.length).toBeLessThan(items.length);
    for (const i of items) {
      const full: Row = (await w.as('HUB_ANALYST').get(`/api/incidents/${i.id}`)).json();
      expect(i.slaDueAt === null ? null : Date.parse(i.slaDueAt)).toBe(slaDue(full));
    }
  });

  test('sort=sla reads its index (migrations/0403) instead of sorting: the indexed expression is the repository\'s', async () => {
    const db = r.core.database.db;
    // A few rows only: without these settings the planner rightly prefers a sort; with them, a Sort node
    // in the plan means the ORDER BY no longer matches incidents_sla_idx.
    const plan = await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_sort = off`.execute(tx);
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const r2 = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT i.id FROM incidents i WHERE i.status <> 'draft' ORDER BY ${orderBy('sla')} LIMIT 5`.execute(tx);
      return r2.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('incidents_sla_idx');
    expect(plan).not.toMatch(/\bSort\b/);
  });

  test('without sort: newest report first (as -reported)', async () => {
    const res = (await w.as('HUB_ANALYST').get('/api/incidents?pageSize=50')).json();
    expect(res.items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());
  });

  test('a most-severe-first list puts emergencies first and the untriaged last', async () => {
    const items = (await w.as('HUB_ANALYST').get('/api/incidents?sort=-priority&pageSize=50')).json().items as { priority: string | null }[];
    expect(items[0]!.priority).toBe('emergency');
    expect(items.slice(-3).map((i) => i.priority)).toEqual([null, null, null]);
  });

  test('sorting shows nothing more: another county sees none of them in any order; the reporting county sees them all', async () => {
    for (const sort of ['-sla', 'priority', 'status'] as const) {
      expect(await allPages('FULTON_MEMBER', sort)).toEqual([]);
      expect((await allPages('MARICOPA_MEMBER', sort)).sort()).toEqual([...ids].sort());
    }
  });

  test('an unknown order is a 400 naming sort', async () => {
    for (const bad of ['title', '--reported', 'reported,priority', 'REPORTED', '+sla', 'i.id; DROP TABLE incidents']) {
      const res = await w.as('HUB_ANALYST').get(`/api/incidents?sort=${encodeURIComponent(bad)}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.details.path, bad).toBe('querystring.sort');
    }
  });
});
