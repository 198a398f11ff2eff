import { sql } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Db } from '../../core/db.ts';

/** Statuses of an incident still being worked (not a draft, not resolved or closed). */
export const OPEN_STATUSES = ['new', 'triaged', 'in_progress', 'contained'] as const;

/** Incident aggregates for the operating picture (modules/picture), under visibleTo. */
export function createIncidentsPicture(db: Db) {
  return {
    /** Open incidents the actor may see, per state — or, given a state, per county ('SS' = reported at state level). */
    async openByArea(actor: Actor, q: { stateFips?: string } = {}): Promise<{ fips: string; n: number }[]> {
      const area = q.stateFips ? sql`i.jurisdiction_fips` : sql`left(i.jurisdiction_fips, 2)`;
      const r = await sql<{ fips: string; n: number }>`
        SELECT ${area} AS fips, count(*)::int AS n FROM incidents i
        WHERE i.status IN (${sql.join(OPEN_STATUSES.map((s) => sql.lit(s)))}) AND i.jurisdiction_fips IS NOT NULL AND ${visibleTo(actor, 'i')}
          ${q.stateFips ? sql`AND left(i.jurisdiction_fips, 2) = ${q.stateFips}` : sql``}
        GROUP BY 1`.execute(db);
      return r.rows;
    },
  };
}
export type IncidentsPicture = ReturnType<typeof createIncidentsPicture>;
