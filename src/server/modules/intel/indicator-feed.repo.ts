import { sql } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Db } from '../../core/db.ts';

/** Indicators for detection: the latest visible, unrevoked STIX indicators, in keyset pages. */
export interface IndicatorFeedRow {
  pk: number;
  id: string;
  name: string | null;
  pattern: string;
  patternType: string;
  validFrom: string | null;
  validUntil: string | null;
  tlp: string;
  dateAdded: Date;
}

export function createIndicatorFeedRepo(db: Db) {
  return {
    async page(actor: Actor, afterPk: number, limit: number, since?: Date): Promise<IndicatorFeedRow[]> {
      const r = await sql<IndicatorFeedRow>`SELECT o.pk, o.id, o.name, o.object->>'pattern' AS pattern, coalesce(o.object->>'pattern_type', 'stix') AS "patternType",
          o.object->>'valid_from' AS "validFrom", o.object->>'valid_until' AS "validUntil", o.tlp, o.date_added AS "dateAdded"
        FROM stix_objects o
        WHERE o.type = 'indicator' AND o.is_latest AND NOT o.revoked AND o.pk > ${afterPk}
          ${since ? sql`AND o.date_added >= ${since}` : sql``}
          AND ${visibleTo(actor, 'o')}
        ORDER BY o.pk LIMIT ${limit}`.execute(db);
      return r.rows;
    },
  };
}
