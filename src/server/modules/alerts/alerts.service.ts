import { randomBytes } from 'node:crypto';
import { canSee, type Sharing } from '../../core/access/visibility.ts';
import { hasRole, hasScope, systemActor, type Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx, type Tx } from '../../core/db.ts';
import { publishEvent } from '../../core/events/events.ts';
import { errors, type FieldProblem } from '../../core/http/errors.ts';
import type { Core } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';
import type { AlertRow, AlertWrite, AlertsRepo, Candidate } from './alerts.repo.ts';
import { ALERT_LEVELS, type AckStatus, type AlertCreateBody, type AlertLevel, type AlertOut, type AlertUpdateBody, type AudiencePreviewBody, type Target } from './alerts.schemas.ts';
import { renderMarkdown } from './markdown.ts';
import { signLink, verifyLink } from './links.ts';
import { checkWebhookUrl } from './webhook-url.ts';
import { signWebhook } from './webhook-sign.ts';
import { alertEmailFor, digestEmail, escalationEmail } from './email.ts';
import { stixReport } from './feeds.ts';

export const FANOUT_JOB = 'alerts.fanout';
export const WEBHOOK_JOB = 'alerts.webhook';
/** Send one fan-out batch's emails / webhooks (enqueued with the batch); two queues, so both channels go out at once. */
export const DELIVER_EMAIL_JOB = 'alerts.deliver-email';
export const DELIVER_WEBHOOKS_JOB = 'alerts.deliver-webhooks';
export const DIGEST_JOB = 'alerts.digest';
export const ESCALATION_JOB = 'alerts.escalation-check';
export const WEEKLY_JOB = 'alerts.weekly-report';
export const WEEKLY_MAIL_JOB = 'alerts.weekly-report-mail';

export interface AlertsSettings {
  /** Minutes after publication before unacknowledged High/Severe alerts escalate to 24x7 contacts. */
  escalateAfterMinutes: { High: number; Severe: number };
  /** Deliveries processed per transaction in a fan-out. */
  batchSize: number;
  /** Webhook attempts before a delivery is marked failed. */
  webhookAttempts: number;
}
/** Webhook attempts before a delivery is marked failed (pg-boss retries with exponential backoff in between). */
export const WEBHOOK_ATTEMPTS = 6;

/** Default mail preference per level: Severe is always immediate; digests never carry Severe. */
export const DEFAULT_PREFS: Record<AlertLevel, 'immediate' | 'digest' | 'none'> = { Severe: 'immediate', High: 'immediate', Elevated: 'immediate', Guarded: 'digest', Low: 'digest' };
const SECOND_ANALYST: AlertLevel[] = ['High', 'Severe'];
const LINK_TTL_MS = 30 * 24 * 3600 * 1000;
/** Emails handed to the SMTP pool at once; each group is marked sent together (the most a crash can resend). */
const MAIL_GROUP = 100;
/** Organisations whose audience is planned per step of a fan-out. */
const PLAN_ORGS = 1000;
/** Webhook requests in flight at once within a batch. */
const WEBHOOK_GROUP = 50;

function groups<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export const sharingOf = (a: Pick<AlertRow, 'ownerOrgId' | 'tlp' | 'communityIds' | 'recipientOrgIds' | 'recipientUserIds' | 'createdBy'>): Sharing => ({
  ownerOrgId: a.ownerOrgId, tlp: a.tlp, communityIds: a.communityIds, recipientOrgIds: a.recipientOrgIds, recipientUserIds: a.recipientUserIds, createdBy: a.createdBy,
});

