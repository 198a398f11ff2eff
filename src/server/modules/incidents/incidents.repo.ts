import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import { visibleTo, type Sharing } from '../../core/access/visibility.ts';
import type { Db, DbOrTx, Tx } from '../../core/db.ts';
import { PRIORITIES, STATUSES, type ListQuery, type Priority, type Sort, type SortField, type Status } from './incidents.schemas.ts';

/** The only file of the incidents module that speaks SQL. Every read of a shareable row goes through visibleTo. */

export interface IncidentRow {
  id: string;
  ref: number;
  status: Status;
  title: string;
  incidentType: string | null;
  whatHappened: string;
  detectedAt: Date | null;
  occurredAt: Date | null;
  functionalImpact: string | null;
  informationImpact: string | null;
  recoverability: string | null;
  attackVector: string | null;
  observedActivity: string | null;
  affectedSystems: string;
  electionSystems: string[];
  electionPhase: string | null;
  jurisdictionFips: string | null;
  priority: Priority | null;
  priorityRationale: string | null;
  assigneeUserId: string | null;
  playbooks: string[];
  consentToShare: boolean;
  consentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  triagedAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  ownerOrgId: string | null;
  tlp: Tlp;
  communityIds: string[];
  recipientOrgIds: string[];
  recipientUserIds: string[];
  createdBy: string | null;
}

/** Columns a service may write, camelCase → column. */
const COLUMNS = {
  status: 'status', title: 'title', incidentType: 'incident_type', whatHappened: 'what_happened', detectedAt: 'detected_at',
  occurredAt: 'occurred_at', functionalImpact: 'functional_impact', informationImpact: 'information_impact', recoverability: 'recoverability',
  attackVector: 'attack_vector', observedActivity: 'observed_activity', affectedSystems: 'affected_systems', electionSystems: 'election_systems',
  electionPhase: 'election_phase', jurisdictionFips: 'jurisdiction_fips', priority: 'priority', priorityRationale: 'priority_rationale',
  assigneeUserId: 'assignee_user_id', playbooks: 'playbooks', consentToShare: 'consent_to_share', consentAt: 'consent_at', consentBy: 'consent_by',
  updatedAt: 'updated_at', submittedAt: 'submitted_at', triagedAt: 'triaged_at', firstResponseAt: 'first_response_at', resolvedAt: 'resolved_at',
  closedAt: 'closed_at', tlp: 'tlp', communityIds: 'community_ids', recipientOrgIds: 'recipient_org_ids', recipientUserIds: 'recipient_user_ids',
} as const;
export type IncidentPatch = Partial<Record<keyof typeof COLUMNS, unknown>>;
const ARRAY_TYPES: Partial<Record<keyof typeof COLUMNS, string>> = {
  electionSystems: 'text[]', playbooks: 'text[]', communityIds: 'uuid[]', recipientOrgIds: 'uuid[]', recipientUserIds: 'uuid[]',
};

const INCIDENT_COLS = sql`i.id, i.ref, i.status, i.title, i.incident_type AS "incidentType", i.what_happened AS "whatHappened",
  i.detected_at AS "detectedAt", i.occurred_at AS "occurredAt", i.functional_impact AS "functionalImpact",
  i.information_impact AS "informationImpact", i.recoverability, i.attack_vector AS "attackVector", i.observed_activity AS "observedActivity",
  i.affected_systems AS "affectedSystems", i.election_systems AS "electionSystems", i.election_phase AS "electionPhase",
  i.jurisdiction_fips AS "jurisdictionFips", i.priority, i.priority_rationale AS "priorityRationale", i.assignee_user_id AS "assigneeUserId",
  i.playbooks, i.consent_to_share AS "consentToShare", i.consent_at AS "consentAt", i.created_at AS "createdAt", i.updated_at AS "updatedAt",
  i.submitted_at AS "submittedAt", i.triaged_at AS "triagedAt", i.first_response_at AS "firstResponseAt", i.resolved_at AS "resolvedAt",
  i.closed_at AS "closedAt", i.owner_org_id AS "ownerOrgId", i.tlp, i.community_ids AS "communityIds", i.recipient_org_ids AS "recipientOrgIds",
  i.recipient_user_ids AS "recipientUserIds", i.created_by AS "createdBy"`;

