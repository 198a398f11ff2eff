/**
 * Alert fan-out benchmark (PostgreSQL).
 *
 *   npx tsx bench/alerts-fanout.bench.ts [--orgs N] [--people M] [--webhook-share F] [--small N,M | 0] [--timeout S] [--out NAME] [--cpu-prof DIR] [--heap-mb N]
 *
 * For each size (default 10,000 organisations / 30,000 people, then the small run 1,000 / 3,000):
 * a fresh database rampart_bench_alerts (admin URL from RAMPART_TEST_PG_URL) is loaded with INSERT …
 * SELECT generate_series (not through the API): organisations (56 state offices, local offices under
 * them, the other kinds), 3 people per organisation, one community holding everyone, and a webhook for
 * a share F of the organisations (default 1: every one). One Severe TLP:GREEN alert targeted at every
 * kind is drafted, approved by a second analyst and published.
 *
 * Rampart runs in a child process (jobs on, SMTP_URL pointing here); this process runs the peers: a
 * real `smtp-server` accepting every message and an HTTP receiver verifying every webhook signature
 * (HMAC-SHA256 with timestamp, `verifyWebhook`). Measured: seconds from the publish call until every
 * email is accepted and every webhook delivered, duplicates seen by the peers (must be 0), and the
 * Rampart process's peak RSS and CPU seconds. Results: bench/results/alerts-fanout.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import type { AlertsService } from '../src/server/modules/alerts/index.ts';
import { backendCpuSeconds, writeResult } from './machine.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 && k + 1 < args.length ? args[k + 1]! : def;
};
const log = (...a: unknown[]) => process.stderr.write(`${a.join(' ')}\n`);
const adminUrl = process.env.RAMPART_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'rampart_bench_alerts';

interface Ready { type: 'ready'; emails: number; webhooks: number; loadSeconds: number }
interface Report { type: 'report'; maxRssMb: number; cpuSeconds: number; rssAtReadyMb: number; deliveries: Record<string, number> }
type FromChild = Ready | { type: 'publishing' } | Report;

/** CPU seconds of the PostgreSQL backends serving the benchmark database, by pid (empty where /proc cannot be read). */
async function dbBackendCpu(): Promise<Map<number, number>> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return (await backendCpuSeconds(admin, DB)) ?? new Map();
  } finally {
    await admin.end();
  }
}

if (args.includes('--child')) await child();
else await parent();

