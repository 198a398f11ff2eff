import { systemActor, type Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx, type DbOrTx } from '../../core/db.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import { errors } from '../../core/http/errors.ts';
import type { IntelDeps } from './index.ts';
import type { IngestOptions } from './ingest.job.ts';
import type { IngestService } from './ingest.service.ts';
import type { IntelService } from './intel.service.ts';
import { requireReader, requireSharer } from './intel.service.ts';
import type { MispFeedBody, MispFeedPatch } from './intel.schemas.ts';
import { createMispFeedRepo, mispFeedSecretAad, type MispFeedRow } from './misp-feeds.repo.ts';
import { reencryptAll } from '../../core/secrets.ts';
import { backoffSeconds } from './taxii/taxii.subscriptions.ts';
import { assertReachableUpstream } from './taxii/taxii.client.ts';

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
  const share = ((f.options as { share?: { tlp?: Tlp; communityIds?: string[] } }).share ?? {});
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
    tlp: share.tlp ?? null,
    communityIds: share.communityIds ?? [],
    authHeader: f.authHeader,
    hasAuthValue: f.authValueEnc !== null,
    lastPull: f.lastPull,
    eventsPulled: f.eventsPulled,
  };
}

/** The header to send with every fetch of the feed (decrypted), or none. A value no configured key opens throws SecretError. */
export function mispFeedHeaders(core: IntelDeps['core'], f: MispFeedRow): Record<string, string> {
  if (!f.authHeader || !f.authValueEnc) return {};
  return { [f.authHeader]: core.secrets.decrypt(f.authValueEnc, mispFeedSecretAad(f.id)) };
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

  /** Stores the feed's header as asked (in the caller's transaction): a name needs a value, the first time. */
  async function saveAuth(tx: DbOrTx, f: { id: string; authHeader: string | null; authValueEnc: string | null }, b: { authHeader?: string | null; authValue?: string | undefined }) {
    if (b.authHeader === undefined && b.authValue === undefined) return;
    const header = b.authHeader === undefined ? f.authHeader : b.authHeader;
    if (header === null) {
      if (b.authValue !== undefined) throw errors.validation([{ path: 'body.authHeader', message: 'name the header the value is sent in (e.g. Authorization)' }]);
      return repo.setAuth(tx, f.id, null, null);
    }
    if (b.authValue === undefined && !f.authValueEnc) throw errors.validation([{ path: 'body.authValue', message: `the value to send in ${header}` }]);
    await repo.setAuth(tx, f.id, header, b.authValue === undefined ? f.authValueEnc : core.secrets.encrypt(b.authValue, mispFeedSecretAad(f.id)));
  }

  async function own(actor: Actor, id: string, write: boolean): Promise<MispFeedRow> {
    if (write) requireSharer(actor);
    else requireReader(actor);
    const f = await repo.get(id);
    if (!f || !actor.orgId || f.orgId !== actor.orgId) throw errors.notFound('MISP feed', 'INTEL_MISP_FEED_NOT_FOUND');
    return f;
  }

  /** The feed's URL if Rampart may fetch it: http(s), and on public addresses unless private upstreams are allowed; else a 400 naming `url`. */
  async function feedUrl(raw: string): Promise<URL> {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.validation([{ path: 'body.url', message: 'only http and https feeds' }]);
    try {
      await assertReachableUpstream(url, core.config.ALLOW_PRIVATE_WEBHOOKS);
    } catch (e) {
      throw errors.validation([{ path: 'body.url', message: (e as Error).message }]);
    }
    return url;
  }

  return {
    /** Registers (or updates) a MISP feed for the organisation and queues a pull of what is new now. */
    async register(actor: Actor, b: MispFeedBody) {
      requireSharer(actor);
      await intel.shareFor(actor, b, 'misp-feed', 'body.');
      const url = await feedUrl(b.url);
      const options = ingests.optionsFor(actor, b);
      const feedId = await withTx(db, async (tx) => {
        const id = await repo.upsert(tx, { orgId: actor.orgId, url: url.toString(), options: options as unknown as Record<string, unknown>, createdBy: actor.userId, intervalSeconds: b.intervalSeconds, enabled: b.enabled });
        await saveAuth(tx, (await repo.get(id, tx))!, b);
        await audit(tx, actor, { action: 'intel.misp-feed.save', subjectType: 'intel_misp_feed', subjectId: id, details: { url: url.toString(), intervalSeconds: b.intervalSeconds ?? null, authHeader: b.authHeader ?? null } });
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

    /** Changes the feed: URL, sharing (TLP, communities), interval, on/off, authentication; only what is given. */
    async update(actor: Actor, id: string, p: MispFeedPatch) {
      requireSharer(actor);
      const f = await own(actor, id, true);
      let options: IngestOptions | undefined;
      if (p.tlp !== undefined || p.communityIds !== undefined) {
        const old = (f.options as unknown as IngestOptions).share ?? {};
        const tlp = p.tlp === undefined ? old.tlp : (p.tlp ?? undefined);
        const communityIds = p.communityIds === undefined ? old.communityIds : p.communityIds.length ? p.communityIds : undefined;
        const req = { ...old, tlp, communityIds };
        await intel.shareFor(actor, req, 'misp-feed', 'body.');
        options = ingests.optionsFor(actor, req);
      }
      const newUrl = p.url === undefined ? undefined : (await feedUrl(p.url)).toString();
      await withTx(db, async (tx) => {
        const ok = await repo.update(tx, id, { url: newUrl, options: options as unknown as Record<string, unknown> | undefined, intervalSeconds: p.intervalSeconds, enabled: p.enabled });
        if (!ok) throw errors.validation([{ path: 'body.url', message: 'your organisation already has a feed at this URL' }]);
        await saveAuth(tx, f, p);
        const { authValue, ...shown } = p;
        await audit(tx, actor, { action: 'intel.misp-feed.update', subjectType: 'intel_misp_feed', subjectId: id, details: { ...shown, ...(authValue === undefined ? {} : { authValue: 'changed' }) } });
      });
      return mispFeedView((await repo.get(id))!);
    },

    /** Queues a pull now (outside the schedule); 409 while a pull of the feed is queued or running. */
    async pullNow(actor: Actor, id: string) {
      requireSharer(actor);
      const f = await own(actor, id, true);
      if (await repo.inFlight(id, STALE_PULL_MS)) throw errors.conflict('INTEL_MISP_FEED_BUSY', 'A pull of this feed is already queued or running');
      const ingest = await queuePull(actor, f);
      return { feed: mispFeedView((await repo.get(id))!), ingest };
    },

    async remove(actor: Actor, id: string) {
      const f = await own(actor, id, true);
      await withTx(db, async (tx) => {
        await repo.remove(tx, id);
        await audit(tx, actor, { action: 'intel.misp-feed.delete', subjectType: 'intel_misp_feed', subjectId: id, details: { url: f.url } });
      });
    },

    /**
     * Re-encrypts every header value stored under another key than SECRETS_KEY (after a key change; the
     * old key in SECRETS_DECRYPT_KEYS). A value no configured key opens is left and counted in `failed`.
     */
    async rotateSecrets() {
      return withTx(db, async (tx) => {
        const { reencrypted, failed } = await reencryptAll(core.secrets, await repo.authNotUnder(tx, core.secrets.keyId), {
          stored: (r) => r.authValueEnc,
          aad: (r) => mispFeedSecretAad(r.id),
          write: (r, enc) => repo.setAuthValue(tx, r.id, enc),
          failed: (r, e) => core.log.warn({ feed: r.id, err: e.message }, 'MISP feeds: a stored header value cannot be re-encrypted'),
        });
        return { what: 'MISP feed header values', reencrypted, failed };
      });
    },

    /** The scheduled job's work: queues a pull of every due feed (as the system, for the feed's organisation). Answers the feed ids queued. */
    async tick(limit = 200): Promise<string[]> {
      const now = core.clock.now();
      const queued: string[] = [];
      for (const f of await repo.due(now, STALE_PULL_MS, limit)) {
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
