import { sql } from 'kysely';
import type { Db } from '../../core/db.ts';

export interface AuditQuery {
  action?: string;
  actorId?: string;
  subjectType?: string;
  subjectId?: string;
  orgId?: string;
  from?: Date;
  to?: Date;
  q?: string;
  beforeSeq?: number;
  limit: number;
}

export function createAuditRepo(db: Db) {
  return {
    async list(q: AuditQuery) {
      const where = [sql`true`];
      if (q.action) where.push(q.action.endsWith('*') ? sql`action LIKE ${q.action.slice(0, -1).replace(/[%_\\]/g, (c) => '\\' + c) + '%'}` : sql`action = ${q.action}`);
      if (q.actorId) where.push(sql`actor_id = ${q.actorId}`);
      if (q.subjectType) where.push(sql`subject_type = ${q.subjectType}`);
      if (q.subjectId) where.push(sql`subject_id = ${q.subjectId}`);
      if (q.orgId) where.push(sql`org_id = ${q.orgId}::uuid`);
      if (q.from) where.push(sql`at >= ${q.from}`);
      if (q.to) where.push(sql`at < ${q.to}`);
      if (q.q) where.push(sql`(actor_name ILIKE ${'%' + q.q.replace(/[%_\\]/g, (c) => '\\' + c) + '%'} OR action ILIKE ${'%' + q.q.replace(/[%_\\]/g, (c) => '\\' + c) + '%'})`);
      if (q.beforeSeq) where.push(sql`seq < ${q.beforeSeq}`);
      const r = await sql<{ seq: number; at: Date; actorKind: string; actorId: string | null; actorName: string; orgId: string | null; action: string; subjectType: string | null; subjectId: string | null; details: Record<string, unknown>; hash: string }>`
        SELECT seq, at, actor_kind AS "actorKind", actor_id AS "actorId", actor_name AS "actorName", org_id AS "orgId", action,
          subject_type AS "subjectType", subject_id AS "subjectId", details, hash
        FROM audit_log WHERE ${sql.join(where, sql` AND `)} ORDER BY seq DESC LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },
  };
}