// ---- the peers and the clock (this process) ------------------------------------------------------
async function parent() {
  const big = { orgs: Number(arg('orgs', '10000')), people: Number(arg('people', '30000')) };
  const [so, sp] = arg('small', '1000,3000').split(',').map(Number);
  const share = Number(arg('webhook-share', '1'));
  const timeoutS = Number(arg('timeout', '900'));
  const out = arg('out', 'alerts-fanout');
  const { verifyWebhook } = await import('../src/server/modules/alerts/index.ts');

  // Peers: every accepted mail and every verified webhook is counted once per recipient / delivery.
  const mail = { accepted: 0, recipients: new Set<string>(), duplicates: 0, last: 0 };
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, size: 1024 * 1024, disableReverseLookup: true,
    onData(stream, session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        for (const r of session.envelope.rcptTo) {
          if (mail.recipients.has(r.address)) mail.duplicates++;
          else mail.recipients.add(r.address);
        }
        mail.accepted++;
        mail.last = performance.now();
        cb();
      });
    },
  });
  await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', res));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const hooks = { valid: 0, invalid: 0, deliveries: new Set<string>(), duplicates: 0, last: 0 };
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const orgId = (req.url ?? '').split('/')[2] ?? '';
      const ok = verifyWebhook(`whsec_bench_${orgId}`, body, req.headers, Math.floor(Date.now() / 1000));
      if (!ok) {
        hooks.invalid++;
        res.writeHead(401).end();
        return;
      }
      const id = String(req.headers['rampart-delivery']);
      if (hooks.deliveries.has(id)) hooks.duplicates++;
      else hooks.deliveries.add(id);
      hooks.valid++;
      hooks.last = performance.now();
      res.writeHead(204).end();
    });
  });
  receiver.keepAliveTimeout = 30_000;
  await new Promise<void>((res) => receiver.listen(0, '127.0.0.1', res));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const runs = [];
  // `--small 0` skips the second (small) run.
  for (const size of so ? [big, { orgs: so, people: sp! }] : [big]) {
    mail.accepted = 0; mail.recipients.clear(); mail.duplicates = 0; mail.last = 0;
    hooks.valid = 0; hooks.invalid = 0; hooks.deliveries.clear(); hooks.duplicates = 0; hooks.last = 0;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${DB}`;
    log(`\n${size.orgs} organisations, ${size.people} people, webhooks for ${share * 100}% of organisations`);
    const c: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', String(size.orgs), String(size.people), String(share), url.toString(), `smtp://127.0.0.1:${smtpPort}?pool=${arg('smtp-pool', '5')}`, hookUrl], {
      // --cpu-prof DIR: a V8 CPU profile of the Rampart process, to see where the fan-out's time goes.
      // --heap-mb N: cap Rampart's V8 old space (does the fan-out still finish with a small heap? then its live memory is bounded).
      execArgv: ['--import', 'tsx', ...(arg('cpu-prof', '') ? ['--cpu-prof', `--cpu-prof-dir=${arg('cpu-prof', '')}`] : []), ...(arg('heap-mb', '') ? [`--max-old-space-size=${arg('heap-mb', '')}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = <T extends FromChild['type']>(type: T) => new Promise<Extract<FromChild, { type: T }>>((resolve, reject) => {
      const on = (m: FromChild) => {
        if (m.type === type) {
          c.off('message', on);
          resolve(m as Extract<FromChild, { type: T }>);
        }
      };
      c.on('message', on);
      c.once('exit', (code) => reject(new Error(`Rampart exited (${code}) before ${type}`)));
    });
    const ready = await next('ready');
    log(`loaded in ${ready.loadSeconds.toFixed(1)} s; expecting ${ready.emails} emails and ${ready.webhooks} webhooks`);
    const publishing = next('publishing');
    c.send('go');
    await publishing;
    const t0 = performance.now();
    const peerCpu0 = process.cpuUsage();
    const dbCpu0 = await dbBackendCpu();
    let done = false;
    for (;;) {
      done = mail.recipients.size >= ready.emails && hooks.deliveries.size >= ready.webhooks;
      const s = (performance.now() - t0) / 1000;
      if (done || s > timeoutS) break;
      if (Math.round(s * 2) % 10 === 0) log(`  ${s.toFixed(0)} s: ${mail.recipients.size}/${ready.emails} emails, ${hooks.deliveries.size}/${ready.webhooks} webhooks`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = done ? (Math.max(mail.last, hooks.last) - t0) / 1000 : null;
    const peerCpu = process.cpuUsage(peerCpu0);
    const dbCpu = [...(await dbBackendCpu())].reduce((sum, [pid, s]) => sum + s - (dbCpu0.get(pid) ?? 0), 0);
    const report = next('report');
    c.send('report');
    const rep = await report;
    await new Promise((r) => c.once('exit', r));
    const run = {
      organisations: size.orgs, people: size.people, webhookShare: share, heapCapMb: arg('heap-mb', '') ? Number(arg('heap-mb', '')) : null,
      expected: { emails: ready.emails, webhooks: ready.webhooks },
      received: { emails: mail.recipients.size, webhooks: hooks.deliveries.size, invalidSignatures: hooks.invalid },
      duplicates: { emails: mail.duplicates, webhooks: hooks.duplicates },
      done, secondsUntilAllDelivered: seconds === null ? null : Math.round(seconds * 10) / 10,
      emailsDoneAfterSeconds: mail.last ? Math.round(((mail.last - t0) / 1000) * 10) / 10 : null,
      webhooksDoneAfterSeconds: hooks.last ? Math.round(((hooks.last - t0) / 1000) * 10) / 10 : null,
      rampart: { peakRssMb: rep.maxRssMb, rssAfterLoadMb: rep.rssAtReadyMb, cpuSeconds: rep.cpuSeconds, deliveries: rep.deliveries },
      peers: { cpuSeconds: Math.round((peerCpu.user + peerCpu.system) / 1e5) / 10 },
      /** CPU of the PostgreSQL backends connected to the benchmark database during the fan-out (Linux /proc; a backend that closed before the end is not counted; 0 where unreadable). */
      database: { cpuSeconds: Math.round(dbCpu * 10) / 10 },
      /** The machine's 1-minute load average when the run ended (other work on the same cores). */
      loadAverage: Math.round(os.loadavg()[0]! * 10) / 10,
      loadSeconds: Math.round(ready.loadSeconds * 10) / 10,
    };
    log(JSON.stringify(run));
    runs.push(run);
  }
  smtp.close();
  receiver.close();
  const file = writeResult(out, {
    conditions: 'PostgreSQL 15 on the same machine; Rampart in one process (jobs on, SMTP pool of ' + arg('smtp-pool', '5') + ' connections); the SMTP server and webhook receiver in the benchmark process; see loadAverage for other work on the cores',
    goal: { secondsUntilAllDelivered: 60, memory: 'flat in the number of recipients' },
    runs,
  });
  log(`wrote ${file}`);
  process.exit(runs.every((r) => r.done && r.duplicates.emails === 0 && r.duplicates.webhooks === 0 && r.received.invalidSignatures === 0) ? 0 : 1);
}

// ---- Rampart (the child process) -----------------------------------------------------------------
async function child() {
  const [, orgsS, peopleS, shareS, dbUrl, smtpUrl, hookUrl] = args;
  const orgs = Number(orgsS);
  const people = Number(peopleS);
  const share = Number(shareS);
  const { sql } = await import('kysely');
  const { startRampart } = await import('../src/server/boot.ts');
  const { loadConfig } = await import('../src/server/core/config.ts');
  const { ORG_KINDS } = await import('../src/server/modules/directory/index.ts');
  const t0 = performance.now();
  const r = await startRampart({
    config: loadConfig({ DATABASE_URL: dbUrl, SMTP_URL: smtpUrl, ALLOW_PRIVATE_WEBHOOKS: 'true', SEED_DEMO: 'false', LOG_LEVEL: 'warn', PORT: '0', DATA_DIR: '/tmp/rampart-bench-alerts' }),
    listen: false, workers: true,
  });
  const db = r.core.database.db;
  // Organisations: 56 state offices (one per state FIPS), then local offices under them (70%) and every other kind; one hub.
  await sql`INSERT INTO organisations (id, name, kind, jurisdiction_fips)
    SELECT gen_random_uuid(), 'State office ' || j.fips, 'state_election_office', j.fips FROM jurisdictions j WHERE length(j.fips) = 2`.execute(db);
  const nStates = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM organisations`.execute(db)).rows[0]!.n;
  await sql`INSERT INTO organisations (id, name, kind) VALUES (gen_random_uuid(), 'Hub', 'national_hub')`.execute(db);
  await sql`WITH st AS (SELECT array_agg(id ORDER BY jurisdiction_fips) AS ids, array_agg(jurisdiction_fips ORDER BY jurisdiction_fips) AS fips FROM organisations WHERE kind = 'state_election_office')
    INSERT INTO organisations (id, name, kind, parent_id, jurisdiction_fips)
    SELECT gen_random_uuid(), 'Org ' || g,
      CASE WHEN g % 10 < 7 THEN 'local_election_office' ELSE (ARRAY['campaign','political_party','election_vendor','private_sector','federal_partner','law_enforcement'])[1 + g % 6] END,
      CASE WHEN g % 10 < 7 THEN st.ids[1 + g % array_length(st.ids, 1)] END,
      CASE WHEN g % 10 < 7 THEN st.fips[1 + g % array_length(st.fips, 1)] END
    FROM st, generate_series(1, ${orgs - nStates - 1}) g`.execute(db);
  await sql`INSERT INTO communities (id, name) VALUES ('00000000-0000-4000-8000-00000000a11a', 'Everyone')`.execute(db);
  await sql`INSERT INTO community_members (community_id, org_id) SELECT '00000000-0000-4000-8000-00000000a11a', id FROM organisations`.execute(db);
  // People: `people / orgs` per organisation (3), the first of each an analyst.
  const per = Math.max(1, Math.round(people / orgs));
  await sql`WITH o AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM organisations)
    INSERT INTO users (id, email, name) SELECT gen_random_uuid(), 'p' || k || '.' || o.n || '@bench.test', 'Person ' || o.n || '.' || k FROM o, generate_series(1, ${per}) k`.execute(db);
  await sql`INSERT INTO memberships (user_id, org_id, role)
    SELECT u.id, o.id, CASE WHEN split_part(u.email, '.', 1) = 'p1' THEN 'analyst' ELSE 'member' END
    FROM users u JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM organisations) o ON o.n = split_part(split_part(u.email, '@', 1), '.', 2)::bigint`.execute(db);
  await sql`INSERT INTO webhooks (org_id, url, secret, description)
    SELECT id, ${hookUrl} || '/h/' || id, 'whsec_bench_' || id, 'bench' FROM organisations WHERE abs(hashtext(id::text)) % 1000 < ${Math.round(share * 1000)}`.execute(db);
  await sql`ANALYZE`.execute(db);

  const alerts = (r.modules.find((m) => m.name === 'alerts') as unknown as { service: AlertsService }).service;
  const hub = (await sql<{ id: string }>`SELECT id FROM organisations WHERE kind = 'national_hub'`.execute(db)).rows[0]!.id;
  const analysts = (await sql<{ id: string }>`SELECT user_id AS id FROM memberships WHERE org_id = ${hub} ORDER BY role, user_id LIMIT 2`.execute(db)).rows;
  const actor = (userId: string) => ({ kind: 'user' as const, userId, name: 'Bench analyst', orgId: hub, orgPath: [hub], communityIds: ['00000000-0000-4000-8000-00000000a11a'], orgKind: 'national_hub', role: 'analyst' as const, platformAdmin: false, scopes: null });
  const author = actor(analysts[0]!.id);
  const approver = actor(analysts[1]!.id);
  const a = await alerts.create(author, {
    kind: 'alert', title: 'Bench: ransomware against election offices', level: 'Severe', summary: 'Act now.', body: '## What\n\nA **severe** threat.',
    technicalDetails: '', affectedSectors: [], affectedProducts: [], affectedJurisdictions: [], stixRefs: [], recommendedActions: ['Isolate', 'Report'], references: [],
    expiresAt: null, target: { orgKinds: [...ORG_KINDS], states: [], jurisdictions: [], communityIds: [], orgIds: [], userIds: [] },
    tlp: 'GREEN', communityIds: ['00000000-0000-4000-8000-00000000a11a'], recipientOrgIds: [], recipientUserIds: [],
  });
  await alerts.transition(author, a.id, 'submit', '');
  await alerts.transition(approver, a.id, 'approve', '');
  // Every organisation is targeted and in the community the GREEN alert is shared with: everyone with a
  // membership receives it. Counted in SQL, so the Rampart process's memory holds only what the fan-out does.
  const emails = (await sql<{ n: number }>`SELECT count(DISTINCT user_id)::int AS n FROM memberships`.execute(db)).rows[0]!.n;
  const webhooks = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhooks`.execute(db)).rows[0]!.n;
  const rssAtReadyMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  const cpu0 = process.cpuUsage();
  process.send!({ type: 'ready', emails, webhooks, loadSeconds: (performance.now() - t0) / 1000 } satisfies Ready);
  process.on('message', (m) => {
    void (async () => {
      if (m === 'go') {
        process.send!({ type: 'publishing' });
        await alerts.transition(author, a.id, 'publish', '');
      } else if (m === 'report') {
        const cpu = process.cpuUsage(cpu0);
        const rows = (await sql<{ k: string; n: number }>`SELECT channel || ':' || status AS k, count(*)::int AS n FROM alert_deliveries GROUP BY 1 ORDER BY 1`.execute(db)).rows;
        process.send!({
          type: 'report', maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), rssAtReadyMb, cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
          deliveries: Object.fromEntries(rows.map((x) => [x.k, x.n])),
        } satisfies Report);
        await r.close();
        process.exit(0);
      }
    })();
  });
}
