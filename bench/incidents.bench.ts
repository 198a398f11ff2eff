/**
 * Incidents list benchmark (PostgreSQL).
 *
 *   npx tsx bench/incidents.bench.ts [--incidents N] [--timeline N] [--requests N] [--fresh] [--db NAME] [--out NAME]
 *
 * Loads N incidents (default 100,000) spread over 200 organisations, every TLP and sharing shape, and
 * M timeline entries (default 1,000,000) into the database rampart_bench_incidents (admin URL from
 * RAMPART_TEST_PG_URL), then measures the incidents repository's list (the SQL behind GET /api/incidents,
 * with visibleTo, the count capped at 1,000 and a page) for a hub analyst, a state analyst and a county member, unfiltered
 * and with each filter: p50/p99 over --requests calls. Results: bench/results/incidents.json.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../src/server/core/db.ts';
import type { Actor } from '../src/server/core/access/actor.ts';
import { createIncidentsRepo } from '../src/server/modules/incidents/incidents.repo.ts';
import { ListQuery } from '../src/server/modules/incidents/incidents.schemas.ts';
import { benchDatabase, writeResult } from './machine.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 && k + 1 < args.length ? args[k + 1]! : def;
};
const N = Number(arg('incidents', '100000'));
const M = Number(arg('timeline', '1000000'));
const REQUESTS = Number(arg('requests', '200'));
const FRESH = args.includes('--fresh');
const log = (...a: unknown[]) => process.stderr.write(`${a.join(' ')}\n`);

const dbName = arg('db', 'rampart_bench_incidents');
const OUT = arg('out', 'incidents');
const database = await openDatabase({ url: await benchDatabase(dbName, FRESH) });
await migrate(database.db);
const db = database.db;

// Organisations: one hub, 50 states with 3 counties each; one community for all.
const have = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM incidents`.execute(db)).rows[0]!.n;
const community = '00000000-0000-4000-8000-00000000c0de';
let hub: string;
let states: string[];
let counties: { id: string; state: string }[];
// Data from the first generator never combined ransomware with election_day: reload it.
const stale = have > 0 && (await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM incidents WHERE incident_type = 'ransomware' AND election_phase = 'election_day' LIMIT 1) x`.execute(db)).rows[0]!.n === 0;
if (have !== N || stale) {
  log(`loading ${N} incidents and ${M} timeline entries…`);
  await sql`TRUNCATE incidents CASCADE`.execute(db);
  await sql`DELETE FROM organisations WHERE name LIKE 'bench-%'`.execute(db);
  const mk = async (name: string, kind: string, parent: string | null) =>
    (await sql<{ id: string }>`INSERT INTO organisations (id, name, kind, parent_id) VALUES (gen_random_uuid(), ${name}, ${kind}, ${parent}::uuid) RETURNING id`.execute(db)).rows[0]!.id;
  hub = await mk('bench-hub', 'national_hub', null);
  states = [];
  counties = [];
  for (let s = 0; s < 50; s++) {
    const st = await mk(`bench-state-${s}`, 'state_election_office', null);
    states.push(st);
    for (let c = 0; c < 3; c++) counties.push({ id: await mk(`bench-county-${s}-${c}`, 'local_election_office', st), state: st });
  }
  const t0 = Date.now();
  await sql`INSERT INTO incidents (id, status, title, incident_type, what_happened, election_systems, election_phase, jurisdiction_fips, priority,
      created_at, updated_at, submitted_at, triaged_at, owner_org_id, tlp, community_ids, recipient_org_ids, created_by)
    SELECT gen_random_uuid(),
      (ARRAY['new','triaged','in_progress','contained','resolved','closed'])[1 + g % 6],
      'Incident ' || g || ' ' || md5(g::text),
      (ARRAY['ransomware','phishing_account_compromise','ddos_results_site','website_defacement','voter_registration_intrusion','insider','influence_operation','physical_threat'])[1 + g % 8],
      'Report text ' || md5((g * 7)::text) || ' seen from 198.51.' || (g % 250) || '.' || (g % 200),
      ARRAY[(ARRAY['voter_registration','e_pollbooks','election_night_reporting','email'])[1 + g % 4]],
      -- (g / 8) so that every phase occurs with every type (type is g % 8): each filter measured matches rows
      (ARRAY['pre_election','early_voting','election_day','canvass_certification'])[1 + (g / 8) % 4],
      lpad(((g % 50) + 1)::text, 2, '0') || '001',
      (ARRAY['baseline','low','medium','high','severe','emergency'])[1 + g % 6],
      now() - make_interval(mins => g), now() - make_interval(mins => g), now() - make_interval(mins => g), now() - make_interval(mins => g - 30),
      (${sql.val(counties.map((c) => c.id))}::uuid[])[1 + g % ${counties.length}],
      (ARRAY['AMBER+STRICT','AMBER+STRICT','AMBER','GREEN','RED'])[1 + g % 5],
      CASE WHEN g % 5 = 3 THEN ARRAY[${community}::uuid] ELSE '{}'::uuid[] END,
      CASE WHEN g % 5 = 4 THEN '{}'::uuid[] WHEN g % 2 = 0 THEN ARRAY[${hub}::uuid, (${sql.val(counties.map((c) => c.state))}::uuid[])[1 + g % ${counties.length}]] ELSE ARRAY[${hub}::uuid] END,
      NULL
    FROM generate_series(1, ${N}) g`.execute(db);
  await sql`INSERT INTO incident_timeline (incident_id, at, actor_name, kind, body)
    SELECT i.id, i.created_at + make_interval(mins => k), 'bench', (ARRAY['note','status','task.done','assign'])[1 + k % 4], 'entry ' || k
    FROM (SELECT id, created_at, row_number() OVER () AS rn FROM incidents) i, generate_series(1, ${Math.ceil(M / N)}) k`.execute(db);
  await sql`ANALYZE incidents`.execute(db);
  await sql`ANALYZE incident_timeline`.execute(db);
  log(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} else {
  const orgs = await sql<{ id: string; name: string; parent_id: string | null }>`SELECT id, name, parent_id FROM organisations WHERE name LIKE 'bench-%'`.execute(db);
  hub = orgs.rows.find((o) => o.name === 'bench-hub')!.id;
  states = orgs.rows.filter((o) => o.name.startsWith('bench-state-')).map((o) => o.id);
  counties = orgs.rows.filter((o) => o.name.startsWith('bench-county-')).map((o) => ({ id: o.id, state: o.parent_id! }));
}
const timelineRows = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM incident_timeline`.execute(db)).rows[0]!.n;

const actor = (orgId: string, orgPath: string[], orgKind: string, role: Actor['role']): Actor => ({
  kind: 'user', userId: randomUUID(), name: 'bench', orgId, orgPath, communityIds: [community], orgKind, role, platformAdmin: false, scopes: null,
});
const county = counties[0]!;
const readers: Record<string, Actor> = {
  hub_analyst: actor(hub, [hub], 'national_hub', 'analyst'),
  state_analyst: actor(county.state, [county.state], 'state_election_office', 'analyst'),
  county_member: actor(county.id, [county.id, county.state], 'local_election_office', 'member'),
};
const queries: Record<string, Record<string, string>> = {
  unfiltered: {},
  status: { status: 'in_progress' },
  type_and_phase: { incidentType: 'ransomware', electionPhase: 'election_day' },
  state: { state: '01' },
  priority_page5: { priority: 'high', page: '5' },
  search: { q: 'Incident 4242' },
  // Orders other than the default sort every matching row (no index reads them in order).
  sort_priority: { sort: '-priority' },
  sort_sla: { sort: 'sla' },
  sort_updated: { sort: '-updated' },
};
const repo = createIncidentsRepo(db);
const results: Record<string, Record<string, { p50: number; p99: number; total: number; totalCapped: boolean }>> = {};
for (const [who, a] of Object.entries(readers)) {
  results[who] = {};
  for (const [name, raw] of Object.entries(queries)) {
    const q = ListQuery.parse(raw);
    for (let i = 0; i < 5; i++) await repo.list(a, q); // warm
    const times: number[] = [];
    let total = 0;
    let totalCapped = false;
    for (let i = 0; i < REQUESTS; i++) {
      const t = process.hrtime.bigint();
      ({ total, totalCapped } = await repo.list(a, q));
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((x, y) => x - y);
    const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
    if (total === 0) throw new Error(`${who} ${name}: no incident matches; every filter measured must return rows`);
    results[who]![name] = { p50: pct(0.5), p99: pct(0.99), total, totalCapped };
    log(`${who.padEnd(14)} ${name.padEnd(16)} p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  (${total}${totalCapped ? '+' : ''} visible)`);
  }
}
const worstP99 = Math.max(...Object.values(results).flatMap((r) => Object.values(r).map((x) => x.p99)));
const file = writeResult(OUT, {
  database: 'postgres', incidents: N, timelineEntries: timelineRows, requestsPerCase: REQUESTS, goalP99Ms: 50, worstP99Ms: worstP99, meetsGoal: worstP99 < 50,
  note: 'Repository list (visibleTo + filters + count capped at 1,000 + page of 25), measured in-process against PostgreSQL on the same machine; HTTP adds serialisation on top.',
  results,
});
log(`wrote ${file}`);
await database.close();
