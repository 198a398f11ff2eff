import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Db } from '../../core/db.ts';
import { orgPlacesSql } from '../directory/index.ts';

/** Intel aggregates for the operating picture (modules/picture), under visibleTo. */
export function createIntelPicture(db: Db) {
  return {
    /**
     * Indicators shared per day (UTC, by date added; each stored version counts once), `from` ≤ day < `to`,
     * that the actor may see; communityId: shared with that community; sector: shared by an organisation of that kind.
     */
    async indicatorsPerDay(actor: Actor, q: { from: Date; to: Date; communityId?: string; sector?: string }): Promise<{ day: string; n: number }[]> {
      const where: RawBuilder<unknown>[] = [sql`s.type = 'indicator'`, sql`s.date_added >= ${q.from}`, sql`s.date_added < ${q.to}`, visibleTo(actor, 's')];
      if (q.communityId) where.push(sql`${q.communityId}::uuid = ANY(s.community_ids)`);
      if (q.sector) where.push(sql`EXISTS (SELECT 1 FROM (${orgPlacesSql()}) o WHERE o.id = s.owner_org_id AND o.kind = ${q.sector})`);
      // grouped by the day as a timestamp (hashed), formatted once per day, not per row
      const r = await sql<{ day: string; n: number }>`
        SELECT to_char(x.day, 'YYYY-MM-DD') AS day, x.n FROM (
          SELECT date_trunc('day', s.date_added AT TIME ZONE 'UTC') AS day, count(*)::int AS n
          FROM stix_objects s WHERE ${sql.join(where, sql` AND `)} GROUP BY 1) x
        ORDER BY x.day`.execute(db);
      return r.rows;
    },
  };
}
export type IntelPicture = ReturnType<typeof createIntelPicture>;
