import { z } from 'zod';
import { hasScope, systemActor, type Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx } from '../../core/db.ts';
import { publishEvent } from '../../core/events/events.ts';
import { errors } from '../../core/http/errors.ts';
import type { Core } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { MessageRow, RoomRepo } from './room.repo.ts';
import { ITEM_KINDS, THREAD_MAX_MESSAGES, type FeedItem, type ItemKind, type MessageBody } from './room.schemas.ts';
import type { FeedSource, SourceCursor, SourceItem } from './room.sources.ts';

/** Topic of the live event for a new message (the item's sharing: only those who may see the item get it). */
export const MESSAGE_TOPIC = 'room.message';
/** Counts in the summary stop here ("1,000+"). */
export const COUNT_CAP = 1000;

function requireReader(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}
function requireWriter(actor: Actor): asserts actor is Actor & { userId: string } {
  requireReader(actor);
  if (!hasScope(actor, 'write')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the write scope');
  if (!actor.userId) throw errors.forbidden('ROOM_FORBIDDEN', 'Only a person takes part in a discussion');
}

/** The feed cursor: where each source's part of the feed ended ("done" when it has no more). */
const SourceCursorSchema = z.object({ at: z.iso.datetime(), id: z.string().max(200), n: z.number().int().min(0) });
const CursorSchema = z.partialRecord(z.enum(ITEM_KINDS), z.union([SourceCursorSchema, z.literal('done')]));
type Cursor = z.infer<typeof CursorSchema>;
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(s: string | undefined): Cursor {
  if (s === undefined) return {};
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
  } catch {
    throw errors.validation([{ path: 'querystring.cursor', message: 'is not a cursor this feed gave out' }]);
  }
}

