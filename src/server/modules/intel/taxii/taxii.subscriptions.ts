import { randomUUID } from 'node:crypto';
import { hasRole, hasScope, systemActor, type Actor } from '../../../core/access/actor.ts';
import { audit } from '../../../core/audit/audit.ts';
import { withTx } from '../../../core/db.ts';
import { errors } from '../../../core/http/errors.ts';
import type { Core } from '../../../core/module.ts';
import { reencryptAll, SecretError } from '../../../core/secrets.ts';
import type { DirectoryService } from '../../directory/index.ts';
import type { IntelRepo, StoredObjectRow } from '../intel.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from '../intel.store.ts';
import { fetchObjectsPage, TaxiiClientError } from './taxii.client.ts';
import { subscriptionSecretAad, type SubscriptionFields, type SubscriptionRow, type TaxiiRepo } from './taxii.repo.ts';

/**
 * TAXII 2.1 client: an organisation's analysts subscribe to upstream collections; a job polls each
 * due subscription, follows `next`, resumes from the saved added_after cursor (the upstream's
 * X-TAXII-Date-Added-Last), and stores objects through the one write path with
 * source = 'taxii:<subscription id>'. The cursor moves in the same transaction as the objects of its
 * page, so a poll that fails half-way resumes where it stopped.
 */
export const POLL_JOB = 'intel.taxii-client.poll';
export const TICK_JOB = 'intel.taxii-client.tick';
export const DEFAULT_CLIENT_PAGE = 1000;
/** A poll reads at most this many pages; the rest waits for the next poll (which resumes from the cursor). */
export const MAX_PAGES_PER_POLL = 1000;

/** Retry delay after `failures` consecutive failures: 1, 2, 4 … minutes, at most 6 hours. */
export const backoffSeconds = (failures: number) => Math.min(60 * 2 ** Math.max(0, failures - 1), 6 * 3600);

export interface PollResult {
  pages: number;
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
  addedAfter: string | null;
  error?: string;
  rejections?: { id: string | null; message: string }[];
}

export interface SubscriptionDeps {
  core: Core;
  intelRepo: IntelRepo;
  repo: TaxiiRepo;
  directory: DirectoryService;
}

export type SubscriptionInput = Omit<SubscriptionFields, 'username' | 'passwordEnc'> & { username?: string | null; password?: string | null };
export type SubscriptionPatch = Partial<SubscriptionInput> & { resetCursor?: boolean };

