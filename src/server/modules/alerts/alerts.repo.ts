import { sql } from 'kysely';
import { visibleTo, type Sharing } from '../../core/access/visibility.ts';
import type { Actor } from '../../core/access/actor.ts';
import type { Db, DbOrTx, Tx } from '../../core/db.ts';
import { activeMembershipsSql, activePeopleSql } from '../auth/index.ts';
import { orgContextsSql, orgPlacesSql, targetedOrgIdsSql, type OrgContextRow } from '../directory/index.ts';
import type { AckStatus, AlertLevel, AlertStatus, Target } from './alerts.schemas.ts';

/**
 * The only file of the alerts module that speaks SQL. Every read of `alerts` goes through
 * `visibleTo(actor, 'a')`. Audience resolution is one set-based statement (10,000 organisations are
 * not 10,000 service calls) built from sub-queries the directory and auth modules export through their
 * index.ts (targetedOrgIdsSql, orgContextsSql, activeMembershipsSql, activePeopleSql).
 */
export interface AlertRow {
  id: string;
  number: string;
  kind: 'advisory' | 'alert';
  status: AlertStatus;
  revision: number;
  level: AlertLevel;
  title: string;
  summary: string;
  bodyMd: string;
  bodyHtml: string;
  technicalDetails: string;
  affectedSectors: string[];
  affectedProducts: string[];
  affectedFips: string[];
  stixRefs: string[];
  recommendedActions: string[];
  references: string[];
  target: Target;
  ownerOrgId: string | null;
  tlp: Sharing['tlp'];
  communityIds: string[];
  recipientOrgIds: string[];
  recipientUserIds: string[];
  createdBy: string | null;
  authorName: string;
  submittedBy: string | null;
  approvedBy: string | null;
  publishedBy: string | null;
  publishedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** How many edges alert_ack_minute_edges() has (migrations/0312): alert_ack_minutes.le holds one count per edge. */
export const ACK_MINUTE_EDGES = 52;

const COLS = sql`a.id, a.number, a.kind, a.status, a.revision, a.level, a.title, a.summary, a.body_md AS "bodyMd", a.body_html AS "bodyHtml",
  a.technical_details AS "technicalDetails", a.affected_sectors AS "affectedSectors", a.affected_products AS "affectedProducts",
  a.affected_fips AS "affectedFips", a.stix_refs AS "stixRefs", a.recommended_actions AS "recommendedActions", a.references_ AS "references",
  a.target, a.owner_org_id AS "ownerOrgId", a.tlp, a.community_ids AS "communityIds", a.recipient_org_ids AS "recipientOrgIds",
  a.recipient_user_ids AS "recipientUserIds", a.created_by AS "createdBy", a.author_name AS "authorName", a.submitted_by AS "submittedBy",
  a.approved_by AS "approvedBy", a.published_by AS "publishedBy", a.published_at AS "publishedAt", a.expires_at AS "expiresAt",
  a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

export type AlertWrite = Omit<AlertRow, 'id' | 'number' | 'status' | 'revision' | 'submittedBy' | 'approvedBy' | 'publishedBy' | 'publishedAt' | 'createdAt' | 'updatedAt'>;

/** One person in one organisation, or an organisation on its own (userId null), with what canSee needs. */
export interface Candidate {
  userId: string | null;
  email: string | null;
  name: string | null;
  orgId: string;
  orgKind: string;
  stateFips: string | null;
  orgPath: string[];
  communityIds: string[];
  /** Named in target.userIds (reached through any of their memberships). */
  named: boolean;
}

export function createAlertsRepo(db: Db) {
  return {
    async nextNumber(tx: Tx, year: number): Promise<string> {
      const r = await sql<{ last: number }>`INSERT INTO alert_counters (year, last) VALUES (${year}, 1)
        ON CONFLICT (year) DO UPDATE SET last = alert_counters.last + 1 RETURNING last`.execute(tx);
      return `RMP-${year}-${String(r.rows[0]!.last).padStart(4, '0')}`;
    },

    async insert(tx: Tx, number: string, w: AlertWrite, now: Date): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO alerts (number, kind, status, level, title, summary, body_md, body_html, technical_details,
          affected_sectors, affected_products, affected_fips, stix_refs, recommended_actions, references_, target,
          owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, author_name, expires_at, created_at, updated_at)
        VALUES (${number}, ${w.kind}, 'draft', ${w.level}, ${w.title}, ${w.summary}, ${w.bodyMd}, ${w.bodyHtml}, ${w.technicalDetails},
          ${w.affectedSectors}::text[], ${w.affectedProducts}::text[], ${w.affectedFips}::text[], ${w.stixRefs}::text[], ${w.recommendedActions}::text[],
          ${w.references}::text[], ${JSON.stringify(w.target)}::jsonb, ${w.ownerOrgId}, ${w.tlp}, ${w.communityIds}::uuid[], ${w.recipientOrgIds}::uuid[],
          ${w.recipientUserIds}::uuid[], ${w.createdBy}, ${w.authorName}, ${w.expiresAt}, ${now}, ${now})
        RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },

    async update(tx: Tx, id: string, w: AlertWrite, now: Date): Promise<void> {
      await sql`UPDATE alerts SET level = ${w.level}, title = ${w.title}, summary = ${w.summary}, body_md = ${w.bodyMd}, body_html = ${w.bodyHtml},
          technical_details = ${w.technicalDetails}, affected_sectors = ${w.affectedSectors}::text[], affected_products = ${w.affectedProducts}::text[],
          affected_fips = ${w.affectedFips}::text[], stix_refs = ${w.stixRefs}::text[], recommended_actions = ${w.recommendedActions}::text[],
          references_ = ${w.references}::text[], target = ${JSON.stringify(w.target)}::jsonb, tlp = ${w.tlp}, community_ids = ${w.communityIds}::uuid[],
          recipient_org_ids = ${w.recipientOrgIds}::uuid[], recipient_user_ids = ${w.recipientUserIds}::uuid[], expires_at = ${w.expiresAt}, updated_at = ${now}
        WHERE id = ${id}::uuid`.execute(tx);
    },

    async setStatus(tx: Tx, id: string, status: AlertStatus, fields: { submittedBy?: string | null; approvedBy?: string | null; publishedBy?: string | null; publishedAt?: Date; revision?: number }, now: Date): Promise<void> {
      await sql`UPDATE alerts SET status = ${status}, updated_at = ${now},
          submitted_by = ${fields.submittedBy === undefined ? sql`submitted_by` : sql`${fields.submittedBy}::uuid`},
          approved_by = ${fields.approvedBy === undefined ? sql`approved_by` : sql`${fields.approvedBy}::uuid`},
          published_by = ${fields.publishedBy === undefined ? sql`published_by` : sql`${fields.publishedBy}::uuid`},
          published_at = ${fields.publishedAt === undefined ? sql`published_at` : sql`${fields.publishedAt}`},
          revision = ${fields.revision === undefined ? sql`revision` : sql`${fields.revision}::int`}
        WHERE id = ${id}::uuid`.execute(tx);
    },

    /** The alert if the actor may see it (visibleTo), optionally locked for update. */
    async get(dbx: DbOrTx, actor: Actor, id: string, opts: { lock?: boolean } = {}): Promise<AlertRow | null> {
      const r = await sql<AlertRow>`SELECT ${COLS} FROM alerts a WHERE a.id = ${id}::uuid AND ${visibleTo(actor, 'a')} ${opts.lock ? sql`FOR UPDATE` : sql``}`.execute(dbx);
      return r.rows[0] ?? null;
    },

    async list(actor: Actor, q: { status?: AlertStatus; level?: AlertLevel; activeAt?: Date; limit: number; offset: number }): Promise<{ items: AlertRow[]; total: number }> {
      const where = [visibleTo(actor, 'a') as ReturnType<typeof sql>];
      if (q.status) where.push(sql`a.status = ${q.status}`);
      if (q.level) where.push(sql`a.level = ${q.level}`);
      if (q.activeAt) where.push(sql`a.status = 'published' AND (a.expires_at IS NULL OR a.expires_at > ${q.activeAt})`);
      const cond = sql.join(where, sql` AND `);
      const [rows, n] = await Promise.all([
        sql<AlertRow>`SELECT ${COLS} FROM alerts a WHERE ${cond} ORDER BY coalesce(a.published_at, a.updated_at) DESC, a.id LIMIT ${q.limit} OFFSET ${q.offset}`.execute(db),
        sql<{ n: number }>`SELECT count(*)::int AS n FROM alerts a WHERE ${cond}`.execute(db),
      ]);
      return { items: rows.rows, total: n.rows[0]!.n };
    },

    /** Published, unexpired TLP:CLEAR alerts (public feeds). */
    async listPublic(now: Date, limit: number): Promise<AlertRow[]> {
      const r = await sql<AlertRow>`SELECT ${COLS} FROM alerts a WHERE a.tlp = 'CLEAR' AND a.status = 'published'
        AND (a.expires_at IS NULL OR a.expires_at > ${now}) ORDER BY a.published_at DESC LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    async insertRevision(tx: Tx, alertId: string, revision: number, snapshot: unknown, note: string, by: string | null, at: Date): Promise<void> {
      await sql`INSERT INTO alert_revisions (alert_id, revision, snapshot, note, published_by, published_at)
        VALUES (${alertId}, ${revision}, ${JSON.stringify(snapshot)}::jsonb, ${note}, ${by}, ${at})`.execute(tx);
    },