const SUMMARY_COLS = sql`i.id, i.ref, i.status, i.title, i.incident_type AS "incidentType", i.priority, i.election_systems AS "electionSystems",
  i.election_phase AS "electionPhase", i.jurisdiction_fips AS "jurisdictionFips", i.owner_org_id AS "ownerOrgId", i.tlp,
  i.assignee_user_id AS "assigneeUserId", i.detected_at AS "detectedAt", i.submitted_at AS "submittedAt", i.updated_at AS "updatedAt"`;

/** Visible by the one rule, and a draft only to its author. */
function readable(actor: Actor, alias = 'i'): RawBuilder<boolean> {
  const draftRule = actor.kind === 'system' ? sql`true` : actor.userId ? sql`(${sql.ref(`${alias}.status`)} <> 'draft' OR ${sql.ref(`${alias}.created_by`)} = ${actor.userId}::uuid)` : sql`${sql.ref(`${alias}.status`)} <> 'draft'`;
  return sql<boolean>`(${visibleTo(actor, alias)} AND ${draftRule})`;
}

/** A list counts matching incidents up to this many; past it the total is shown as "1,000+". */
export const LIST_TOTAL_CAP = 1000;

/**
 * Search: incidents whose text (title, report, affected systems) contains `q` as written
 * (case-insensitive) starting at the start of a word, or that carry an observable whose value is
 * exactly `q`. The `search_tsv` index ('simple' configuration) finds the candidates: every word of
 * `q` as a whole word, the word(s) ending `q` also as the start of one ("Incident 42" finds
 * "Incident 4242"); ILIKE then keeps those containing `q` itself. A whole word is far cheaper to
 * look up than a prefix (a GIN prefix match reads every matching posting list).
 */
function searchMatch(q: string): RawBuilder<unknown> {
  const text = q.trim();
  const like = '%' + text.replace(/[%_\\]/g, (c) => '\\' + c) + '%';
  return sql`i.id IN (
    SELECT s.id FROM incidents s
      WHERE s.search_tsv @@ (SELECT string_agg(quote_literal(w.lexeme) || CASE WHEN right(lower(${text}), length(w.lexeme)) = w.lexeme THEN ':*' ELSE '' END, ' & ')::tsquery
        FROM unnest(to_tsvector('simple', ${text})) w)
        AND (s.title ILIKE ${like} OR s.what_happened ILIKE ${like} OR s.affected_systems ILIKE ${like})
    UNION
    SELECT o.incident_id FROM incident_observables o WHERE o.value = ${text.toLowerCase()})`;
}

/** SLA targets (minutes): time to triage, and time to first response by priority. */
export const TRIAGE_TARGET_MINUTES = 60;
export const FIRST_RESPONSE_TARGET_MINUTES: Record<Priority | 'unset', number> = {
  emergency: 15, severe: 60, high: 120, medium: 480, low: 1440, baseline: 4320, unset: 240,
};
const FIRST_RESPONSE_SQL = sql`(CASE i.priority ${sql.join(
  (Object.entries(FIRST_RESPONSE_TARGET_MINUTES) as [string, number][]).filter(([k]) => k !== 'unset').map(([k, v]) => sql`WHEN ${sql.lit(k)} THEN ${sql.lit(v)}`),
  sql` `,
)} ELSE ${sql.lit(FIRST_RESPONSE_TARGET_MINUTES.unset)} END)`;

