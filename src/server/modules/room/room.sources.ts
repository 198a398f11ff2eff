import type { Actor } from '../../core/access/actor.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import { AppError } from '../../core/http/errors.ts';
import type { AlertsService } from '../alerts/index.ts';
import type { DetectService } from '../detect/index.ts';
import type { IncidentsService } from '../incidents/index.ts';
import type { ItemKind } from './room.schemas.ts';

/**
 * The room's view of the modules it follows, through their public faces only. Each source answers
 * with the records the reader may see by the module's own read path (visibleTo / canSee there); the
 * room never decides visibility itself. `sharing` is the record's, so a discussion event carries it.
 */
export interface SourceItem {
  kind: ItemKind;
  id: string;
  at: Date;
  title: string;
  label: string;
  summary: string;
  level: string | null;
  status: string | null;
  sharing: Sharing;
}

/** Where a source's previous page ended: its last item, and how many items were read before (for offset paging). */
export interface SourceCursor {
  at: string;
  id: string;
  n: number;
}

export interface FeedSource {
  kind: ItemKind;
  /** Up to `limit` items after `after`, newest first. */
  page(actor: Actor, after: SourceCursor | undefined, limit: number): Promise<SourceItem[]>;
  /** The item, or null when it does not exist, is not (or no longer) in the feed, or the reader may not see it. */
  get(actor: Actor, id: string): Promise<SourceItem | null>;
  /** Items the reader may see that entered the feed since `since`, counted up to `cap`. */
  countSince(actor: Actor, since: Date, cap: number): Promise<number>;
}

const sharingOf = (r: Sharing): Sharing => ({
  ownerOrgId: r.ownerOrgId, tlp: r.tlp, communityIds: r.communityIds, recipientOrgIds: r.recipientOrgIds, recipientUserIds: r.recipientUserIds, createdBy: r.createdBy,
});
const clip = (s: string, n = 280) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A hidden record is the module's 404: the room answers null (and its own 404) for it. */
async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AppError && e.status === 404) return null;
    throw e;
  }
}

type AlertRow = Awaited<ReturnType<AlertsService['getVisible']>>;
const IN_FEED: readonly string[] = ['published', 'withdrawn'];

/** Published alerts (alerts' list is offset-paged, newest publication first). */
export function alertsSource(alerts: AlertsService): FeedSource {
  const item = (a: AlertRow): SourceItem => ({
    kind: 'alert', id: a.id, at: a.publishedAt ?? a.updatedAt, title: a.title, label: `${a.number} · ${a.kind === 'advisory' ? 'Advisory' : 'Alert'}`,
    summary: clip(a.summary), level: a.level, status: a.status, sharing: sharingOf(a),
  });
  return {
    kind: 'alert',
    async page(actor, after, limit) {
      const r = await alerts.list(actor, { status: 'published', limit, offset: after?.n ?? 0 });
      return r.items.map(item);
    },
    async get(actor, id) {
      const a = await orNull(alerts.getVisible(actor, id));
      return a && IN_FEED.includes(a.status) ? item(a) : null;
    },
    async countSince(actor, since, cap) {
      let n = 0;
      for (let offset = 0; n < cap; offset += 200) {
        const r = await alerts.list(actor, { status: 'published', limit: 200, offset });
        const recent = r.items.filter((a) => (a.publishedAt ?? a.updatedAt) >= since).length;
        n += recent;
        if (recent < r.items.length || r.items.length < 200) break;
      }
      return Math.min(n, cap);
    },
  };
}

type IncidentRow = Awaited<ReturnType<IncidentsService['getRow']>>;

/** Submitted incident reports (keyset-paged by submission). */
export function incidentsSource(incidents: IncidentsService): FeedSource {
  const item = (i: IncidentRow): SourceItem => ({
    kind: 'incident', id: i.id, at: i.submittedAt ?? i.createdAt, title: i.title, label: `Incident #${i.ref}`,
    summary: clip(i.whatHappened), level: i.priority, status: i.status, sharing: sharingOf(i),
  });
  return {
    kind: 'incident',
    async page(actor, after, limit) {
      return (await incidents.recent(actor, { limit, before: after ? { at: new Date(after.at), id: after.id } : undefined })).map(item);
    },
    async get(actor, id) {
      const i = await orNull(incidents.getRow(actor, id));
      return i && i.status !== 'draft' ? item(i) : null;
    },
    countSince: (actor, since, cap) => incidents.countSince(actor, since, cap),
  };
}

type SightingRow = Awaited<ReturnType<DetectService['recentSightings']>>[number];

/** Sightings from detection (keyset-paged by last change: a sighting seen again comes back to the top). */
export function sightingsSource(detect: DetectService): FeedSource {
  const item = (s: SightingRow): SourceItem => {
    const where = s.orgName ?? 'An organisation';
    return {
      kind: 'sighting', id: s.id, at: s.modified,
      title: s.indicatorName ? `Sighting: ${s.indicatorName}` : 'Sighting of an indicator not shared with you',
      label: where, summary: `${where} saw it ${s.count} ${s.count === 1 ? 'time' : 'times'}, last at ${s.lastSeen.toISOString()}.`,
      level: null, status: null, sharing: sharingOf(s),
    };
  };
  return {
    kind: 'sighting',
    async page(actor, after, limit) {
      return (await detect.recentSightings(actor, { limit, before: after ? { at: new Date(after.at), id: after.id } : undefined })).map(item);
    },
    async get(actor, id) {
      const [s] = await detect.recentSightings(actor, { limit: 1, id });
      return s ? item(s) : null;
    },
    countSince: (actor, since, cap) => detect.countSightingsSince(actor, since, cap),
  };
}