    async revisions(alertId: string) {
      const r = await sql<{ revision: number; note: string; publishedAt: Date; publishedBy: string | null; snapshot: Record<string, unknown> }>`
        SELECT revision, note, published_at AS "publishedAt", published_by AS "publishedBy", snapshot FROM alert_revisions
        WHERE alert_id = ${alertId}::uuid ORDER BY revision`.execute(db);
      return r.rows;
    },

    // ---- validation helpers -------------------------------------------------------------------
    async existing(kind: 'organisations' | 'communities' | 'users' | 'jurisdictions', ids: string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const col = kind === 'jurisdictions' ? sql`fips` : sql`id::text`;
      const cast = kind === 'jurisdictions' ? sql`${ids}::text[]` : sql`${ids}::uuid[]`;
      const key = kind === 'jurisdictions' ? sql`fips` : sql`id`;
      const r = await sql<{ k: string }>`SELECT ${col} AS k FROM ${sql.table(kind)} WHERE ${key} = ANY(${cast})`.execute(db);
      return new Set(r.rows.map((x) => x.k));
    },

    // ---- audience ------------------------------------------------------------------------------
    /**
     * Everyone the targeting reaches, before the TLP rule: organisations matching every given
     * dimension (kinds, states, jurisdictions, communities) plus named organisations — each once on its
     * own (userId null) and once per active member — plus named people through each membership.
     */
    async candidates(t: Target, page?: { after: string | null; limit: number }): Promise<Candidate[]> {
      // One statement over the directory's and auth's sub-queries (their index.ts): no table of theirs is named here.
      // With `page`: only the organisations (and their people) after `after` in id order, `limit` of them.
      const reached = sql`SELECT id FROM chosen UNION SELECT "orgId" FROM members WHERE "userId" = ANY(${t.userIds}::uuid[])`;
      const orgIds = page ? sql`SELECT id FROM (${reached}) x WHERE ${page.after === null ? sql`true` : sql`id > ${page.after}::uuid`} ORDER BY id LIMIT ${page.limit}` : reached;
      const r = await sql<Candidate>`
        WITH chosen AS (${targetedOrgIdsSql(t)}),
        members AS (${activeMembershipsSql()}),
        ctx AS (${orgContextsSql(orgIds)})
        SELECT NULL::uuid AS "userId", NULL AS email, NULL AS name, c.id AS "orgId", c.kind AS "orgKind", c.state AS "stateFips",
               c.path AS "orgPath", c."communityIds", false AS named
          FROM ctx c WHERE c.id IN (SELECT id FROM chosen)
        UNION ALL
        SELECT m."userId", m.email, m.name, c.id, c.kind, c.state, c.path, c."communityIds", m."userId" = ANY(${t.userIds}::uuid[])
          FROM ctx c JOIN members m ON m."orgId" = c.id
          WHERE c.id IN (SELECT id FROM chosen) OR m."userId" = ANY(${t.userIds}::uuid[])`.execute(db);
      return r.rows;
    },