/**
 * The next running SLA deadline: the earlier of triage (until triaged) and first response (until the hub acts); NULL when none runs.
 * migrations/0403_incidents_sla_sort.sql indexes this expression with these targets (`sort=sla`): a change to it or to the
 * targets needs a migration that rebuilds incidents_sla_idx (incidents.list.test.ts fails until then).
 */
const SLA_DUE = sql`LEAST(CASE WHEN i.triaged_at IS NULL THEN incidents_plus_minutes(i.submitted_at, ${sql.lit(TRIAGE_TARGET_MINUTES)}) END,
  CASE WHEN i.first_response_at IS NULL THEN incidents_plus_minutes(i.submitted_at, ${FIRST_RESPONSE_SQL}) END)`;

const rankOf = (col: string, values: readonly string[]) =>
  sql`(CASE ${sql.ref(col)} ${sql.join(values.map((v, n) => sql`WHEN ${sql.lit(v)} THEN ${sql.lit(n)}`), sql` `)} END)`;
/** What each list order sorts by; incidents without a value (no priority, no running SLA clock) come last either way. */
const SORT_KEYS: Record<SortField, { key: RawBuilder<unknown>; nullsLast: boolean }> = {
  // Same expression and null placement as incidents_list_idx, so the default order reads the index.
  reported: { key: sql`i.submitted_at`, nullsLast: false },
  updated: { key: sql`i.updated_at`, nullsLast: false },
  // migrations/0402_incidents_sort.sql indexes this rank (-priority) and updated_at, 0403 the SLA deadline: keep the expressions the same.
  priority: { key: rankOf('i.priority', PRIORITIES), nullsLast: true },
  status: { key: rankOf('i.status', STATUSES), nullsLast: true },
  sla: { key: SLA_DUE, nullsLast: true },
};
/** ORDER BY for a list order: the key, then the id in the same direction (a total order, so pages never overlap). */
export function orderBy(sort: Sort): RawBuilder<unknown> {
  const desc = sort.startsWith('-');
  const { key, nullsLast } = SORT_KEYS[(desc ? sort.slice(1) : sort) as SortField];
  const dir = sql.raw(desc ? 'DESC' : 'ASC');
  return sql`${key} ${dir} ${sql.raw(nullsLast ? 'NULLS LAST' : desc ? 'NULLS FIRST' : 'NULLS LAST')}, i.id ${dir}`;
}

export interface TimelineRow { id: number; at: Date; actorId: string | null; actorName: string; kind: string; body: string; details: Record<string, unknown> }
export interface TaskRow { id: string; position: number; playbook: string | null; phase: string | null; title: string; detail: string; ownerUserId: string | null; dueAt: Date | null; doneAt: Date | null; doneBy: string | null }
export interface AttachmentRow { id: string; incidentId: string; filename: string; declaredType: string | null; detectedType: string | null; servedType: string; size: number; sha256: string; flagged: boolean; flagReason: string | null; uploadedBy: string | null; createdAt: Date }
export interface ObservableRow { id: string; kind: string; value: string; source: string; sharedIndicatorId: string | null; sharedTlp: string | null }
export interface EscalationRow extends Sharing { id: string; incidentId: string; title: string; summary: string; fields: Record<string, unknown>; createdAt: Date }

const ESC_COLS = sql`e.id, e.incident_id AS "incidentId", e.title, e.summary, e.fields, e.created_at AS "createdAt", e.owner_org_id AS "ownerOrgId", e.tlp,
  e.community_ids AS "communityIds", e.recipient_org_ids AS "recipientOrgIds", e.recipient_user_ids AS "recipientUserIds", e.created_by AS "createdBy"`;

