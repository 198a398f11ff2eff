import { z } from 'zod';
import { TLP_LEVELS } from '../../core/access/tlp.ts';

/** What the situation room follows: published alerts, submitted incident reports, sightings. */
export const ITEM_KINDS = ['alert', 'incident', 'sighting'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** Longest message, in characters (the table checks the same bound). */
export const MESSAGE_MAX_CHARS = 4000;
/** Messages returned with a thread (oldest first); more is flagged as `truncated`. */
export const THREAD_MAX_MESSAGES = 1000;

const iso = z.string();
const uuidish = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export const FeedQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(30),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(2000).optional(),
});
export const SummaryQuery = z.strictObject({
  /** The window counted, in hours back from now. */
  hours: z.coerce.number().int().min(1).max(168).default(24),
});
export const ItemParams = z.strictObject({
  kind: z.enum(ITEM_KINDS),
  id: z.string().regex(new RegExp(`^(sighting--)?${uuidish}$`), 'must be an alert or incident id (UUID) or a sighting id (sighting--UUID)'),
});

// Plain text: no NUL or other control characters than tab and line breaks.
const CONTROL = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
export const MessageBody = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty').max(MESSAGE_MAX_CHARS, `must be at most ${MESSAGE_MAX_CHARS} characters`).regex(CONTROL, 'must not contain control characters'),
  /** The message this one answers (of the same item's discussion); absent or null starts a new thread. */
  parentId: z.uuid().nullable().optional(),
});
export type MessageBody = z.infer<typeof MessageBody>;

export const FeedItem = z.object({
  kind: z.enum(ITEM_KINDS),
  id: z.string(),
  /** When it entered the feed: publication, submission, or the sighting's last change. */
  at: iso,
  title: z.string(),
  /** A short identifying line: alert number, incident reference, sighting organisation. */
  label: z.string(),
  summary: z.string(),
  tlp: z.enum(TLP_LEVELS),
  /** Alert level or incident priority. */
  level: z.string().nullable(),
  status: z.string().nullable(),
  messages: z.number().int(),
  lastMessageAt: iso.nullable(),
});
export type FeedItem = z.infer<typeof FeedItem>;
export const FeedPage = z.object({ items: z.array(FeedItem), nextCursor: z.string().nullable() });

const Count = z.object({ n: z.number().int(), capped: z.boolean() });
export const Summary = z.object({ since: iso, counts: z.object({ alert: Count, incident: Count, sighting: Count }) });

export const Message = z.object({
  id: z.uuid(),
  kind: z.enum(ITEM_KINDS),
  itemId: z.string(),
  parentId: z.uuid().nullable(),
  authorName: z.string(),
  authorOrgName: z.string().nullable(),
  /** Written by the reader. */
  mine: z.boolean(),
  text: z.string(),
  createdAt: iso,
});
export const Thread = z.object({ items: z.array(Message), truncated: z.boolean() });