    async webhooksOf(orgIds: string[]): Promise<{ id: string; orgId: string }[]> {
      if (!orgIds.length) return [];
      const r = await sql<{ id: string; orgId: string }>`SELECT id, org_id AS "orgId" FROM webhooks WHERE active AND org_id = ANY(${orgIds}::uuid[])`.execute(db);
      return r.rows;
    },

    async prefsOf(userIds: string[]): Promise<Map<string, Record<string, string>>> {
      if (!userIds.length) return new Map();
      const r = await sql<{ userId: string; levels: Record<string, string> }>`SELECT user_id AS "userId", levels FROM alert_prefs WHERE user_id = ANY(${userIds}::uuid[])`.execute(db);
      return new Map(r.rows.map((x) => [x.userId, x.levels]));
    },
    async getPrefs(userId: string): Promise<Record<string, string> | null> {
      const r = await sql<{ levels: Record<string, string> }>`SELECT levels FROM alert_prefs WHERE user_id = ${userId}::uuid`.execute(db);
      return r.rows[0]?.levels ?? null;
    },
    async setPrefs(tx: Tx, userId: string, levels: Record<string, string>, now: Date): Promise<void> {
      await sql`INSERT INTO alert_prefs (user_id, levels, updated_at) VALUES (${userId}, ${JSON.stringify(levels)}::jsonb, ${now})
        ON CONFLICT (user_id) DO UPDATE SET levels = excluded.levels, updated_at = excluded.updated_at`.execute(tx);
    },

    // ---- deliveries ----------------------------------------------------------------------------
    /** Plans deliveries; the unique key makes planning the same revision twice a no-op. */
    async planDeliveries(rows: { alertId: string; revision: number; recipient: string; channel: string; orgId: string | null; stateFips: string | null }[]): Promise<number> {
      let n = 0;
      for (let i = 0; i < rows.length; i += 2000) {
        const chunk = rows.slice(i, i + 2000);
        const r = await sql`INSERT INTO alert_deliveries (alert_id, revision, recipient, channel, org_id, state_fips)
          SELECT * FROM unnest(${chunk.map((x) => x.alertId)}::uuid[], ${chunk.map((x) => x.revision)}::int[], ${chunk.map((x) => x.recipient)}::uuid[],
            ${chunk.map((x) => x.channel)}::text[], ${chunk.map((x) => x.orgId)}::uuid[], ${chunk.map((x) => x.stateFips)}::text[])
          ON CONFLICT (alert_id, revision, recipient, channel) DO NOTHING`.execute(db);
        n += Number(r.numAffectedRows ?? 0);
      }
      return n;
    },

