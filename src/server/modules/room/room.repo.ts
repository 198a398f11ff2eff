import { sql } from 'kysely';
import type { Db, DbOrTx, Tx } from '../../core/db.ts';
import type { ItemKind } from './room.schemas.ts';

/** The only file of the room module that speaks SQL: its own table, room_messages. */

export interface MessageRow {
  id: string;
  kind: ItemKind;
  itemId: string;
  parentId: string | null;
  authorUserId: string | null;
  authorName: string;
  authorOrgName: string | null;
  text: string;
  createdAt: Date;
}

const COLS = sql`m.id, m.item_kind AS kind, m.item_id AS "itemId", m.parent_id AS "parentId", m.author_user_id AS "authorUserId",
  m.author_name AS "authorName", m.author_org_name AS "authorOrgName", m.body AS text, m.created_at AS "createdAt"`;

export function createRoomRepo(db: Db) {
  return {
    async insertMessage(tx: Tx, m: Omit<MessageRow, 'id'> & { authorOrgId: string | null }): Promise<MessageRow> {
      const r = await sql<MessageRow>`INSERT INTO room_messages AS m (item_kind, item_id, parent_id, author_user_id, author_name, author_org_id, author_org_name, body, created_at)
        VALUES (${m.kind}, ${m.itemId}, ${m.parentId}::uuid, ${m.authorUserId}::uuid, ${m.authorName}, ${m.authorOrgId}::uuid, ${m.authorOrgName}, ${m.text}, ${m.createdAt})
        RETURNING ${COLS}`.execute(tx);
      return r.rows[0]!;
    },

    /** Whether `id` is a message of the discussion of (kind, itemId). */
    async inThread(dbx: DbOrTx, id: string, kind: ItemKind, itemId: string): Promise<boolean> {
      const r = await sql`SELECT 1 FROM room_messages WHERE id = ${id}::uuid AND item_kind = ${kind} AND item_id = ${itemId}`.execute(dbx);
      return r.rows.length > 0;
    },

    /** The discussion of one item, oldest first, up to `limit`. */
    async thread(kind: ItemKind, itemId: string, limit: number): Promise<MessageRow[]> {
      const r = await sql<MessageRow>`SELECT ${COLS} FROM room_messages m WHERE m.item_kind = ${kind} AND m.item_id = ${itemId}
        ORDER BY m.created_at, m.id LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    /** Message count and latest message time per item, for items the caller has already checked the reader may see. */
    async countsFor(items: { kind: ItemKind; id: string }[]): Promise<Map<string, { n: number; last: Date }>> {
      const out = new Map<string, { n: number; last: Date }>();
      if (!items.length) return out;
      const r = await sql<{ kind: string; itemId: string; n: number; last: Date }>`SELECT m.item_kind AS kind, m.item_id AS "itemId", count(*)::int AS n, max(m.created_at) AS last
        FROM room_messages m JOIN unnest(${items.map((i) => i.kind)}::text[], ${items.map((i) => i.id)}::text[]) AS k(kind, id)
          ON m.item_kind = k.kind AND m.item_id = k.id
        GROUP BY m.item_kind, m.item_id`.execute(db);
      for (const row of r.rows) out.set(`${row.kind}:${row.itemId}`, { n: row.n, last: row.last });
      return out;
    },
  };
}
export type RoomRepo = ReturnType<typeof createRoomRepo>;
