import { systemActor, type Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx } from '../../core/db.ts';
import { errors } from '../../core/http/errors.ts';
import type { IntelDeps } from './index.ts';
import type { IngestOptions } from './ingest.job.ts';
import type { IngestService } from './ingest.service.ts';
import type { IntelService } from './intel.service.ts';
import { requireReader, requireSharer } from './intel.service.ts';
import type { MispFeedBody, MispFeedPatch } from './intel.schemas.ts';
import { createMispFeedRepo, type MispFeedRow } from './misp-feeds.repo.ts';
import { backoffSeconds } from './taxii/taxii.subscriptions.ts';

/**
 * MISP feeds on a schedule. An organisation's sharers register a feed (URL, sharing, interval); the job
 * MISP_FEED_TICK_JOB runs every minute (pg-boss cron) and queues an ingest (`intel.ingest`, kind
 * misp-feed) for each enabled feed whose next pull is due and that has no pull in flight. The ingest reads
 * manifest.json and only the events newer than the feed's cursor (the newest event timestamp pulled
 * without a gap), then `recordMispFeedPull` writes the outcome: success → next pull after the interval;
 * failure (the manifest or an event could not be fetched) → failures + 1, next pull after 1, 2, 4 … minutes
 * (at most 6 h), the error shown on the feed.
 */
export const MISP_FEED_TICK_JOB = 'intel.misp-feeds.tick';
/** A queued or running pull older than this no longer blocks the schedule (its job died). */
export const STALE_PULL_MS = 6 * 3600 * 1000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function mispFeedView(f: MispFeedRow) {
  return {
    id: f.id,
    url: f.url,
    intervalSeconds: f.intervalSeconds,
    enabled: f.enabled,
    lastTimestamp: f.lastTimestamp === null ? null : Number(f.lastTimestamp),
    lastPulledAt: iso(f.lastPulledAt),
    lastSuccessAt: iso(f.lastSuccessAt),
    lastStatus: f.lastStatus,
    lastError: f.lastError,
    lastIngestId: f.lastIngestId,
    failures: f.failures,
    nextPullAt: f.nextPullAt.toISOString(),
    createdAt: f.createdAt.toISOString(),
  };
}

export function createMispFeedService(deps: IntelDeps, intel: IntelService, ingests: IngestService) {
  const { core } = deps;
  const db = core.database.db;
  const repo = createMispFeedRepo(db);

  /** Queues a pull of the feed as `actor` (the ingest row, its audit entry and the feed's last ingest in one transaction). */
  function queuePull(actor: Actor & { orgId: string }, feed: MispFeedRow) {
    return ingests.enqueue(
      actor,
      { kind: 'misp-feed', filename: feed.url, filePath: null, bytesTotal: null, options: feed.options as unknown as IngestOptions, feedId: feed.id },
      (tx, ingestId) => repo.queued(tx, feed.id, ingestId),
    );
  }

  async function own(actor: Actor, id: string, write: boolean): Promise<MispFeedRow> {
    if (write) requireSharer(actor);
    else requireReader(actor);
    const f = await repo.get(id);
    if (!f || !actor.orgId || f.orgId !== actor.orgId) throw errors.notFound('MISP feed', 'INTEL_MISP_FEED_NOT_FOUND');
    return f;
  }

  return {
    /** Registers (or updates) a MISP feed for the organisation and queues a pull of what is new now. */
    async register(actor: Actor, b: MispFeedBody) {
      requireSharer(actor);
      await intel.shareFor(actor, b, 'misp-feed', 'body.');
      const url = new URL(b.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.validation([{ path: 'body.url', message: 'only http and https feeds' }]);
      const options = ingests.optionsFor(actor, b);
      const feedId = await withTx(db, async (tx) => {
        const id = await repo.upsert(tx, { orgId: actor.orgId, url: url.toString(), options: options as unknown as Record<string, unknown>, createdBy: actor.userId, intervalSeconds: b.intervalSeconds, enabled: b.enabled });
        await audit(tx, actor, { action: 'intel.misp-feed.save', subjectType: 'intel_misp_feed', subjectId: id, details: { url: url.toString(), intervalSeconds: b.intervalSeconds ?? null } });
        return id;
      });
      const ingest = await queuePull(actor, (await repo.get(feedId))!);
      return { feed: mispFeedView((await repo.get(feedId))!), ingest };
    },

    async list(actor: Actor) {
      requireReader(actor);
      if (!actor.orgId) return [];
      return (await repo.list(actor.orgId)).map(mispFeedView);
    },

    async update(actor: Actor, id: string, p: MispFeedPatch) {
      await own(actor, id, true);
      await withTx(db, async (tx) => {
        await repo.update(tx, id, p);
        await audit(tx, actor, { action: 'intel.misp-feed.update', subjectType: 'intel_misp_feed', subjectId: id, details: { ...p } });
      });
      return mispFeedView((await repo.get(id))!);
    },

    async remove(actor: Actor, id: string) {
      const f = await own(actor, id, true);
      await withTx(db, async (tx) => {
        await repo.remove(tx, id);
        await audit(tx, actor, { action: 'intel.misp-feed.delete', subjectType: 'intel_misp_feed', subjectId: id, details: { url: f.url } });
      });
    },

    /** The scheduled job's work: queues a pull of every due feed (as the system, for the feed's organisation). Answers the feed ids queued. */
    async tick(limit = 200): Promise<string[]> {
      const now = core.clock.now();
      const queued: string[] = [];
      for (const f of await repo.due(now, new Date(now.getTime() - STALE_PULL_MS), limit)) {
        await queuePull({ ...systemActor('misp-feed-scheduler'), orgId: f.orgId }, f);
        queued.push(f.id);
      }
      return queued;
    },
  };
}

export type MispFeedService = ReturnType<typeof createMispFeedService>;

/** Called by the ingest job when a feed pull ends: the cursor, the status and the next pull (interval or backoff). */
export async function recordMispFeedPull(deps: IntelDeps, feedId: string, o: { failed: boolean; message: string | null; lastTimestamp: number | null; fetchErrors: string[] }) {
  const repo = createMispFeedRepo(deps.core.database.db);
  const status = o.failed ? 'failed' : o.fetchErrors.length ? 'partial' : 'complete';
  const error = o.failed ? o.message : o.fetchErrors.length ? `${o.fetchErrors.length} event(s) could not be fetched (retried at the next pull): ${o.fetchErrors.slice(0, 3).join('; ')}` : null;
  await withTx(deps.core.database.db, (tx) => repo.recordPull(tx, feedId, { at: deps.core.clock.now(), status, lastTimestamp: o.lastTimestamp, error, backoff: backoffSeconds }));
}