/** Newest first; at equal times a fixed order of kinds and ids, so merged pages are stable. */
const newestFirst = (a: SourceItem, b: SourceItem) =>
  b.at.getTime() - a.at.getTime() || ITEM_KINDS.indexOf(a.kind) - ITEM_KINDS.indexOf(b.kind) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function createRoomService(core: Core, repo: RoomRepo, deps: { sources: FeedSource[]; directory: DirectoryService }) {
  const db = core.database.db;
  const sources = new Map(deps.sources.map((s) => [s.kind, s]));
  const source = (kind: ItemKind) => sources.get(kind)!;

  async function withCounts(items: SourceItem[]): Promise<FeedItem[]> {
    const counts = await repo.countsFor(items);
    return items.map((i) => {
      const c = counts.get(`${i.kind}:${i.id}`);
      return {
        kind: i.kind, id: i.id, at: i.at.toISOString(), title: i.title, label: i.label, summary: i.summary, tlp: i.sharing.tlp,
        level: i.level, status: i.status, messages: c?.n ?? 0, lastMessageAt: c ? c.last.toISOString() : null,
      };
    });
  }

  /** The item when the reader may see it (the owning module decides); otherwise the 404 of an unknown id. */
  async function visibleItem(actor: Actor, kind: ItemKind, id: string): Promise<SourceItem> {
    const item = await source(kind).get(actor, id);
    if (!item) throw errors.notFound('item', 'ROOM_ITEM_NOT_FOUND');
    return item;
  }

  const messageOut = (actor: Actor) => (m: MessageRow) => ({
    id: m.id, kind: m.kind, itemId: m.itemId, parentId: m.parentId, authorName: m.authorName, authorOrgName: m.authorOrgName,
    mine: actor.userId !== null && m.authorUserId === actor.userId, text: m.text, createdAt: m.createdAt.toISOString(),
  });

  return {
    /**
     * One page of the feed: each source's next items the reader may see, merged newest first. The cursor
     * keeps each source's own position, so a page never skips an item of one source for another's.
     */
    async feed(actor: Actor, q: { limit: number; cursor?: string }) {
      requireReader(actor);
      const cursor = decodeCursor(q.cursor);
      const fetched = new Map<ItemKind, SourceItem[]>();
      // One source after another: on PGlite every statement shares one connection anyway.
      for (const s of deps.sources) {
        const at = cursor[s.kind];
        fetched.set(s.kind, at === 'done' ? [] : await s.page(actor, at, q.limit));
      }
      const page = [...fetched.values()].flat().sort(newestFirst).slice(0, q.limit);
      const next: Cursor = {};
      let more = false;
      for (const s of deps.sources) {
        const prev = cursor[s.kind];
        const got = fetched.get(s.kind)!;
        const taken = page.filter((i) => i.kind === s.kind);
        const last = taken[taken.length - 1];
        const exhausted = prev === 'done' || (got.length < q.limit && taken.length === got.length);
        if (exhausted) next[s.kind] = 'done';
        else {
          more = true;
          const before = prev as SourceCursor | undefined;
          const pos = last ? { at: last.at.toISOString(), id: last.id, n: (before?.n ?? 0) + taken.length } : before;
          if (pos) next[s.kind] = pos;
        }
      }
      return { items: await withCounts(page), nextCursor: more ? encodeCursor(next) : null };
    },

    /** How many items of each kind the reader may see entered the feed in the last `hours`. */
    async summary(actor: Actor, q: { hours: number }) {
      requireReader(actor);
      const since = new Date(core.clock.now().getTime() - q.hours * 3600_000);
      const counts = {} as Record<ItemKind, { n: number; capped: boolean }>;
      for (const s of deps.sources) {
        const n = await s.countSince(actor, since, COUNT_CAP + 1);
        counts[s.kind] = { n: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
      }
      return { since: since.toISOString(), counts };
    },

    async item(actor: Actor, kind: ItemKind, id: string): Promise<FeedItem> {
      requireReader(actor);
      const [out] = await withCounts([await visibleItem(actor, kind, id)]);
      return out!;
    },

    /** The discussion of an item, oldest first, for a reader who may see the item (else 404). */
    async thread(actor: Actor, kind: ItemKind, id: string) {
      requireReader(actor);
      await visibleItem(actor, kind, id);
      const rows = await repo.thread(kind, id, THREAD_MAX_MESSAGES + 1);
      return { items: rows.slice(0, THREAD_MAX_MESSAGES).map(messageOut(actor)), truncated: rows.length > THREAD_MAX_MESSAGES };
    },

    /**
     * Posts a message (a reply when `parentId` names a message of the same discussion). The message, its
     * audit row and its live event — carrying the item's sharing — commit together.
     */
    async post(actor: Actor, kind: ItemKind, id: string, body: MessageBody) {
      requireWriter(actor);
      const item = await visibleItem(actor, kind, id);
      const org = actor.orgId ? await deps.directory.getOrg(systemActor('room'), actor.orgId).catch(() => null) : null;
      const row = await withTx(db, async (tx) => {
        if (body.parentId && !(await repo.inThread(tx, body.parentId, kind, id))) {
          throw errors.validation([{ path: 'body.parentId', message: 'is not a message of this discussion' }]);
        }
        const m = await repo.insertMessage(tx, {
          kind, itemId: id, parentId: body.parentId ?? null, authorUserId: actor.userId, authorName: actor.name, authorOrgId: actor.orgId,
          authorOrgName: org?.name ?? null, text: body.text, createdAt: core.clock.now(),
        });
        await audit(tx, actor, { action: 'room.message.post', subjectType: 'room_message', subjectId: m.id, details: { kind, itemId: id, parentId: m.parentId, chars: m.text.length } });
        await publishEvent(tx, { topic: MESSAGE_TOPIC, subjectId: m.id, sharing: item.sharing, payload: { kind, itemId: id, messageId: m.id, parentId: m.parentId } });
        return m;
      });
      return messageOut(actor)(row);
    },
  };
}
export type RoomService = ReturnType<typeof createRoomService>;