    /** A batch of pending deliveries, locked for this transaction (SKIP LOCKED: parallel workers share). */
    async claimPending(tx: Tx, alertId: string, revision: number, limit: number) {
      const r = await sql<{ id: string; recipient: string; channel: 'inapp' | 'email' | 'webhook'; orgId: string | null }>`
        SELECT id::text, recipient, channel, org_id AS "orgId" FROM alert_deliveries
        WHERE alert_id = ${alertId}::uuid AND revision = ${revision} AND status = 'pending' AND channel <> 'digest'
        ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(tx);
      return r.rows;
    },

    async markDeliveries(tx: DbOrTx, ids: string[], status: 'queued' | 'sent' | 'failed' | 'skipped', now: Date, error: string | null = null): Promise<void> {
      if (!ids.length) return;
      await sql`UPDATE alert_deliveries SET status = ${status}, done_at = ${now}, last_error = ${error}, attempts = attempts + 1
        WHERE id = ANY(${ids}::bigint[])`.execute(tx);
    },

    /** Marks planned rows as handed to a DELIVER_JOB (no attempt yet). */
    async setQueued(tx: Tx, ids: string[]): Promise<void> {
      if (!ids.length) return;
      await sql`UPDATE alert_deliveries SET status = 'queued' WHERE id = ANY(${ids}::bigint[])`.execute(tx);
    },
    /** The given deliveries still waiting to be sent (a retried job skips what was sent). */
    async queuedDeliveries(ids: string[]) {
      if (!ids.length) return [];
      const r = await sql<{ id: string; recipient: string; channel: 'email' | 'webhook'; orgId: string | null; attempts: number }>`
        SELECT id::text, recipient, channel, org_id AS "orgId", attempts FROM alert_deliveries
        WHERE id = ANY(${ids}::bigint[]) AND status = 'queued' AND channel IN ('email', 'webhook') ORDER BY id`.execute(db);
      return r.rows;
    },
    /** A final outcome for deliveries (one attempt each). */
    async finishDeliveries(ids: string[], status: 'sent' | 'failed' | 'skipped', error: string | null, now: Date): Promise<void> {
      if (!ids.length) return;
      await sql`UPDATE alert_deliveries SET status = ${status}, done_at = ${now}, last_error = ${error}, attempts = attempts + 1
        WHERE id = ANY(${ids}::bigint[])`.execute(db);
    },
    /** A failed attempt to retry: the row stays queued. */
    async noteFailure(dbx: DbOrTx, id: string, error: string): Promise<void> {
      await sql`UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ${error} WHERE id = ${id}::bigint`.execute(dbx);
    },
    async webhooksByIds(ids: string[]) {
      if (!ids.length) return [];
      const r = await sql<{ id: string; orgId: string; url: string; secret: string; active: boolean }>`
        SELECT id, org_id AS "orgId", url, secret, active FROM webhooks WHERE id = ANY(${ids}::uuid[])`.execute(db);
      return r.rows;
    },
    /** What canSee needs of each organisation (the directory's sub-query). */
    async orgContexts(orgIds: string[]): Promise<OrgContextRow[]> {
      if (!orgIds.length) return [];
      const r = await orgContextsSql(sql`SELECT unnest(${orgIds}::uuid[])`).execute(db);
      return r.rows;
    },

    async usersByIds(dbx: DbOrTx, ids: string[]): Promise<Map<string, { email: string; name: string }>> {
      if (!ids.length) return new Map();
      const r = await activePeopleSql(ids).execute(dbx);
      return new Map(r.rows.map((x) => [x.id, { email: x.email, name: x.name }]));
    },

    async insertNotifications(tx: Tx, rows: { userId: string; alertId: string; revision: number; orgId: string | null; title: string }[], now: Date): Promise<void> {
      if (!rows.length) return;
      await sql`INSERT INTO notifications (user_id, alert_id, revision, org_id, title, created_at)
        SELECT u, ${rows[0]!.alertId}::uuid, ${rows[0]!.revision}::int, o, ${rows[0]!.title}, ${now}
        FROM unnest(${rows.map((r) => r.userId)}::uuid[], ${rows.map((r) => r.orgId)}::uuid[]) AS t(u, o)
        ON CONFLICT (user_id, alert_id, revision) DO NOTHING`.execute(tx);
    },

    async deliveryCounts(alertId: string, revision: number) {
      const r = await sql<{ channel: string; status: string; n: number }>`SELECT channel, status, count(*)::int AS n FROM alert_deliveries
        WHERE alert_id = ${alertId}::uuid AND revision = ${revision} GROUP BY 1, 2`.execute(db);
      return r.rows;
    },

    async getDelivery(id: string) {
      const r = await sql<{ id: string; alertId: string; revision: number; recipient: string; channel: string; status: string; attempts: number }>`
        SELECT id::text, alert_id AS "alertId", revision, recipient, channel, status, attempts FROM alert_deliveries WHERE id = ${id}::bigint`.execute(db);
      return r.rows[0] ?? null;
    },

    /** Pending digest items, grouped per person. */
    async pendingDigests(): Promise<{ userId: string; deliveryIds: string[]; alertIds: string[] }[]> {
      const r = await sql<{ userId: string; deliveryIds: string[]; alertIds: string[] }>`
        SELECT recipient AS "userId", array_agg(id::text ORDER BY id) AS "deliveryIds", array_agg(alert_id::text ORDER BY id) AS "alertIds"
        FROM alert_deliveries WHERE channel = 'digest' AND status = 'pending' GROUP BY recipient`.execute(db);
      return r.rows;
    },

    // ---- notifications -------------------------------------------------------------------------
    async notifications(actor: Actor, userId: string, opts: { unread: boolean; limit: number }) {
      const r = await sql<{ id: string; alertId: string; number: string; revision: number; title: string; level: AlertLevel; tlp: Sharing['tlp']; createdAt: Date; readAt: Date | null }>`
        SELECT n.id, n.alert_id AS "alertId", a.number, n.revision, n.title, a.level, a.tlp, n.created_at AS "createdAt", n.read_at AS "readAt"
        FROM notifications n JOIN alerts a ON a.id = n.alert_id
        WHERE n.user_id = ${userId}::uuid AND ${visibleTo(actor, 'a')} ${opts.unread ? sql`AND n.read_at IS NULL` : sql``}
        ORDER BY n.created_at DESC, n.id LIMIT ${opts.limit}`.execute(db);
      return r.rows;
    },
    async markRead(tx: Tx, userId: string, ids: string[] | 'all', now: Date): Promise<number> {
      const r = await sql`UPDATE notifications SET read_at = ${now} WHERE user_id = ${userId}::uuid AND read_at IS NULL
        ${ids === 'all' ? sql`` : sql`AND id = ANY(${ids}::uuid[])`}`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    },

    // ---- acknowledgements and escalation --------------------------------------------------------
    async wasDelivered(alertId: string, userId: string): Promise<{ orgId: string | null } | null> {
      const r = await sql<{ orgId: string | null }>`SELECT org_id AS "orgId" FROM alert_deliveries WHERE alert_id = ${alertId}::uuid AND recipient = ${userId}::uuid
        AND channel = 'inapp' ORDER BY revision DESC LIMIT 1`.execute(db);
      return r.rows[0] ?? null;
    },
    async upsertAck(tx: Tx, a: { alertId: string; userId: string; orgId: string | null; status: AckStatus; via: 'email' | 'api'; at: Date }): Promise<void> {
      await sql`INSERT INTO alert_acks (alert_id, user_id, org_id, status, via, at) VALUES (${a.alertId}, ${a.userId}, ${a.orgId}, ${a.status}, ${a.via}, ${a.at})
        ON CONFLICT (alert_id, user_id) DO UPDATE SET status = excluded.status, via = excluded.via, at = excluded.at`.execute(tx);
    },
    async ackOf(alertId: string, userId: string): Promise<{ status: AckStatus; at: Date; via: 'email' | 'api' } | null> {
      const r = await sql<{ status: AckStatus; at: Date; via: 'email' | 'api' }>`SELECT status, at, via FROM alert_acks
        WHERE alert_id = ${alertId}::uuid AND user_id = ${userId}::uuid`.execute(db);
      return r.rows[0] ?? null;
    },
    async ackProgress(alertId: string) {
      const [orgs, statuses, states] = await Promise.all([
        sql<{ orgId: string; people: number; acknowledged: number; escalatedAt: Date | null }>`
          SELECT d.org_id AS "orgId", count(DISTINCT d.recipient)::int AS people, count(DISTINCT k.user_id)::int AS acknowledged,
            (SELECT e.at FROM alert_escalations e WHERE e.alert_id = d.alert_id AND e.org_id = d.org_id) AS "escalatedAt"
          FROM alert_deliveries d LEFT JOIN alert_acks k ON k.alert_id = d.alert_id AND k.user_id = d.recipient
          WHERE d.alert_id = ${alertId}::uuid AND d.channel = 'inapp' GROUP BY d.alert_id, d.org_id ORDER BY d.org_id`.execute(db),
        sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM alert_acks WHERE alert_id = ${alertId}::uuid GROUP BY status`.execute(db),
        sql<{ stateFips: string | null; organisations: number; acknowledgedOrganisations: number }>`
          SELECT s.state_fips AS "stateFips", count(*)::int AS organisations, count(*) FILTER (WHERE s.acked)::int AS "acknowledgedOrganisations"
          FROM (SELECT d.org_id, min(d.state_fips) AS state_fips, bool_or(k.user_id IS NOT NULL) AS acked
                FROM alert_deliveries d LEFT JOIN alert_acks k ON k.alert_id = d.alert_id AND k.user_id = d.recipient
                WHERE d.alert_id = ${alertId}::uuid AND d.channel = 'inapp' GROUP BY d.org_id) s
          GROUP BY s.state_fips ORDER BY s.state_fips NULLS LAST`.execute(db),
      ]);
      return { orgs: orgs.rows, statuses: statuses.rows, states: states.rows };
    },

    /** Published High/Severe alerts with recipient organisations where nobody acknowledged and no escalation is recorded. */
    async escalationCandidates(levels: { level: AlertLevel; deadlineBefore: Date }[], now: Date) {
      const conds = levels.map((l) => sql`(a.level = ${l.level} AND a.published_at <= ${l.deadlineBefore})`);
      if (!conds.length) return [];
      const r = await sql<{ alertId: string; number: string; title: string; level: AlertLevel; orgId: string }>`
        SELECT a.id AS "alertId", a.number, a.title, a.level, d.org_id AS "orgId"
        FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id AND d.channel = 'inapp' AND d.org_id IS NOT NULL
        WHERE a.status = 'published' AND (a.expires_at IS NULL OR a.expires_at > ${now}) AND (${sql.join(conds, sql` OR `)})
        GROUP BY a.id, d.org_id
        HAVING NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id AND k.org_id = d.org_id)
           AND NOT EXISTS (SELECT 1 FROM alert_escalations e WHERE e.alert_id = a.id AND e.org_id = d.org_id)`.execute(db);
      return r.rows;
    },
    async recordEscalation(tx: Tx, alertId: string, orgId: string, contacts: unknown, at: Date): Promise<boolean> {
      const r = await sql`INSERT INTO alert_escalations (alert_id, org_id, at, contacts) VALUES (${alertId}, ${orgId}, ${at}, ${JSON.stringify(contacts)}::jsonb)
        ON CONFLICT DO NOTHING`.execute(tx);
      return Number(r.numAffectedRows ?? 0) === 1;
    },
    async escalations(alertId: string) {
      const r = await sql<{ orgId: string; at: Date; contacts: unknown }>`SELECT org_id AS "orgId", at, contacts FROM alert_escalations WHERE alert_id = ${alertId}::uuid ORDER BY at`.execute(db);
      return r.rows;
    },

    // ---- webhooks ------------------------------------------------------------------------------
    async insertWebhook(tx: Tx, w: { orgId: string; url: string; secret: string; description: string; createdBy: string | null; now: Date }): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO webhooks (org_id, url, secret, description, created_by, created_at)
        VALUES (${w.orgId}, ${w.url}, ${w.secret}, ${w.description}, ${w.createdBy}, ${w.now}) RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },
    async listWebhooks(orgId: string) {
      const r = await sql<{ id: string; orgId: string; url: string; description: string; active: boolean; createdAt: Date }>`
        SELECT id, org_id AS "orgId", url, description, active, created_at AS "createdAt" FROM webhooks WHERE org_id = ${orgId}::uuid AND active ORDER BY created_at`.execute(db);
      return r.rows;
    },
    async getWebhook(id: string) {
      const r = await sql<{ id: string; orgId: string; url: string; secret: string; active: boolean }>`
        SELECT id, org_id AS "orgId", url, secret, active FROM webhooks WHERE id = ${id}::uuid`.execute(db);
      return r.rows[0] ?? null;
    },
    async deactivateWebhook(tx: Tx, id: string): Promise<void> {
      await sql`UPDATE webhooks SET active = false WHERE id = ${id}::uuid`.execute(tx);
    },
    async insertAttempts(rows: { webhookId: string; deliveryId: string; alertId: string; revision: number; attempt: number; statusCode: number | null; ok: boolean; error: string | null; durationMs: number; at: Date }[]): Promise<void> {
      if (!rows.length) return;
      await sql`INSERT INTO webhook_attempts (webhook_id, delivery_id, alert_id, revision, attempt, status_code, ok, error, duration_ms, at)
        SELECT * FROM unnest(${rows.map((x) => x.webhookId)}::uuid[], ${rows.map((x) => x.deliveryId)}::bigint[], ${rows.map((x) => x.alertId)}::uuid[],
          ${rows.map((x) => x.revision)}::int[], ${rows.map((x) => x.attempt)}::int[], ${rows.map((x) => x.statusCode)}::int[], ${rows.map((x) => x.ok)}::boolean[],
          ${rows.map((x) => x.error)}::text[], ${rows.map((x) => x.durationMs)}::int[], ${rows.map((x) => x.at)}::timestamptz[])`.execute(db);
    },
    async attempts(webhookId: string, limit: number) {
      const r = await sql<{ id: string; alertId: string; revision: number; attempt: number; statusCode: number | null; ok: boolean; error: string | null; durationMs: number; at: Date }>`
        SELECT id::int AS id, alert_id AS "alertId", revision, attempt, status_code AS "statusCode", ok, error, duration_ms AS "durationMs", at
        FROM webhook_attempts WHERE webhook_id = ${webhookId}::uuid ORDER BY id DESC LIMIT ${limit}`.execute(db);
      return r.rows;
    },
    async bumpAttempts(id: string, error: string | null, status: 'queued' | 'sent' | 'failed', now: Date): Promise<number> {
      const r = await sql<{ attempts: number }>`UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ${error}, status = ${status},
        done_at = ${status === 'queued' ? null : now} WHERE id = ${id}::bigint RETURNING attempts`.execute(db);
      return r.rows[0]?.attempts ?? 0;
    },

    async linkKey(): Promise<string> {
      const r = await sql<{ value: string }>`SELECT value FROM alert_secrets WHERE name = 'link-key'`.execute(db);
      return r.rows[0]!.value;
    },

    // ---- operating picture (modules/picture calls these through the service) -------------------
    /**
     * Active visible alerts by level, and recipient organisations with and without an acknowledgement, per
     * state — or, given a state, per county of it ('SS' = the whole state: alerts for the state, recipients
     * without a county). Areas: affected jurisdictions, targeted states and targeted jurisdictions.
     * Recipient counties: the directory's orgPlacesSql.
     */
    async pictureStates(actor: Actor, now: Date, stateFips?: string) {
      const area = stateFips ? sql`f` : sql`left(f, 2)`;
      const recipientArea = stateFips ? sql`coalesce(o.jurisdiction_fips, d.state_fips)` : sql`d.state_fips`;
      // One statement: the active alerts the actor may see are found once (visibleTo evaluated once, by the
      // partial index of active alerts, migrations/0311), then counted by level per area and followed to
      // their recipients and acknowledgements. Rows of the two answers are told apart by \`level\` (NULL: gaps).
      const r = await sql<{ fips: string; level: AlertLevel | null; alerts: number; orgs: number; unacked: number }>`
        WITH act AS MATERIALIZED (
          SELECT a.id, a.revision, a.level, a.affected_fips, a.target FROM alerts a
          WHERE a.status = 'published' AND (a.expires_at IS NULL OR a.expires_at > ${now}) AND ${visibleTo(actor, 'a')}),
        lv AS (
          SELECT s.area AS fips, a.level, count(*)::int AS alerts
          FROM act a CROSS JOIN LATERAL (
            SELECT DISTINCT ${area} AS area FROM unnest(a.affected_fips
              || coalesce(ARRAY(SELECT jsonb_array_elements_text(a.target->'states')), '{}')
              || coalesce(ARRAY(SELECT jsonb_array_elements_text(a.target->'jurisdictions')), '{}')) f
            ${stateFips ? sql`WHERE left(f, 2) = ${stateFips}` : sql``}
          ) s
          GROUP BY 1, 2),
        -- Recipient organisations of the active visible alerts (current revision, in-app: one row per person),
        -- and whether somebody of each acknowledged (alert_acks carries the organisation acted for).
        rec AS (SELECT d.alert_id, d.org_id, min(${recipientArea}) AS area
                FROM act JOIN alert_deliveries d ON d.alert_id = act.id AND d.revision = act.revision AND d.channel = 'inapp'
                ${stateFips ? sql`LEFT JOIN (${orgPlacesSql()}) o ON o.id = d.org_id AND left(o.jurisdiction_fips, 2) = d.state_fips` : sql``}
                WHERE d.state_fips IS NOT NULL ${stateFips ? sql`AND d.state_fips = ${stateFips}` : sql``}
                GROUP BY d.alert_id, d.org_id),
        -- the acknowledgements of those alerts only, by index (ANY of an array keeps the planner off a scan of every acknowledgement)
        ack AS (SELECT DISTINCT k.alert_id, k.org_id FROM alert_acks k WHERE k.alert_id = ANY (ARRAY(SELECT id FROM act))),
        gap AS (SELECT rec.area AS fips, count(*)::int AS orgs, count(*) FILTER (WHERE ack.org_id IS NULL)::int AS unacked
                FROM rec LEFT JOIN ack ON ack.alert_id = rec.alert_id AND ack.org_id = rec.org_id
                GROUP BY 1)
        SELECT fips, level, alerts, 0 AS orgs, 0 AS unacked FROM lv
        UNION ALL SELECT fips, NULL, 0, orgs, unacked FROM gap`.execute(db);
      return {
        levels: r.rows.filter((x) => x.level !== null) as { fips: string; level: AlertLevel; alerts: number }[],
        gaps: r.rows.filter((x) => x.level === null),
      };
    },

    async trends(actor: Actor, q: { from: Date; to: Date; communityId?: string; sector?: string }) {
      const where = [visibleTo(actor, 'a') as ReturnType<typeof sql>, sql`a.published_at >= ${q.from}`, sql`a.published_at < ${q.to}`];
      if (q.communityId) where.push(sql`(${q.communityId}::uuid = ANY(a.community_ids) OR a.target->'communityIds' ? ${q.communityId})`);
      // sector: alerts targeted at that kind of organisation, or naming it among the affected sectors
      if (q.sector) where.push(sql`(a.target->'orgKinds' ? ${q.sector} OR ${q.sector} = ANY(a.affected_sectors))`);
      const cond = sql.join(where, sql` AND `);
      // Time to acknowledge: median and p90 exactly as percentile_cont over the minutes from publication of every
      // acknowledgement of the visible alerts in range, from alert_ack_minutes (migrations/0312: per alert, its
      // minutes sorted and how many are <= each edge). Summing those counts over the visible alerts tells which
      // bucket between two edges holds each rank percentile_cont reads; only that bucket's minutes (a slice of
      // each alert's sorted array) are sorted, not every delay of the range. Visibility: visibleTo on the alert.
      const le = sql.join(Array.from({ length: ACK_MINUTE_EDGES }, (_, i) => sql`coalesce(sum(v.le[${sql.lit(i + 1)}]), 0)`));
      const [days, tta] = await Promise.all([
        sql<{ day: string; level: AlertLevel; n: number }>`SELECT to_char(a.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, a.level, count(*)::int AS n
          FROM alerts a WHERE ${cond} GROUP BY 1, 2 ORDER BY 1`.execute(db),
        sql<{ n: number; p: number[] }>`
          WITH v AS MATERIALIZED (SELECT r.minutes, r.le FROM alerts a JOIN alert_ack_minutes r ON r.alert_id = a.id WHERE ${cond}),
          t AS (SELECT coalesce(sum(cardinality(v.minutes)), 0)::int AS n, ARRAY[${le}]::int[] AS le FROM v),
          -- percentile_cont reads the values at ranks floor(p(n-1)) and the next one (0-based), and interpolates
          k AS (SELECT q.o, floor(q.p * (t.n - 1))::int AS lo, q.p * (t.n - 1) - floor(q.p * (t.n - 1)) AS frac, t.n, t.le
                FROM t, unnest(ARRAY[0.5, 0.9]::float8[]) WITH ORDINALITY q(p, o) WHERE t.n > 0),
          -- the buckets holding those two ranks: bucket b has the values above edge b-1 up to edge b (the last: above the last edge)
          b AS (SELECT k.*, (SELECT count(*)::int FROM unnest(k.le) c WHERE c <= k.lo) + 1 AS b1,
                  (SELECT count(*)::int FROM unnest(k.le) c WHERE c <= least(k.lo + 1, k.n - 1)) + 1 AS b2 FROM k),
          x AS MATERIALIZED (SELECT b.o, b.frac, ARRAY(
                  SELECT m FROM v, unnest(v.minutes[coalesce(v.le[b.b1 - 1], 0) + 1 : coalesce(v.le[b.b2], cardinality(v.minutes))]) m
                  ORDER BY m OFFSET b.lo - coalesce(b.le[b.b1 - 1], 0) LIMIT 2) AS xs FROM b)
          SELECT t.n, ARRAY(SELECT CASE WHEN x.frac = 0 OR cardinality(x.xs) < 2 THEN x.xs[1] ELSE x.xs[1] + (x.xs[2] - x.xs[1]) * x.frac END
                            FROM x ORDER BY x.o) AS p
          FROM t`.execute(db),
      ]);
      const t = tta.rows[0]!;
      return { days: days.rows, tta: { n: t.n, median: t.p?.[0] ?? null, p90: t.p?.[1] ?? null } };
    },

    /** Alerts of a week visible to the actor and shared with or targeted at a community. */
    async weekly(actor: Actor, communityId: string, from: Date, to: Date) {
      const r = await sql<AlertRow & { recipients: number; acked: number }>`SELECT ${COLS},
          (SELECT count(DISTINCT d.recipient)::int FROM alert_deliveries d WHERE d.alert_id = a.id AND d.channel = 'inapp') AS recipients,
          (SELECT count(*)::int FROM alert_acks k WHERE k.alert_id = a.id) AS acked
        FROM alerts a WHERE ${visibleTo(actor, 'a')} AND a.status = 'published' AND a.published_at >= ${from} AND a.published_at < ${to}
          AND (${communityId}::uuid = ANY(a.community_ids) OR a.target->'communityIds' ? ${communityId} OR a.tlp = 'CLEAR')
        ORDER BY a.published_at`.execute(db);
      return r.rows;
    },
    async communityName(id: string): Promise<string | null> {
      const r = await sql<{ name: string }>`SELECT name FROM communities WHERE id = ${id}::uuid`.execute(db);
      return r.rows[0]?.name ?? null;
    },
    /** Analysts and organisation admins of a community's member organisations (weekly report mail). */
    async communityReaders(communityId: string) {
      const r = await sql<{ userId: string; email: string; orgId: string }>`SELECT DISTINCT ON (u.id) u.id AS "userId", u.email, m.org_id AS "orgId"
        FROM community_members cm JOIN memberships m ON m.org_id = cm.org_id AND m.role IN ('analyst','org_admin') JOIN users u ON u.id = m.user_id AND NOT u.disabled
        WHERE cm.community_id = ${communityId}::uuid ORDER BY u.id`.execute(db);
      return r.rows;
    },
    async allCommunityIds(): Promise<string[]> {
      const r = await sql<{ id: string }>`SELECT id FROM communities ORDER BY name`.execute(db);
      return r.rows.map((x) => x.id);
    },
  };
}
export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