export function createIncidentsRepo(db: Db) {
  return {
    async insertIncident(tx: Tx, row: { id: string; createdAt: Date; jurisdictionFips: string | null } & Sharing & IncidentPatch): Promise<void> {
      await sql`INSERT INTO incidents (id, created_at, updated_at, jurisdiction_fips, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
        VALUES (${row.id}::uuid, ${row.createdAt}, ${row.createdAt}, ${row.jurisdictionFips}, ${row.ownerOrgId}::uuid, ${row.tlp}, ${row.communityIds}::uuid[],
          ${row.recipientOrgIds}::uuid[], ${row.recipientUserIds}::uuid[], ${row.createdBy}::uuid)`.execute(tx);
    },

    async updateIncident(tx: Tx, id: string, patch: IncidentPatch): Promise<void> {
      const sets = Object.entries(patch)
        .filter(([k, v]) => k in COLUMNS && v !== undefined)
        .map(([k, v]) => {
          const col = sql.ref(COLUMNS[k as keyof typeof COLUMNS]);
          const cast = ARRAY_TYPES[k as keyof typeof COLUMNS];
          return cast ? sql`${col} = ${v}::${sql.raw(cast)}` : sql`${col} = ${v}`;
        });
      if (!sets.length) return;
      await sql`UPDATE incidents SET ${sql.join(sets, sql`, `)} WHERE id = ${id}::uuid`.execute(tx);
    },

    /** One incident if the actor may read it; `lock` takes a row lock for a change. */
    async get(dbx: DbOrTx, actor: Actor, id: string, lock = false): Promise<IncidentRow | undefined> {
      const r = await sql<IncidentRow>`SELECT ${INCIDENT_COLS} FROM incidents i WHERE i.id = ${id}::uuid AND ${readable(actor)} ${lock ? sql`FOR UPDATE` : sql``}`.execute(dbx);
      return r.rows[0];
    },

    /**
     * A page in list order and the number of matching incidents, counted up to LIST_TOTAL_CAP: past
     * it `total` is the cap and `totalCapped` is true ("1,000+"). An exact count of every visible row
     * is most of the cost of a list (bench/incidents.bench.ts).
     */
    async list(actor: Actor, q: ListQuery): Promise<{ items: (IncidentRow & { slaDueAt: Date | null })[]; total: number; totalCapped: boolean }> {
      const where: RawBuilder<unknown>[] = [readable(actor)];
      if (q.drafts === 'true') where.push(sql`i.status = 'draft'`);
      else where.push(sql`i.status <> 'draft'`);
      if (q.status) where.push(sql`i.status = ${q.status}`);
      if (q.priority) where.push(sql`i.priority = ${q.priority}`);
      if (q.incidentType) where.push(sql`i.incident_type = ${q.incidentType}`);
      if (q.electionPhase) where.push(sql`i.election_phase = ${q.electionPhase}`);
      if (q.electionSystem) where.push(sql`${q.electionSystem} = ANY(i.election_systems)`);
      if (q.state) where.push(sql`left(i.jurisdiction_fips, 2) = ${q.state}`);
      if (q.assignee) where.push(sql`i.assignee_user_id = ${q.assignee === 'me' ? actor.userId : q.assignee}::uuid`);
      if (q.q) where.push(searchMatch(q.q));
      const cond = sql.join(where, sql` AND `);
      const [rows, count] = await Promise.all([
        sql<IncidentRow & { slaDueAt: Date | null }>`SELECT ${SUMMARY_COLS}, ${SLA_DUE} AS "slaDueAt" FROM incidents i WHERE ${cond}
          ORDER BY ${orderBy(q.sort)} LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`.execute(db),
        sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM incidents i WHERE ${cond} LIMIT ${LIST_TOTAL_CAP + 1}) c`.execute(db),
      ]);
      const n = count.rows[0]!.n;
      return { items: rows.rows, total: Math.min(n, LIST_TOTAL_CAP), totalCapped: n > LIST_TOTAL_CAP };
    },

    /**
     * Submitted incidents the actor may see, newest submission first, after the keyset `before`
     * (the last one of the previous page).
     */
    async recentSubmitted(actor: Actor, q: { limit: number; before?: { at: Date; id: string } }): Promise<IncidentRow[]> {
      const after = q.before ? sql`AND (i.submitted_at, i.id) < (${q.before.at}, ${q.before.id}::uuid)` : sql``;
      const r = await sql<IncidentRow>`SELECT ${INCIDENT_COLS} FROM incidents i WHERE ${readable(actor)} AND i.status <> 'draft' AND i.submitted_at IS NOT NULL ${after}
        ORDER BY i.submitted_at DESC, i.id DESC LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },
    /** Submitted incidents the actor may see, submitted at or after `since`, counted up to `cap`. */
    async countSubmittedSince(actor: Actor, since: Date, cap: number): Promise<number> {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM incidents i WHERE ${readable(actor)} AND i.status <> 'draft'
        AND i.submitted_at >= ${since} LIMIT ${cap}) c`.execute(db);
      return r.rows[0]!.n;
    },

    async addTimeline(tx: Tx, incidentId: string, actor: Actor, at: Date, kind: string, body = '', details: Record<string, unknown> = {}): Promise<TimelineRow> {
      const r = await sql<TimelineRow>`INSERT INTO incident_timeline (incident_id, at, actor_id, actor_name, kind, body, details)
        VALUES (${incidentId}::uuid, ${at}, ${actor.userId}::uuid, ${actor.name}, ${kind}, ${body}, ${JSON.stringify(details)}::jsonb)
        RETURNING id, at, actor_id AS "actorId", actor_name AS "actorName", kind, body, details`.execute(tx);
      return r.rows[0]!;
    },
    async timeline(dbx: DbOrTx, incidentId: string): Promise<TimelineRow[]> {
      const r = await sql<TimelineRow>`SELECT id, at, actor_id AS "actorId", actor_name AS "actorName", kind, body, details
        FROM incident_timeline WHERE incident_id = ${incidentId}::uuid ORDER BY id`.execute(dbx);
      return r.rows;
    },

    async insertTask(tx: Tx, t: { id: string; incidentId: string; playbook: string | null; phase: string | null; title: string; detail: string; ownerUserId: string | null; dueAt: Date | null; createdAt: Date }): Promise<void> {
      await sql`INSERT INTO incident_tasks (id, incident_id, position, playbook, phase, title, detail, owner_user_id, due_at, created_at)
        VALUES (${t.id}::uuid, ${t.incidentId}::uuid,
          (SELECT coalesce(max(position), 0) + 1 FROM incident_tasks WHERE incident_id = ${t.incidentId}::uuid),
          ${t.playbook}, ${t.phase}, ${t.title}, ${t.detail}, ${t.ownerUserId}::uuid, ${t.dueAt}, ${t.createdAt})`.execute(tx);
    },
    async tasks(dbx: DbOrTx, incidentId: string): Promise<TaskRow[]> {
      const r = await sql<TaskRow>`SELECT id, position, playbook, phase, title, detail, owner_user_id AS "ownerUserId", due_at AS "dueAt",
        done_at AS "doneAt", done_by AS "doneBy" FROM incident_tasks WHERE incident_id = ${incidentId}::uuid ORDER BY position`.execute(dbx);
      return r.rows;
    },
    async updateTask(tx: Tx, incidentId: string, taskId: string, p: { title?: string; detail?: string; ownerUserId?: string | null; dueAt?: Date | null; doneAt?: Date | null; doneBy?: string | null }): Promise<boolean> {
      const sets: RawBuilder<unknown>[] = [];
      if (p.title !== undefined) sets.push(sql`title = ${p.title}`);
      if (p.detail !== undefined) sets.push(sql`detail = ${p.detail}`);
      if (p.ownerUserId !== undefined) sets.push(sql`owner_user_id = ${p.ownerUserId}::uuid`);
      if (p.dueAt !== undefined) sets.push(sql`due_at = ${p.dueAt}`);
      if (p.doneAt !== undefined) sets.push(sql`done_at = ${p.doneAt}`, sql`done_by = ${p.doneBy ?? null}::uuid`);
      if (!sets.length) sets.push(sql`id = id`);
      const r = await sql`UPDATE incident_tasks SET ${sql.join(sets, sql`, `)} WHERE id = ${taskId}::uuid AND incident_id = ${incidentId}::uuid`.execute(tx);
      return Number(r.numAffectedRows ?? 0) > 0;
    },

    async insertAttachment(tx: Tx, a: AttachmentRow): Promise<void> {
      await sql`INSERT INTO incident_attachments (id, incident_id, filename, declared_type, detected_type, served_type, size, sha256, flagged, flag_reason, uploaded_by, created_at)
        VALUES (${a.id}::uuid, ${a.incidentId}::uuid, ${a.filename}, ${a.declaredType}, ${a.detectedType}, ${a.servedType}, ${a.size}, ${a.sha256},
          ${a.flagged}, ${a.flagReason}, ${a.uploadedBy}::uuid, ${a.createdAt})`.execute(tx);
    },
    async attachments(dbx: DbOrTx, incidentId: string, id?: string): Promise<AttachmentRow[]> {
      const r = await sql<AttachmentRow>`SELECT id, incident_id AS "incidentId", filename, declared_type AS "declaredType", detected_type AS "detectedType",
        served_type AS "servedType", size, sha256, flagged, flag_reason AS "flagReason", uploaded_by AS "uploadedBy", created_at AS "createdAt"
        FROM incident_attachments WHERE incident_id = ${incidentId}::uuid ${id ? sql`AND id = ${id}::uuid` : sql``} ORDER BY created_at, id`.execute(dbx);
      return r.rows;
    },

    async addObservables(tx: Tx, incidentId: string, items: { id: string; kind: string; value: string }[], source: string, at: Date): Promise<number> {
      let n = 0;
      for (let i = 0; i < items.length; i += 500) {
        const chunk = items.slice(i, i + 500);
        const r = await sql`INSERT INTO incident_observables (id, incident_id, kind, value, source, created_at)
          SELECT x.id, ${incidentId}::uuid, x.kind, x.value, ${source}, ${at}
          FROM unnest(${chunk.map((c) => c.id)}::uuid[], ${chunk.map((c) => c.kind)}::text[], ${chunk.map((c) => c.value)}::text[]) AS x(id, kind, value)
          ON CONFLICT (incident_id, kind, value) DO NOTHING`.execute(tx);
        n += Number(r.numAffectedRows ?? 0);
      }
      return n;
    },
    async observables(dbx: DbOrTx, incidentId: string): Promise<ObservableRow[]> {
      const r = await sql<ObservableRow>`SELECT id, kind, value, source, shared_indicator_id AS "sharedIndicatorId", shared_tlp AS "sharedTlp"
        FROM incident_observables WHERE incident_id = ${incidentId}::uuid ORDER BY kind, value`.execute(dbx);
      return r.rows;
    },
    async markObservableShared(tx: Tx, id: string, indicatorId: string, tlp: Tlp): Promise<void> {
      await sql`UPDATE incident_observables SET shared_indicator_id = ${indicatorId}, shared_tlp = ${tlp} WHERE id = ${id}::uuid`.execute(tx);
    },

    /** Other incidents the actor may read that share an observable with this one. */
    async related(actor: Actor, incidentId: string): Promise<{ id: string; ref: number; title: string; status: Status; shared: { kind: string; value: string }[] }[]> {
      const r = await sql<{ id: string; ref: number; title: string; status: Status; shared: { kind: string; value: string }[] }>`
        SELECT i.id, i.ref, i.title, i.status, json_agg(json_build_object('kind', o2.kind, 'value', o2.value) ORDER BY o2.kind, o2.value) AS shared
        FROM incident_observables o1
        JOIN incident_observables o2 ON o2.kind = o1.kind AND o2.value = o1.value AND o2.incident_id <> o1.incident_id
        JOIN incidents i ON i.id = o2.incident_id
        WHERE o1.incident_id = ${incidentId}::uuid AND ${readable(actor)}
        GROUP BY i.id, i.ref, i.title, i.status ORDER BY count(*) DESC, i.ref DESC LIMIT 50`.execute(db);
      return r.rows;
    },

    async insertEscalation(tx: Tx, e: EscalationRow): Promise<void> {
      await sql`INSERT INTO incident_escalations (id, incident_id, title, summary, fields, created_at, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
        VALUES (${e.id}::uuid, ${e.incidentId}::uuid, ${e.title}, ${e.summary}, ${JSON.stringify(e.fields)}::jsonb, ${e.createdAt}, ${e.ownerOrgId}::uuid, ${e.tlp},
          ${e.communityIds}::uuid[], ${e.recipientOrgIds}::uuid[], ${e.recipientUserIds}::uuid[], ${e.createdBy}::uuid)`.execute(tx);
    },
    async escalations(actor: Actor, opts: { id?: string; incidentId?: string } = {}): Promise<EscalationRow[]> {
      const r = await sql<EscalationRow>`SELECT ${ESC_COLS} FROM incident_escalations e WHERE ${visibleTo(actor, 'e')}
        ${opts.id ? sql`AND e.id = ${opts.id}::uuid` : sql``} ${opts.incidentId ? sql`AND e.incident_id = ${opts.incidentId}::uuid` : sql``}
        ORDER BY e.created_at DESC, e.id LIMIT 200`.execute(db);
      return r.rows;
    },

    async metrics(actor: Actor, now: Date, since?: Date, until?: Date) {
      const where: RawBuilder<unknown>[] = [readable(actor), sql`i.status <> 'draft'`];
      if (since) where.push(sql`i.submitted_at >= ${since}`);
      if (until) where.push(sql`i.submitted_at < ${until}`);
      const cond = sql.join(where, sql` AND `);
      const groups = await sql<{ dim: string; key: string | null; n: number }>`
        WITH v AS (SELECT i.incident_type, i.status, left(i.jurisdiction_fips, 2) AS state, i.election_phase, i.priority FROM incidents i WHERE ${cond})
        SELECT 'type' AS dim, incident_type AS key, count(*)::int AS n FROM v GROUP BY incident_type
        UNION ALL SELECT 'status', status, count(*)::int FROM v GROUP BY status
        UNION ALL SELECT 'state', state, count(*)::int FROM v GROUP BY state
        UNION ALL SELECT 'phase', election_phase, count(*)::int FROM v GROUP BY election_phase
        UNION ALL SELECT 'priority', priority, count(*)::int FROM v GROUP BY priority`.execute(db);
      const stats = await sql<{ total: number; triage: number | null; first: number | null; resolve: number | null; triageBreaches: number; firstBreaches: number }>`
        SELECT count(*)::int AS total,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.triaged_at - i.submitted_at) / 60) AS triage,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.first_response_at - i.submitted_at) / 60) AS first,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.resolved_at - i.submitted_at) / 60) AS resolve,
          count(*) FILTER (WHERE coalesce(i.triaged_at, ${now}::timestamptz) - i.submitted_at > make_interval(mins => ${TRIAGE_TARGET_MINUTES}))::int AS "triageBreaches",
          count(*) FILTER (WHERE coalesce(i.first_response_at, ${now}::timestamptz) - i.submitted_at > make_interval(mins => ${FIRST_RESPONSE_SQL}))::int AS "firstBreaches"
        FROM incidents i WHERE ${cond}`.execute(db);
      return { groups: groups.rows, stats: stats.rows[0]! };
    },
  };
}
export type IncidentsRepo = ReturnType<typeof createIncidentsRepo>;
