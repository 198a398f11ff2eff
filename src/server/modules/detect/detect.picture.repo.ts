import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Db } from '../../core/db.ts';
import { orgPlacesSql } from '../directory/index.ts';

/**
 * Sighting aggregates for the operating picture (modules/picture), read from detect_sighting_days
 * (migrations/0210_detect_picture.sql: per day, reporting organisation and sharing, kept by triggers)
 * under visibleTo. A sighting is placed where its reporting organisation is — the rollup row's
 * jurisdiction_fips, the organisation's own kept current by triggers (0211) — and counts on the day it was
 * first recorded. The directory (orgPlacesSql) is joined only for the sector filter.
 */
/** The UTC calendar day of a time, as the rollup's days are (a Date cast to date would use the session's time zone). */
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

export function createDetectPicture(db: Db) {
  return {
    /** Sightings first recorded since `since` that the actor may see, per state — or, given a state, per county ('SS' = the state's own organisations). */
    async sightingsByArea(actor: Actor, q: { since: Date; stateFips?: string }): Promise<{ fips: string; n: number }[]> {
      const area = q.stateFips ? sql`d.jurisdiction_fips` : sql`left(d.jurisdiction_fips, 2)`;
      const r = await sql<{ fips: string; n: number }>`
        SELECT ${area} AS fips, sum(d.sightings)::int AS n
        FROM detect_sighting_days d
        WHERE d.day >= ${utcDay(q.since)}::date AND d.sightings > 0 AND d.jurisdiction_fips IS NOT NULL AND ${visibleTo(actor, 'd')}
          ${q.stateFips ? sql`AND left(d.jurisdiction_fips, 2) = ${q.stateFips}` : sql``}
        GROUP BY 1 HAVING sum(d.sightings) > 0`.execute(db);
      return r.rows;
    },

    /**
     * Visible sightings per day (UTC), `from` ≤ day < `to`: the total and by state (state FIPS → n, in order;
     * '' = an organisation without a jurisdiction); communityId: shared with that community; sector: reported
     * by an organisation of that kind. One row per day (the states folded into a JSON object in SQL): a year
     * is 366 rows for the application to read, not one per day and state.
     */
    async sightingsPerDay(actor: Actor, q: { from: Date; to: Date; communityId?: string; sector?: string }): Promise<{ day: string; n: number; byState: Record<string, number> }[]> {
      const where: RawBuilder<unknown>[] = [sql`d.day >= ${utcDay(q.from)}::date`, sql`d.day < ${utcDay(q.to)}::date`, sql`d.sightings > 0`, visibleTo(actor, 'd')];
      if (q.communityId) where.push(sql`${q.communityId}::uuid = ANY(d.community_ids)`);
      if (q.sector) where.push(sql`EXISTS (SELECT 1 FROM (${orgPlacesSql()}) o WHERE o.id = d.org_id AND o.kind = ${q.sector})`);
      const r = await sql<{ day: string; n: number; byState: Record<string, number> }>`
        SELECT to_char(x.day, 'YYYY-MM-DD') AS day, sum(x.n)::int AS n, json_object_agg(x.st, x.n ORDER BY x.st) AS "byState" FROM (
          SELECT d.day, coalesce(left(d.jurisdiction_fips, 2), '') AS st, sum(d.sightings)::int AS n
          FROM detect_sighting_days d
          WHERE ${sql.join(where, sql` AND `)}
          GROUP BY 1, 2) x
        GROUP BY x.day`.execute(db);
      return r.rows;
    },
  };
}
export type DetectPicture = ReturnType<typeof createDetectPicture>;