function requireReader(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}
function requireAnalyst(actor: Actor): void {
  requireReader(actor);
  if (actor.kind === 'system') return;
  if (!hasScope(actor, 'write')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the write scope');
  if (!actor.orgId || !hasRole(actor, 'analyst')) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only analysts author and publish alerts');
}
/** Analysts of the owning organisation (or the hub) manage an alert's workflow. */
function canManage(actor: Actor, a: AlertRow): boolean {
  if (actor.kind === 'system') return true;
  if (!hasScope(actor, 'write') || !hasRole(actor, 'analyst')) return false;
  return (a.ownerOrgId !== null && actor.orgId === a.ownerOrgId) || actor.orgKind === 'national_hub' || (actor.userId !== null && a.createdBy === actor.userId);
}

export function toOut(a: AlertRow, now: Date): AlertOut {
  const t = a.target ?? {};
  return {
    id: a.id, number: a.number, kind: a.kind, status: a.status, expired: a.expiresAt !== null && a.expiresAt <= now, revision: a.revision, level: a.level,
    title: a.title, summary: a.summary, body: a.bodyMd, bodyHtml: a.bodyHtml, technicalDetails: a.technicalDetails,
    affectedSectors: a.affectedSectors, affectedProducts: a.affectedProducts, affectedJurisdictions: a.affectedFips, stixRefs: a.stixRefs,
    recommendedActions: a.recommendedActions, references: a.references,
    target: { orgKinds: t.orgKinds ?? [], states: t.states ?? [], jurisdictions: t.jurisdictions ?? [], communityIds: t.communityIds ?? [], orgIds: t.orgIds ?? [], userIds: t.userIds ?? [] },
    ownerOrgId: a.ownerOrgId, tlp: a.tlp, communityIds: a.communityIds, recipientOrgIds: a.recipientOrgIds, recipientUserIds: a.recipientUserIds,
    createdBy: a.createdBy, authorName: a.authorName, approvedBy: a.approvedBy,
    publishedAt: a.publishedAt?.toISOString() ?? null, expiresAt: a.expiresAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(), updatedAt: a.updatedAt.toISOString(),
  };
}

/** The actor a candidate would be when reading: one person acting for one organisation, or the organisation itself. */
export function candidateActor(c: Candidate): Actor {
  return {
    kind: 'user', userId: c.userId, name: c.name ?? 'organisation', orgId: c.orgId, orgPath: c.orgPath ?? [c.orgId], communityIds: c.communityIds ?? [],
    orgKind: c.orgKind, role: 'member', platformAdmin: false, scopes: null,
  };
}

export interface Audience {
  /** Organisations (org-level readers: webhooks, escalation). */
  orgs: Candidate[];
  /** One entry per person: the first membership through which they may see it. */
  people: Candidate[];
  excludedOrgs: number;
  excludedPeople: number;
}

/** Targeting ∩ the TLP rule. Pure over the candidates, so preview and fan-out agree exactly. */
export function resolveAudience(cands: Candidate[], sharing: Sharing): Audience {
  const orgs: Candidate[] = [];
  let excludedOrgs = 0;
  const people = new Map<string, Candidate>();
  const refusedPeople = new Set<string>();
  for (const c of cands) {
    const ok = canSee(candidateActor(c), sharing);
    if (c.userId === null) {
      if (ok) orgs.push(c);
      else excludedOrgs++;
    } else if (ok) {
      if (!people.has(c.userId)) people.set(c.userId, c);
    } else refusedPeople.add(c.userId);
  }
  for (const p of people.keys()) refusedPeople.delete(p);
  return { orgs, people: [...people.values()], excludedOrgs, excludedPeople: refusedPeople.size };
}

export function createAlertsService(core: Core, repo: AlertsRepo, deps: { intel: IntelPublic; directory: DirectoryService }, settings: AlertsSettings) {
  const db = core.database.db;
  const now = () => core.clock.now();
  let linkKey: string | null = null;
  const key = async () => (linkKey ??= await repo.linkKey());

  async function getVisible(actor: Actor, id: string): Promise<AlertRow> {
    requireReader(actor);
    const a = await repo.get(db, actor, id);
    if (!a) throw errors.notFound('alert', 'ALERTS_NOT_FOUND');
    return a;
  }

  async function validate(actor: Actor, b: { target?: Target; communityIds?: string[]; recipientOrgIds?: string[]; recipientUserIds?: string[]; affectedJurisdictions?: string[]; stixRefs?: string[] }): Promise<void> {
    const problems: FieldProblem[] = [];
    const check = async (kind: 'organisations' | 'communities' | 'users' | 'jurisdictions', ids: string[] | undefined, path: string, what: string) => {
      if (!ids?.length) return;
      const found = await repo.existing(kind, ids);
      const i = ids.findIndex((x) => !found.has(x));
      if (i >= 0) problems.push({ path: `${path}.${i}`, message: `no such ${what}` });
    };
    await check('communities', b.communityIds, 'body.communityIds', 'community');
    await check('organisations', b.recipientOrgIds, 'body.recipientOrgIds', 'organisation');
    await check('users', b.recipientUserIds, 'body.recipientUserIds', 'person');
    await check('jurisdictions', b.affectedJurisdictions, 'body.affectedJurisdictions', 'jurisdiction');
    if (b.target) {
      await check('communities', b.target.communityIds, 'body.target.communityIds', 'community');
      await check('organisations', b.target.orgIds, 'body.target.orgIds', 'organisation');
      await check('users', b.target.userIds, 'body.target.userIds', 'person');
      await check('jurisdictions', b.target.jurisdictions, 'body.target.jurisdictions', 'jurisdiction');
      await check('jurisdictions', b.target.states, 'body.target.states', 'state');
    }
    for (const [i, ref] of (b.stixRefs ?? []).entries()) {
      if (!(await deps.intel.getVisible(actor, ref))) problems.push({ path: `body.stixRefs.${i}`, message: 'no such STIX object visible to you' });
    }
    if (problems.length) throw errors.validation(problems);
  }

  function requireTarget(t: Target): void {
    const any = t.orgKinds.length + t.states.length + t.jurisdictions.length + t.communityIds.length + t.orgIds.length + t.userIds.length;
    if (!any) throw errors.validation([{ path: 'body.target', message: 'name at least one organisation kind, state, jurisdiction, community, organisation or person' }]);
  }

  async function audience(a: Pick<AlertRow, 'target'> & Parameters<typeof sharingOf>[0]): Promise<Audience> {
    return resolveAudience(await repo.candidates(normTarget(a.target)), sharingOf(a));
  }

  async function publishTx(tx: Tx, actor: Actor, a: AlertRow, note: string): Promise<number> {
    const revision = a.revision + 1;
    const at = now();
    await repo.setStatus(tx, a.id, 'published', { publishedBy: actor.userId, publishedAt: a.publishedAt ?? at, revision }, at);
    const published = { ...a, status: 'published' as const, revision, publishedAt: a.publishedAt ?? at, updatedAt: at };
    await repo.insertRevision(tx, a.id, revision, toOut(published, at), note, actor.userId, at);
    const stored = await deps.intel.store(tx, {
      actor: systemActor('alerts'), ownerOrgId: a.ownerOrgId, tlp: a.tlp, communityIds: a.communityIds, recipientOrgIds: a.recipientOrgIds,
      recipientUserIds: [...a.recipientUserIds, ...(a.createdBy ? [a.createdBy] : [])], source: 'alerts',
    }, [stixReport(published, at, core.config.PUBLIC_URL)]);
    if (stored.rejected.length) core.log.warn({ alert: a.id, rejected: stored.rejected }, 'alert report rejected by the STIX store');
    await publishEvent(tx, {
      topic: revision === 1 ? 'alerts.published' : 'alerts.revised', subjectId: a.id, sharing: sharingOf(a),
      payload: { number: a.number, title: a.title, level: a.level, revision },
    });
    await core.jobs.send(FANOUT_JOB, { alertId: a.id, revision }, { tx, singletonKey: `${a.id}:${revision}` });
    await audit(tx, actor, { action: revision === 1 ? 'alerts.publish' : 'alerts.revise', subjectType: 'alert', subjectId: a.id, details: { number: a.number, revision, level: a.level, tlp: a.tlp, note } });
    return revision;
  }

  // ---- fan-out ----------------------------------------------------------------------------------
  /**
   * Delivers one revision. Idempotent and restartable: it first plans every (revision, recipient,
   * channel) row (a unique key, so planning twice adds nothing), then works through pending rows in
   * batches, each batch one transaction that records the side effect (notification rows; one
   * delivery job per channel for the batch's emails and webhooks) together with the rows' new status. A crash
   * between batches leaves pending rows only; running again finishes them, and nothing is planned or
   * queued twice.
   */
  async function fanout(alertId: string, revision: number, opts: { maxBatches?: number } = {}): Promise<{ planned: number; processed: number; done: boolean }> {
    const sys = systemActor('alerts-delivery');
    const a = await repo.get(db, sys, alertId);
    if (!a || a.status !== 'published') return { planned: 0, processed: 0, done: true };
    // Planned a slice of organisations at a time (memory stays flat in the audience). A person reached
    // through several organisations is planned once: the unique key keeps the first allowed membership.
    const sharing = sharingOf(a);
    const target = normTarget(a.target);
    let planned = 0;
    for (let after: string | null = null; ;) {
      const cands = await repo.candidates(target, { after, limit: PLAN_ORGS });
      if (!cands.length) break;
      after = cands.reduce((m, c) => (c.orgId > m ? c.orgId : m), cands[0]!.orgId);
      const aud = resolveAudience(cands, sharing);
      const prefs = await repo.prefsOf(aud.people.map((p) => p.userId!));
      const rows: Parameters<AlertsRepo['planDeliveries']>[0] = [];
      for (const p of aud.people) {
        const base = { alertId, revision, recipient: p.userId!, orgId: p.orgId, stateFips: p.stateFips };
        rows.push({ ...base, channel: 'inapp' });
        const mode = a.level === 'Severe' ? 'immediate' : (prefs.get(p.userId!)?.[a.level] ?? DEFAULT_PREFS[a.level]);
        if (mode === 'immediate') rows.push({ ...base, channel: 'email' });
        else if (mode === 'digest') rows.push({ ...base, channel: 'digest' });
      }
      const orgById = new Map(aud.orgs.map((o) => [o.orgId, o]));
      for (const h of await repo.webhooksOf([...orgById.keys()])) {
        rows.push({ alertId, revision, recipient: h.id, channel: 'webhook', orgId: h.orgId, stateFips: orgById.get(h.orgId)?.stateFips ?? null });
      }
      planned += await repo.planDeliveries(rows);
    }
    let processed = 0;
    let batches = 0;
    for (;;) {
      if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return { planned, processed, done: false };
      const n = await withTx(db, async (tx) => {
        const batch = await repo.claimPending(tx, alertId, revision, settings.batchSize);
        if (!batch.length) return 0;
        const at = now();
        const inapp = batch.filter((d) => d.channel === 'inapp');
        await repo.insertNotifications(tx, inapp.map((d) => ({ userId: d.recipient, alertId, revision, orgId: d.orgId, title: `${a.number}: ${a.title}` })), at);
        await repo.markDeliveries(tx, inapp.map((d) => d.id), 'sent', at);
        // Email and webhooks leave in durable jobs (one per channel and batch), enqueued with the rows' new status.
        for (const [channel, job] of [['email', DELIVER_EMAIL_JOB], ['webhook', DELIVER_WEBHOOKS_JOB]] as const) {
          const ids = batch.filter((d) => d.channel === channel).map((d) => d.id);
          if (!ids.length) continue;
          await repo.setQueued(tx, ids);
          await core.jobs.send(job, { alertId, revision, ids }, { tx, singletonKey: `${job}:${alertId}:${ids[0]}` });
        }
        return batch.length;
      });
      batches++;
      if (!n) break;
      processed += n;
    }
    return { planned, processed, done: true };
  }

  /** Why a webhook must not receive this alert now (final: no retry), or null. */
  async function webhookRefusal(hook: { url: string; orgId: string }, ctx: { kind: string; path: string[]; communityIds: string[] } | undefined, a: AlertRow, urlChecks?: Map<string, Promise<string | null>>): Promise<string | null> {
    const orgActor = candidateActor({ userId: null, email: null, name: null, orgId: hook.orgId, orgKind: ctx?.kind ?? '', stateFips: null, orgPath: ctx?.path ?? [hook.orgId], communityIds: ctx?.communityIds ?? [], named: false });
    if (!canSee(orgActor, sharingOf(a))) return 'the organisation may no longer see this alert';
    // Checked again before sending (DNS may have changed since registration); once per origin within a batch.
    const u = new URL(hook.url);
    const cacheKey = u.username || u.password ? null : u.origin;
    let check = cacheKey ? urlChecks?.get(cacheKey) : undefined;
    if (!check) {
      check = checkWebhookUrl(hook.url, core.config.ALLOW_PRIVATE_WEBHOOKS);
      if (cacheKey) urlChecks?.set(cacheKey, check);
    }
    const bad = await check;
    return bad ? `url ${bad}` : null;
  }

  /** One signed POST; never throws. */
  async function postWebhook(hook: { url: string; secret: string }, deliveryId: string, revision: number, out: AlertOut): Promise<{ statusCode: number | null; error: string | null; durationMs: number }> {
    const started = Date.now();
    const event = revision > 1 ? 'alert.revised' : 'alert.published';
    const body = JSON.stringify({ event, deliveryId, alert: out });
    const headers = signWebhook(hook.secret, body, Math.floor(now().getTime() / 1000));
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(hook.url, {
        method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(10_000),
        headers: { 'content-type': 'application/json', 'user-agent': 'Rampart-Webhooks/1', 'rampart-delivery': deliveryId, 'rampart-event': event, ...headers },
      });
      statusCode = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).message.slice(0, 500);
    }
    return { statusCode, error, durationMs: Date.now() - started };
  }

  /**
   * Sends one fan-out batch (DELIVER_EMAIL_JOB, DELIVER_WEBHOOKS_JOB): its emails through the pooled SMTP transport, its webhooks
   * concurrently; each group's outcome is written as soon as it is known. Only rows still `queued` are
   * sent, so a retried job (pg-boss, after a crash or a mail failure) resends nothing already sent —
   * at most the group in flight when a process died. A failed webhook gets its own retried job
   * (WEBHOOK_JOB, exponential backoff); failed mail fails the job, which pg-boss retries.
   */
  async function deliverBatch(alertId: string, revision: number, ids: string[]): Promise<{ sent: number; failed: number; retrying: number }> {
    const rows = await repo.queuedDeliveries(ids);
    const tally = { sent: 0, failed: 0, retrying: 0 };
    if (!rows.length) return tally;
    const a = await repo.get(db, systemActor('alerts-delivery'), alertId);
    if (!a || a.status !== 'published') {
      await repo.finishDeliveries(rows.map((d) => d.id), 'skipped', 'the alert is no longer published', now());
      return tally;
    }
    const out = toOut(a, now());
    const k = await key();
    const mailFor = alertEmailFor(out, { publicUrl: core.config.PUBLIC_URL, update: revision > 1 });

    const mails = rows.filter((d) => d.channel === 'email');
    const people = await repo.usersByIds(db, mails.map((d) => d.recipient));
    let mailErrors = 0;
    for (const group of groups(mails, MAIL_GROUP)) {
      const at = now();
      const results = await Promise.all(group.map(async (d) => {
        const u = people.get(d.recipient);
        if (!u) return 'skipped' as const;
        const ackToken = signLink(k, { k: 'ack', a: alertId, u: d.recipient, o: d.orgId, x: at.getTime() + LINK_TTL_MS });
        try {
          await core.mailer.send(mailFor({ name: u.name, email: u.email }, ackToken));
          return 'sent' as const;
        } catch (e) {
          return (e as Error).message.slice(0, 500);
        }
      }));
      const by = (r: string) => group.filter((_d, i) => results[i] === r).map((d) => d.id);
      await repo.finishDeliveries(by('sent'), 'sent', null, at);
      await repo.finishDeliveries(by('skipped'), 'skipped', 'no such person (or disabled)', at);
      const failed = group.filter((_d, i) => results[i] !== 'sent' && results[i] !== 'skipped');
      for (const d of failed) await repo.noteFailure(db, d.id, results[group.indexOf(d)]!);
      tally.sent += by('sent').length;
      mailErrors += failed.length;
    }

    const hooks = rows.filter((d) => d.channel === 'webhook');
    const hookById = new Map((await repo.webhooksByIds(hooks.map((d) => d.recipient))).map((h) => [h.id, h]));
    const ctxByOrg = new Map((await repo.orgContexts([...new Set([...hookById.values()].map((h) => h.orgId))])).map((c) => [c.id, c]));
    const urlChecks = new Map<string, Promise<string | null>>();
    for (const group of groups(hooks, WEBHOOK_GROUP)) {
      const results = await Promise.all(group.map(async (d) => {
        const hook = hookById.get(d.recipient);
        if (!hook || !hook.active) return { d, hook, final: true, statusCode: null, error: 'webhook removed', durationMs: 0 };
        const refusal = await webhookRefusal(hook, ctxByOrg.get(hook.orgId), a, urlChecks);
        if (refusal) return { d, hook, final: true, statusCode: null, error: refusal, durationMs: 0 };
        return { d, hook, final: false, ...(await postWebhook(hook, d.id, revision, out)) };
      }));
      const at = now();
      await repo.insertAttempts(results.filter((x) => x.hook).map((x) => ({
        webhookId: x.hook!.id, deliveryId: x.d.id, alertId, revision, attempt: x.d.attempts + 1, statusCode: x.statusCode, ok: x.error === null, error: x.error, durationMs: x.durationMs, at,
      })));
      const ok = results.filter((x) => x.error === null).map((x) => x.d.id);
      const dead = results.filter((x) => x.error !== null && (x.final || x.d.attempts + 1 >= settings.webhookAttempts));
      const retry = results.filter((x) => x.error !== null && !dead.includes(x));
      await repo.finishDeliveries(ok, 'sent', null, at);
      for (const x of dead) await repo.finishDeliveries([x.d.id], 'failed', x.error, at);
      for (const x of retry) {
        await withTx(db, async (tx) => {
          await repo.noteFailure(tx, x.d.id, x.error!);
          await core.jobs.send(WEBHOOK_JOB, { deliveryId: x.d.id }, { tx, startAfter: 5 * 2 ** x.d.attempts, singletonKey: `webhook:${x.d.id}` });
        });
      }
      tally.sent += ok.length;
      tally.failed += dead.length;
      tally.retrying += retry.length;
    }
    if (mailErrors) throw new Error(`${mailErrors} alert emails failed; the batch will be retried (sent ones are not resent)`);
    return tally;
  }

  async function deliverWebhook(deliveryId: string): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
    const d = await repo.getDelivery(deliveryId);
    if (!d || d.channel !== 'webhook' || d.status === 'sent' || d.status === 'failed') return 'skipped';
    const hook = await repo.getWebhook(d.recipient);
    const a = await repo.get(db, systemActor('alerts-webhooks'), d.alertId);
    if (!hook || !hook.active || !a) {
      await repo.bumpAttempts(deliveryId, 'webhook or alert gone', 'failed', now());
      return 'skipped';
    }
    const ctx = await deps.directory.actorContext(hook.orgId);
    const attempt = d.attempts + 1;
    const refusal = await webhookRefusal(hook, { kind: ctx.orgKind ?? '', path: ctx.orgPath, communityIds: ctx.communityIds }, a);
    const { statusCode, error, durationMs } = refusal ? { statusCode: null, error: refusal, durationMs: 0 } : await postWebhook(hook, d.id, d.revision, toOut(a, now()));
    await repo.insertAttempts([{ webhookId: hook.id, deliveryId: d.id, alertId: d.alertId, revision: d.revision, attempt, statusCode, ok: error === null, error, durationMs, at: now() }]);
    if (error === null) {
      await repo.bumpAttempts(deliveryId, null, 'sent', now());
      return 'sent';
    }
    const final = attempt >= settings.webhookAttempts || error.startsWith('the organisation') || error.startsWith('url ');
    await repo.bumpAttempts(deliveryId, error, final ? 'failed' : 'queued', now());
    return final ? 'failed' : 'retry';
  }

  async function sendDigests(): Promise<number> {
    const k = await key();
    const sys = systemActor('alerts-digest');
    let sent = 0;
    for (const g of await repo.pendingDigests()) {
      const users = await repo.usersByIds(db, [g.userId]);
      const u = users.get(g.userId);
      await withTx(db, async (tx) => {
        const at = now();
        if (!u) return repo.markDeliveries(tx, g.deliveryIds, 'skipped', at);
        const alerts: AlertOut[] = [];
        for (const id of [...new Set(g.alertIds)]) {
          const a = await repo.get(tx, sys, id);
          if (a && a.status === 'published' && a.level !== 'Severe') alerts.push(toOut(a, at));
        }
        if (alerts.length) {
          const unsub = signLink(k, { k: 'unsub', u: g.userId, x: at.getTime() + LINK_TTL_MS });
          await core.mail.queue(tx, digestEmail(alerts, { name: u.name, email: u.email }, { publicUrl: core.config.PUBLIC_URL, unsubscribeToken: unsub }));
          sent++;
        }
        await repo.markDeliveries(tx, g.deliveryIds, 'sent', at);
      });
    }
    return sent;
  }

  async function checkEscalations(): Promise<number> {
    const at = now();
    const levels = (['High', 'Severe'] as const).map((level) => ({ level, deadlineBefore: new Date(at.getTime() - settings.escalateAfterMinutes[level] * 60_000) }));
    const sys = systemActor('alerts-escalation');
    let n = 0;
    for (const c of await repo.escalationCandidates(levels, at)) {
      const org = await deps.directory.getOrg(sys, c.orgId).catch(() => null);
      const contacts = (org?.contacts ?? []).filter((x) => x.is24x7 && x.email);
      await withTx(db, async (tx) => {
        if (!(await repo.recordEscalation(tx, c.alertId, c.orgId, contacts.map((x) => ({ name: x.name, email: x.email, phone: x.phone })), at))) return;
        if (contacts.length) {
          await core.mail.queue(tx, escalationEmail({ number: c.number, title: c.title, level: c.level, id: c.alertId }, org?.name ?? 'your organisation', contacts.map((x) => x.email), core.config.PUBLIC_URL));
        }
        await audit(tx, sys, { action: 'alerts.escalate', subjectType: 'alert', subjectId: c.alertId, details: { orgId: c.orgId, contacts: contacts.length } });
        n++;
      });
    }
    return n;
  }

  return {
    getVisible,
    fanout,
    deliverBatch,
    deliverWebhook,
    sendDigests,
    checkEscalations,
    audience,

    async list(actor: Actor, q: { status?: AlertRow['status']; level?: AlertLevel; active?: 'true' | 'false'; limit: number; offset: number }) {
      requireReader(actor);
      return repo.list(actor, { status: q.status, level: q.level, activeAt: q.active === 'true' ? now() : undefined, limit: q.limit, offset: q.offset });
    },

    async create(actor: Actor, b: AlertCreateBody): Promise<AlertRow> {
      requireAnalyst(actor);
      await validate(actor, b);
      const w: AlertWrite = {
        kind: b.kind, level: b.level, title: b.title, summary: b.summary, bodyMd: b.body, bodyHtml: renderMarkdown(b.body), technicalDetails: b.technicalDetails,
        affectedSectors: b.affectedSectors, affectedProducts: b.affectedProducts, affectedFips: b.affectedJurisdictions, stixRefs: b.stixRefs,
        recommendedActions: b.recommendedActions, references: b.references, target: b.target, ownerOrgId: actor.orgId, tlp: b.tlp,
        communityIds: b.communityIds, recipientOrgIds: b.recipientOrgIds, recipientUserIds: b.recipientUserIds, createdBy: actor.userId,
        authorName: actor.name, expiresAt: b.expiresAt ? new Date(b.expiresAt) : null,
      };
      const id = await withTx(db, async (tx) => {
        const at = now();
        const number = await repo.nextNumber(tx, at.getUTCFullYear());
        const id = await repo.insert(tx, number, w, at);
        await audit(tx, actor, { action: 'alerts.create', subjectType: 'alert', subjectId: id, details: { number, level: b.level, tlp: b.tlp } });
        return id;
      });
      return getVisible(actor, id);
    },

    async update(actor: Actor, id: string, b: AlertUpdateBody): Promise<AlertRow> {
      const a = await getVisible(actor, id);
      requireAnalyst(actor);
      if (!canManage(actor, a)) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only analysts of the owning organisation edit this alert');
      if (a.status === 'withdrawn') throw errors.conflict('ALERTS_INVALID_TRANSITION', 'A withdrawn alert cannot be edited');
      await validate(actor, b);
      const w: AlertWrite = {
        kind: a.kind, level: b.level ?? a.level, title: b.title ?? a.title, summary: b.summary ?? a.summary, bodyMd: b.body ?? a.bodyMd,
        bodyHtml: b.body !== undefined ? renderMarkdown(b.body) : a.bodyHtml, technicalDetails: b.technicalDetails ?? a.technicalDetails,
        affectedSectors: b.affectedSectors ?? a.affectedSectors, affectedProducts: b.affectedProducts ?? a.affectedProducts,
        affectedFips: b.affectedJurisdictions ?? a.affectedFips, stixRefs: b.stixRefs ?? a.stixRefs, recommendedActions: b.recommendedActions ?? a.recommendedActions,
        references: b.references ?? a.references, target: b.target ?? normTarget(a.target), ownerOrgId: a.ownerOrgId, tlp: b.tlp ?? a.tlp,
        communityIds: b.communityIds ?? a.communityIds, recipientOrgIds: b.recipientOrgIds ?? a.recipientOrgIds, recipientUserIds: b.recipientUserIds ?? a.recipientUserIds,
        createdBy: a.createdBy, authorName: a.authorName, expiresAt: b.expiresAt === undefined ? a.expiresAt : b.expiresAt ? new Date(b.expiresAt) : null,
      };
      if (a.status === 'published') {
        requireTarget(w.target);
        // A revision of a published High/Severe alert that raises nothing still needs no second approval: it was approved once.
      }
      await withTx(db, async (tx) => {
        const locked = await repo.get(tx, actor, id, { lock: true });
        if (!locked || locked.updatedAt.getTime() !== a.updatedAt.getTime()) throw errors.conflict('ALERTS_STALE', 'The alert changed meanwhile; reload and retry');
        const at = now();
        await repo.update(tx, id, w, at);
        if (a.status === 'review') await repo.setStatus(tx, id, 'review', { approvedBy: null }, at);
        await audit(tx, actor, { action: 'alerts.update', subjectType: 'alert', subjectId: id, details: { fields: Object.keys(b) } });
        if (a.status === 'published') {
          const fresh = (await repo.get(tx, systemActor('alerts'), id))!;
          await publishTx(tx, actor, fresh, b.revisionNote ?? 'updated');
        }
      });
      return getVisible(actor, id);
    },

    async transition(actor: Actor, id: string, action: 'submit' | 'approve' | 'reject' | 'publish' | 'withdraw', note: string): Promise<AlertRow> {
      const a = await getVisible(actor, id);
      requireAnalyst(actor);
      if (!canManage(actor, a)) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only analysts of the owning organisation manage this alert');
      const bad = (msg: string) => errors.conflict('ALERTS_INVALID_TRANSITION', msg, { status: a.status, action });
      await withTx(db, async (tx) => {
        const cur = await repo.get(tx, systemActor('alerts'), id, { lock: true });
        if (!cur) throw errors.notFound('alert', 'ALERTS_NOT_FOUND');
        const at = now();
        switch (action) {
          case 'submit':
            if (cur.status !== 'draft') throw bad(`Only a draft can be submitted for review (it is ${cur.status})`);
            requireTarget(normTarget(cur.target));
            await repo.setStatus(tx, id, 'review', { submittedBy: actor.userId, approvedBy: null }, at);
            break;
          case 'reject':
            if (cur.status !== 'review') throw bad(`Only an alert in review can be returned to draft (it is ${cur.status})`);
            await repo.setStatus(tx, id, 'draft', { approvedBy: null }, at);
            break;
          case 'approve':
            if (cur.status !== 'review') throw bad(`Only an alert in review can be approved (it is ${cur.status})`);
            if (actor.userId !== null && actor.userId === cur.createdBy) throw errors.forbidden('ALERTS_SECOND_ANALYST', 'The author cannot approve their own alert: a second analyst must');
            await repo.setStatus(tx, id, 'review', { approvedBy: actor.userId }, at);
            break;
          case 'publish':
            if (cur.status !== 'review') throw bad(`Only an alert in review can be published (it is ${cur.status})`);
            if (cur.expiresAt && cur.expiresAt <= at) throw bad('The alert has already expired');
            requireTarget(normTarget(cur.target));
            if (SECOND_ANALYST.includes(cur.level) && (!cur.approvedBy || cur.approvedBy === cur.createdBy)) {
              throw errors.conflict('ALERTS_APPROVAL_REQUIRED', `A ${cur.level} alert needs a second analyst’s approval before it is published`, { path: 'approvedBy' });
            }
            await publishTx(tx, actor, cur, note || 'published');
            return;
          case 'withdraw':
            if (cur.status !== 'published') throw bad(`Only a published alert can be withdrawn (it is ${cur.status})`);
            await repo.setStatus(tx, id, 'withdrawn', {}, at);
            await publishEvent(tx, { topic: 'alerts.withdrawn', subjectId: id, sharing: sharingOf(cur), payload: { number: cur.number } });
            break;
          default:
            throw bad('Unknown action');
        }
        await audit(tx, actor, { action: `alerts.${action}`, subjectType: 'alert', subjectId: id, details: { number: cur.number, note } });
      });
      return getVisible(actor, id);
    },

    async revisions(actor: Actor, id: string) {
      await getVisible(actor, id);
      return repo.revisions(id);
    },

    /** The caller's own acknowledgement of an alert they may see (read after getVisible). */
    async myAcknowledgement(actor: Actor, alertId: string) {
      if (!actor.userId) return null;
      const k = await repo.ackOf(alertId, actor.userId);
      return k ? { status: k.status, via: k.via, at: k.at.toISOString() } : null;
    },

    /** The audience of targeting and sharing not saved yet, as if the caller created the alert now (the authoring form, live). */
    async previewDraftAudience(actor: Actor, b: AudiencePreviewBody) {
      requireAnalyst(actor);
      await validate(actor, b);
      requireTarget(b.target);
      const aud = await audience({ ...b, ownerOrgId: actor.orgId, createdBy: actor.userId });
      return { organisations: aud.orgs.length, people: aud.people.length, excludedByTlp: { organisations: aud.excludedOrgs, people: aud.excludedPeople } };
    },

    async previewAudience(actor: Actor, id: string, override?: { target?: Target }) {
      const a = await getVisible(actor, id);
      requireAnalyst(actor);
      if (!canManage(actor, a)) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only analysts of the owning organisation preview its audience');
      const target = override?.target ?? normTarget(a.target);
      if (override?.target) await validate(actor, { target });
      requireTarget(target);
      const aud = await audience({ ...a, target });
      return { organisations: aud.orgs.length, people: aud.people.length, excludedByTlp: { organisations: aud.excludedOrgs, people: aud.excludedPeople } };
    },

    // ---- notifications and preferences -------------------------------------------------------
    async notifications(actor: Actor, q: { unread: boolean; limit: number }) {
      requireReader(actor);
      if (!actor.userId) return [];
      return repo.notifications(actor, actor.userId, q);
    },
    async markRead(actor: Actor, ids: string[] | 'all') {
      requireReader(actor);
      if (!actor.userId) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only people have notifications');
      return withTx(db, (tx) => repo.markRead(tx, actor.userId!, ids, now()));
    },
    async getPrefs(actor: Actor) {
      requireReader(actor);
      if (!actor.userId) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only people have preferences');
      return { levels: { ...DEFAULT_PREFS, ...((await repo.getPrefs(actor.userId)) ?? {}), Severe: 'immediate' as const } };
    },
    async setPrefs(actor: Actor, levels: Partial<Record<AlertLevel, 'immediate' | 'digest' | 'none'>>) {
      requireReader(actor);
      if (!actor.userId) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only people have preferences');
      if (levels.Severe && levels.Severe !== 'immediate') throw errors.validation([{ path: 'body.levels.Severe', message: 'Severe alerts are always sent immediately' }]);
      const merged = { ...DEFAULT_PREFS, ...((await repo.getPrefs(actor.userId)) ?? {}), ...levels, Severe: 'immediate' };
      await withTx(db, async (tx) => {
        await repo.setPrefs(tx, actor.userId!, merged, now());
        await audit(tx, actor, { action: 'alerts.prefs', subjectType: 'user', subjectId: actor.userId!, details: { levels: merged } });
      });
      return { levels: merged as Record<AlertLevel, 'immediate' | 'digest' | 'none'> };
    },
    /** Unsubscribe link in digests: every digest level becomes 'none' (immediate levels stay). */
    async unsubscribe(token: string) {
      const p = verifyLink(await key(), token, now().getTime());
      if (!p || p.k !== 'unsub') throw errors.badRequest('ALERTS_BAD_LINK', 'This link is invalid or has expired', { path: 'body.token' });
      const cur: Record<string, string> = { ...DEFAULT_PREFS, ...((await repo.getPrefs(p.u)) ?? {}) };
      for (const l of ALERT_LEVELS) if (cur[l] === 'digest') cur[l] = 'none';
      await withTx(db, async (tx) => {
        await repo.setPrefs(tx, p.u, cur, now());
        await audit(tx, systemActor('alerts-unsubscribe'), { action: 'alerts.unsubscribe', subjectType: 'user', subjectId: p.u });
      });
      return { unsubscribed: true };
    },

    // ---- acknowledgements -----------------------------------------------------------------------
    async acknowledge(actor: Actor, id: string, status: AckStatus) {
      const a = await getVisible(actor, id);
      if (!actor.userId) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only people acknowledge alerts');
      if (!hasScope(actor, 'write')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the write scope');
      if (a.status !== 'published') throw errors.conflict('ALERTS_INVALID_TRANSITION', 'Only a published alert can be acknowledged');
      const d = await repo.wasDelivered(id, actor.userId);
      await withTx(db, async (tx) => {
        await repo.upsertAck(tx, { alertId: id, userId: actor.userId!, orgId: d?.orgId ?? actor.orgId, status, via: 'api', at: now() });
        await audit(tx, actor, { action: 'alerts.ack', subjectType: 'alert', subjectId: id, details: { status } });
      });
      return { status };
    },
    async acknowledgeByLink(token: string, status: AckStatus) {
      const p = verifyLink(await key(), token, now().getTime());
      if (!p || p.k !== 'ack') throw errors.badRequest('ALERTS_BAD_LINK', 'This link is invalid or has expired', { path: 'body.token' });
      const a = await repo.get(db, systemActor('alerts-ack'), p.a);
      if (!a || a.status !== 'published') throw errors.notFound('alert', 'ALERTS_NOT_FOUND');
      await withTx(db, async (tx) => {
        await repo.upsertAck(tx, { alertId: p.a, userId: p.u, orgId: p.o, status, via: 'email', at: now() });
        await audit(tx, { ...systemActor('alerts-ack-link'), userId: p.u }, { action: 'alerts.ack', subjectType: 'alert', subjectId: p.a, details: { status, via: 'email' } });
      });
      return { status, number: a.number, title: a.title };
    },
    async peekAckLink(token: string) {
      const p = verifyLink(await key(), token, now().getTime());
      if (!p || p.k !== 'ack') return null;
      const a = await repo.get(db, systemActor('alerts-ack'), p.a);
      return a ? { number: a.number, title: a.title, level: a.level } : null;
    },
    async ackProgress(actor: Actor, id: string) {
      const a = await getVisible(actor, id);
      if (!canManage(actor, a)) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only the author and analysts of the owning organisation see acknowledgement progress');
      const p = await repo.ackProgress(id);
      return {
        recipients: { organisations: p.orgs.length, people: p.orgs.reduce((s, o) => s + o.people, 0) },
        acknowledged: { organisations: p.orgs.filter((o) => o.acknowledged > 0).length, people: p.orgs.reduce((s, o) => s + o.acknowledged, 0) },
        byStatus: Object.fromEntries(p.statuses.map((s) => [s.status, s.n])),
        byOrganisation: p.orgs.map((o) => ({ ...o, escalatedAt: o.escalatedAt?.toISOString() ?? null })),
        byState: p.states,
      };
    },
    async escalations(actor: Actor, id: string) {
      const a = await getVisible(actor, id);
      if (!canManage(actor, a)) throw errors.forbidden('ALERTS_FORBIDDEN', 'Only the owning organisation sees escalations');
      return repo.escalations(id);
    },

    // ---- webhooks -------------------------------------------------------------------------------
    async createWebhook(actor: Actor, b: { url: string; description: string }) {
      requireAnalyst(actor);
      const bad = await checkWebhookUrl(b.url, core.config.ALLOW_PRIVATE_WEBHOOKS);
      if (bad) throw errors.validation([{ path: 'body.url', message: bad }]);
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const id = await withTx(db, async (tx) => {
        const id = await repo.insertWebhook(tx, { orgId: actor.orgId!, url: b.url, secret, description: b.description, createdBy: actor.userId, now: now() });
        await audit(tx, actor, { action: 'alerts.webhook.create', subjectType: 'webhook', subjectId: id, details: { url: b.url } });
        return id;
      });
      return { id, orgId: actor.orgId!, url: b.url, description: b.description, active: true, createdAt: now().toISOString(), secret };
    },
    async listWebhooks(actor: Actor) {
      requireReader(actor);
      if (!actor.orgId) return [];
      return (await repo.listWebhooks(actor.orgId)).map((w) => ({ ...w, createdAt: w.createdAt.toISOString() }));
    },
    async ownWebhook(actor: Actor, id: string) {
      requireReader(actor);
      const w = await repo.getWebhook(id);
      if (!w || w.orgId !== actor.orgId || !w.active) throw errors.notFound('webhook', 'ALERTS_WEBHOOK_NOT_FOUND');
      return w;
    },
    async deleteWebhook(actor: Actor, id: string) {
      requireAnalyst(actor);
      const w = await repo.getWebhook(id);
      if (!w || w.orgId !== actor.orgId || !w.active) throw errors.notFound('webhook', 'ALERTS_WEBHOOK_NOT_FOUND');
      await withTx(db, async (tx) => {
        await repo.deactivateWebhook(tx, id);
        await audit(tx, actor, { action: 'alerts.webhook.delete', subjectType: 'webhook', subjectId: id });
      });
    },
    async webhookAttempts(actor: Actor, id: string, limit: number) {
      const w = await repo.getWebhook(id);
      requireReader(actor);
      if (!w || w.orgId !== actor.orgId) throw errors.notFound('webhook', 'ALERTS_WEBHOOK_NOT_FOUND');
      return (await repo.attempts(id, limit)).map((x) => ({ ...x, id: Number(x.id), at: x.at.toISOString() }));
    },

    // ---- feeds and picture -------------------------------------------------------------------------
    async publicAlerts(limit = 50) {
      return repo.listPublic(now(), limit);
    },
    async publicAlert(id: string) {
      const a = await repo.get(db, systemActor('alerts-feeds'), id);
      if (!a || a.tlp !== 'CLEAR' || a.status !== 'published' || (a.expiresAt && a.expiresAt <= now())) throw errors.notFound('alert', 'ALERTS_NOT_FOUND');
      return a;
    },
    /** Per state (or, given a state, per county of it): active visible alerts by level and acknowledgement gaps (modules/picture). */
    async pictureStates(actor: Actor, stateFips?: string) {
      requireReader(actor);
      const { levels, gaps } = await repo.pictureStates(actor, now(), stateFips);
      const by = new Map<string, { fips: string; activeAlerts: number; byLevel: Record<string, number>; recipientOrganisations: number; unacknowledgedOrganisations: number }>();
      const row = (s: string) => by.get(s) ?? by.set(s, { fips: s, activeAlerts: 0, byLevel: {}, recipientOrganisations: 0, unacknowledgedOrganisations: 0 }).get(s)!;
      for (const l of levels) {
        const r = row(l.fips);
        r.byLevel[l.level] = l.alerts;
        r.activeAlerts += l.alerts;
      }
      for (const g of gaps) {
        const r = row(g.fips);
        r.recipientOrganisations = g.orgs;
        r.unacknowledgedOrganisations = g.unacked;
      }
      return { items: [...by.values()].sort((x, y) => x.fips.localeCompare(y.fips)) };
    },
    async pictureTrends(actor: Actor, q: { from?: string; to?: string; communityId?: string; sector?: string }) {
      requireReader(actor);
      const to = q.to ? new Date(`${q.to}T00:00:00Z`) : new Date(Date.UTC(now().getUTCFullYear(), now().getUTCMonth(), now().getUTCDate()));
      const from = q.from ? new Date(`${q.from}T00:00:00Z`) : new Date(to.getTime() - 30 * 86400_000);
      const toExclusive = new Date(to.getTime() + 86400_000);
      if (from > toExclusive) throw errors.validation([{ path: 'query.from', message: 'must not be after to' }]);
      if (toExclusive.getTime() - from.getTime() > 366 * 86400_000) throw errors.validation([{ path: 'query.from', message: 'the range may span at most a year' }]);
      const r = await repo.trends(actor, { from, to: toExclusive, communityId: q.communityId, sector: q.sector });
      const days = new Map<string, Record<string, number>>();
      for (let t = from.getTime(); t < toExclusive.getTime(); t += 86400_000) days.set(new Date(t).toISOString().slice(0, 10), {});
      for (const d of r.days) (days.get(d.day) ?? days.set(d.day, {}).get(d.day)!)[d.level] = d.n;
      const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
      return {
        from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10),
        days: [...days.entries()].map(([day, byLevel]) => ({ day, byLevel })),
        timeToAcknowledge: { acknowledgements: r.tta.n, medianMinutes: round(r.tta.median), p90Minutes: round(r.tta.p90) },
      };
    },
    async weeklyData(actor: Actor, communityId: string, weekEnding?: Date) {
      requireReader(actor);
      const name = await repo.communityName(communityId);
      if (!name || (actor.kind !== 'system' && !actor.communityIds.includes(communityId))) throw errors.notFound('community', 'ALERTS_COMMUNITY_NOT_FOUND');
      const end = weekEnding ?? now();
      const from = new Date(end.getTime() - 7 * 86400_000);
      return { communityName: name, from, to: end, alerts: await repo.weekly(actor, communityId, from, end) };
    },
    repo,
  };
}

export function normTarget(t: Partial<Target> | null | undefined): Target {
  return { orgKinds: t?.orgKinds ?? [], states: t?.states ?? [], jurisdictions: t?.jurisdictions ?? [], communityIds: t?.communityIds ?? [], orgIds: t?.orgIds ?? [], userIds: t?.userIds ?? [] };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
