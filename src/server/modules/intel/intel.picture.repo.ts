import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Db } from '../../core/db.ts';
import { orgPlacesSql } from '../directory/index.ts';

/** The UTC calendar day of a time, as the rollup's days are (a Date cast to date would use the session's time zone). */
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** Intel aggregates for the operating picture (modules/picture), under visibleTo. */
export function createIntelPicture(db: Db) {
  return {
    /**
     * Indicators shared per day (UTC, by date added; each stored version counts once), `from` ≤ day < `to`,
     * that the actor may see; communityId: shared with that community; sector: shared by an organisation of that kind.
     * Read from intel_indicator_days (migrations/0111_intel_indicator_days.sql: per day and sharing, kept by
     * statement-level triggers on stix_objects) under visibleTo, which reads exactly the rollup's key.
     */
    async indicatorsPerDay(actor: Actor, q: { from: Date; to: Date; communityId?: string; sector?: string }): Promise<{ day: string; n: number }[]> {
      const where: RawBuilder<unknown>[] = [sql`d.day >= ${utcDay(q.from)}::date`, sql`d.day < ${utcDay(q.to)}::date`, sql`d.indicators > 0`, visibleTo(actor, 'd')];
      if (q.communityId) where.push(sql`${q.communityId}::uuid = ANY(d.community_ids)`);
      if (q.sector) where.push(sql`EXISTS (SELECT 1 FROM (${orgPlacesSql()}) o WHERE o.id = d.owner_org_id AND o.kind = ${q.sector})`);
      // grouped by the date (hashed), formatted once per day, not per row
      const r = await sql<{ day: string; n: number }>`
        SELECT to_char(x.day, 'YYYY-MM-DD') AS day, x.n FROM (
          SELECT d.day, sum(d.indicators)::int AS n
          FROM intel_indicator_days d WHERE ${sql.join(where, sql` AND `)} GROUP BY 1) x
        ORDER BY x.day`.execute(db);
      return r.rows;
    },
  };
}
export type IntelPicture = ReturnType<typeof createIntelPicture>;