export function createSubscriptionService({ core, intelRepo, repo, directory }: SubscriptionDeps) {
  const db = core.database.db;
  const clock = core.clock;

  function requireAnalyst(actor: Actor, scope: 'read' | 'write'): string {
    if (actor.kind === 'anonymous') throw errors.unauthenticated();
    if (!hasScope(actor, scope)) throw errors.forbidden('AUTH_SCOPE', `This token lacks the ${scope} scope`);
    if (!actor.orgId || !hasRole(actor, 'analyst')) throw errors.forbidden('TAXII_SUBSCRIPTIONS_FORBIDDEN', 'TAXII subscriptions are managed by the organisation’s analysts');
    return actor.orgId;
  }

  async function own(actor: Actor, id: string, scope: 'read' | 'write'): Promise<SubscriptionRow> {
    const orgId = requireAnalyst(actor, scope);
    const s = /^[0-9a-f-]{36}$/i.test(id) ? await repo.getSubscription(db, id) : null;
    if (!s || s.orgId !== orgId) throw errors.notFound('subscription', 'TAXII_SUBSCRIPTION_NOT_FOUND');
    return s;
  }

  function checkCommunities(actor: Actor, ids: string[] | undefined): void {
    for (const [i, c] of (ids ?? []).entries()) {
      if (!actor.communityIds.includes(c)) throw errors.validation([{ path: `body.communityIds.${i}`, message: 'not a community of your organisation' }]);
    }
  }

  const normaliseRoot = (u: string) => (u.endsWith('/') ? u : `${u}/`);

  /** The password as stored: encrypted under SECRETS_KEY, bound to the subscription's id. */
  const seal = (id: string, password: string | null | undefined) => (password ? core.secrets.encrypt(password, subscriptionSecretAad(id)) : null);

  /**
   * Plain passwords from before migration 0104 (all of them, or one subscription's) are encrypted and
   * the plain column cleared, in one transaction; rows another node is converting are skipped.
   */
  async function encryptLegacy(id?: string): Promise<number> {
    return withTx(db, async (tx) => {
      const rows = await repo.legacyPasswords(tx, id);
      for (const r of rows) await repo.setPasswordEnc(tx, r.id, seal(r.id, r.password));
      return rows.length;
    });
  }

  /** The plain password to send upstream (decrypted here, never stored or logged). */
  async function credentialOf(sub: SubscriptionRow): Promise<string | null> {
    if (sub.legacyPassword !== null) {
      await encryptLegacy(sub.id);
      return sub.legacyPassword || null;
    }
    return sub.passwordEnc === null ? null : core.secrets.decrypt(sub.passwordEnc, subscriptionSecretAad(sub.id)) || null;
  }

  async function poll(id: string, opts: { limit?: number } = {}): Promise<PollResult> {
    const sub = await repo.getSubscription(db, id);
    if (!sub) throw errors.notFound('subscription', 'TAXII_SUBSCRIPTION_NOT_FOUND');
    const actor = systemActor('taxii-client');
    const ctx = await directory.actorContext(sub.orgId);
    const share: ShareOptions = {
      actor,
      ownerOrgId: sub.orgId,
      tlp: sub.tlp,
      communityIds: sub.communityIds.length ? sub.communityIds : ctx.communityIds,
      source: `taxii:${sub.id}`,
    };
    const result: PollResult = { pages: 0, received: 0, stored: 0, duplicates: 0, rejected: 0, addedAfter: sub.addedAfter, rejections: [] };
    const startedAt = clock.now();
    let addedAfter = sub.addedAfter;
    let next: string | undefined;
    try {
      const password = await credentialOf(sub);
      for (;;) {
        const page = await fetchObjectsPage(
          { ...sub, password },
          { addedAfter, next, limit: opts.limit ?? DEFAULT_CLIENT_PAGE },
          { allowPrivate: core.config.ALLOW_PRIVATE_WEBHOOKS },
        );
        result.pages++;
        result.received += page.objects.length;
        const rows: StoredObjectRow[] = [];
        for (const o of page.objects) {
          const p = prepareObject(o, share, { communityIds: share.communityIds ?? [] });
          if (p.ok) rows.push(p.row);
          else {
            result.rejected++;
            if (result.rejections!.length < 20) result.rejections!.push({ id: p.id, message: p.errors.map((e) => `${e.rule} at ${e.path}: ${e.message}`).join('; ').slice(0, 500) });
          }
        }
        const cursor = page.dateAddedLast ?? null;
        const inserted = await withTx(db, async (tx) => {
          const ins = await storeRows(tx, intelRepo, share, rows, { via: 'taxii-client', subscriptionId: sub.id });
          if (cursor) await repo.advanceCursor(tx, sub.id, cursor, page.objects.length);
          return ins;
        });
        result.stored += inserted.length;
        result.duplicates += rows.length - inserted.length;
        if (cursor) result.addedAfter = cursor;
        if (!page.more || result.pages >= MAX_PAGES_PER_POLL) break;
        if (page.next) next = page.next;
        else {
          // No `next`: continue with added_after = X-TAXII-Date-Added-Last (TAXII 2.1 §3.4).
          if (!cursor || cursor === addedAfter) break;
          next = undefined;
          addedAfter = cursor;
        }
      }
      if (!result.rejections!.length) delete result.rejections;
      const now = clock.now();
      await repo.recordSuccess(sub.id, now, new Date(now.getTime() + sub.pollSeconds * 1000), { ...result, startedAt: startedAt.toISOString() });
      return result;
    } catch (e) {
      if (!(e instanceof TaxiiClientError) && !(e instanceof Error)) throw e;
      const message =
        e instanceof TaxiiClientError ? e.message : e instanceof SecretError ? `cannot read this subscription’s password: ${e.message}` : `${e.name}: ${e.message}`;
      const now = clock.now();
      result.error = message;
      if (!result.rejections!.length) delete result.rejections;
      await repo.recordFailure(sub.id, now, message, (failures) => new Date(now.getTime() + backoffSeconds(failures) * 1000), { ...result, startedAt: startedAt.toISOString() });
      if (!(e instanceof TaxiiClientError) && !(e instanceof SecretError)) core.log.warn({ err: e, subscription: sub.id }, 'taxii client: poll failed');
      return result;
    }
  }

  return {
    async list(actor: Actor) {
      const orgId = requireAnalyst(actor, 'read');
      return repo.listSubscriptions(orgId);
    },

    get: (actor: Actor, id: string) => own(actor, id, 'read'),

    async create(actor: Actor, input: SubscriptionInput) {
      const orgId = requireAnalyst(actor, 'write');
      checkCommunities(actor, input.communityIds);
      const { password, ...rest } = input;
      const newId = randomUUID();
      const fields: SubscriptionFields = { ...rest, apiRootUrl: normaliseRoot(input.apiRootUrl), username: input.username ?? null, passwordEnc: seal(newId, password) };
      const id = await withTx(db, async (tx) => {
        const id = await repo.insertSubscription(tx, newId, orgId, actor.userId, fields);
        await audit(tx, actor, { action: 'intel.taxii.subscription.create', subjectType: 'taxii_subscription', subjectId: id, details: { name: fields.name, apiRootUrl: fields.apiRootUrl, collectionId: fields.collectionId } });
        return id;
      });
      return (await repo.getSubscription(db, id))!;
    },

    async update(actor: Actor, id: string, patch: SubscriptionPatch) {
      await own(actor, id, 'write');
      checkCommunities(actor, patch.communityIds);
      const { password, ...rest } = patch;
      await withTx(db, async (tx) => {
        await repo.updateSubscription(tx, id, {
          ...rest,
          ...(patch.apiRootUrl ? { apiRootUrl: normaliseRoot(patch.apiRootUrl) } : {}),
          ...(password !== undefined ? { passwordEnc: seal(id, password) } : {}),
        });
        const fields = Object.keys(patch).filter((k) => k !== 'password');
        if (patch.password !== undefined) fields.push('credentials');
        await audit(tx, actor, { action: 'intel.taxii.subscription.update', subjectType: 'taxii_subscription', subjectId: id, details: { fields } });
      });
      return (await repo.getSubscription(db, id))!;
    },

    async remove(actor: Actor, id: string) {
      const s = await own(actor, id, 'write');
      await withTx(db, async (tx) => {
        await repo.deleteSubscription(tx, id);
        await audit(tx, actor, { action: 'intel.taxii.subscription.delete', subjectType: 'taxii_subscription', subjectId: id, details: { name: s.name } });
      });
    },

    /** Poll now (the organisation's analysts). Failures are recorded on the subscription and returned. */
    async pollNow(actor: Actor, id: string, opts: { limit?: number } = {}) {
      await own(actor, id, 'write');
      return poll(id, opts);
    },

    poll,

    /** Ids of enabled subscriptions whose next poll (interval or backoff) is due. */
    due: (limit = 100) => repo.dueSubscriptions(clock.now(), limit),

    /** At start: encrypts passwords stored in plain text before migration 0104. */
    encryptLegacy: () => encryptLegacy(),

    /**
     * Re-encrypts every password stored under another key than SECRETS_KEY (after a key change; the old
     * key must be in SECRETS_DECRYPT_KEYS). One transaction; a password no configured key opens is left
     * as it is and counted in `failed` (it must be entered again).
     */
    async rotateSecrets() {
      return withTx(db, async (tx) => {
        const { reencrypted, failed } = await reencryptAll(core.secrets, await repo.passwordsNotUnder(tx, core.secrets.keyId), {
          stored: (r) => r.passwordEnc,
          aad: (r) => subscriptionSecretAad(r.id),
          write: (r, enc) => repo.setPasswordEnc(tx, r.id, enc),
          failed: (r, e) => core.log.warn({ subscription: r.id, err: e.message }, 'taxii client: a stored password cannot be re-encrypted'),
        });
        return { what: 'TAXII subscription passwords', reencrypted, failed };
      });
    },
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;

/** The subscription as the API shows it: never its credentials. */
export function subscriptionView(s: SubscriptionRow) {
  return {
    id: s.id,
    name: s.name,
    apiRootUrl: s.apiRootUrl,
    collectionId: s.collectionId,
    username: s.username,
    hasPassword: s.passwordEnc !== null || !!s.legacyPassword,
    tlp: s.tlp,
    communityIds: s.communityIds,
    pollSeconds: s.pollSeconds,
    enabled: s.enabled,
    addedAfter: s.addedAfter,
    lastPolledAt: s.lastPolledAt?.toISOString() ?? null,
    lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
    lastError: s.lastError,
    failures: s.failures,
    objectsReceived: s.objectsReceived,
    nextPollAt: s.nextPollAt.toISOString(),
    lastPollStats: s.lastPollStats,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
