import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { systemActor, type Actor } from '../../core/access/actor.ts';
import type { AlertRow } from './alerts.repo.ts';
import type { AlertsService } from './alerts.service.ts';
import { toOut } from './alerts.service.ts';
import {
  AckBody, AckLinkBody, AckProgress, Alert, AlertCreateBody, AlertListQuery, AlertSummary, AlertUpdateBody, Audience, AudiencePreviewBody, Notification,
  Prefs, PrefsBody, Revision, Target, TransitionBody, Uuid, Webhook, WebhookAttempt, WebhookCreateBody, WebhookCreated,
} from './alerts.schemas.ts';
import { atomFeed, capXml } from './feeds.ts';
import { escapeHtml } from './markdown.ts';
import { weeklyReportPdf } from './report.pdf.ts';

const IdParams = z.strictObject({ id: Uuid });
const iso = (d: Date | null) => d?.toISOString() ?? null;

export function alertsRoutes(service: AlertsService, now: () => Date) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['alerts'];

    app.get('/alerts', { schema: { tags, summary: 'Alerts and advisories you may see', querystring: AlertListQuery, response: { 200: z.object({ items: z.array(AlertSummary), total: z.number().int() }) } } }, async (req) => {
      const r = await service.list(req.actor, req.query);
      return { items: r.items.map((a) => toOut(a, now())), total: r.total };
    });
    /** An alert as the API answers it: with the caller's own acknowledgement. */
    const read = async (actor: Actor, a: AlertRow) => ({ ...toOut(a, now()), myAcknowledgement: await service.myAcknowledgement(actor, a.id) });
    app.post('/alerts', { schema: { tags, summary: 'Draft an alert or advisory', body: AlertCreateBody, response: { 201: Alert } } }, async (req, reply) =>
      reply.code(201).send(await read(req.actor, await service.create(req.actor, req.body))));
    app.post('/alerts/preview-audience', { schema: { tags, summary: 'How many organisations and people targeting and sharing not saved yet would reach (the authoring form, live)', body: AudiencePreviewBody, response: { 200: Audience } } }, async (req) =>
      service.previewDraftAudience(req.actor, req.body));
    app.get('/alerts/:id', { schema: { tags, summary: 'One alert, with your own acknowledgement', params: IdParams, response: { 200: Alert } } }, async (req) => read(req.actor, await service.getVisible(req.actor, req.params.id)));
    app.patch('/alerts/:id', { schema: { tags, summary: 'Edit an alert (a published alert gets a new revision and recipients are notified)', params: IdParams, body: AlertUpdateBody, response: { 200: Alert } } }, async (req) =>
      read(req.actor, await service.update(req.actor, req.params.id, req.body)));
    for (const action of ['submit', 'approve', 'reject', 'publish', 'withdraw'] as const) {
      app.post(`/alerts/:id/${action}`, { schema: { tags, summary: `Workflow: ${action}`, params: IdParams, body: TransitionBody, response: { 200: Alert } } }, async (req) =>
        read(req.actor, await service.transition(req.actor, req.params.id, action, req.body.note)));
    }
    app.get('/alerts/:id/revisions', { schema: { tags, summary: 'Published revisions, oldest first', params: IdParams, response: { 200: z.object({ items: z.array(Revision) }) } } }, async (req) => ({
      items: (await service.revisions(req.actor, req.params.id)).map((r) => ({ ...r, publishedAt: r.publishedAt.toISOString() })),
    }));
    app.post('/alerts/:id/preview-audience', { schema: { tags, summary: 'How many organisations and people would receive it (targeting and TLP)', params: IdParams, body: z.strictObject({ target: Target.optional() }), response: { 200: Audience } } }, async (req) =>
      service.previewAudience(req.actor, req.params.id, req.body));
    app.post('/alerts/:id/ack', { schema: { tags, summary: 'Acknowledge an alert', params: IdParams, body: AckBody, response: { 200: z.object({ status: z.string() }) } } }, async (req) =>
      service.acknowledge(req.actor, req.params.id, req.body.status));
    app.post('/alerts/ack-link', { schema: { tags, summary: 'Acknowledge with the signed token of an email link (no sign-in)', body: AckLinkBody, response: { 200: z.object({ status: z.string(), number: z.string(), title: z.string() }) } } }, async (req) =>
      service.acknowledgeByLink(req.body.token, req.body.status));
    app.post('/alerts/unsubscribe', { schema: { tags, summary: 'Stop digest mail with the signed token of a digest link', body: z.strictObject({ token: z.string().min(10).max(2000) }), response: { 200: z.object({ unsubscribed: z.boolean() }) } } }, async (req) =>
      service.unsubscribe(req.body.token));
    app.get('/alerts/:id/acks', { schema: { tags, summary: 'Acknowledgement progress by organisation and state', params: IdParams, response: { 200: AckProgress } } }, async (req) =>
      service.ackProgress(req.actor, req.params.id));
    app.get('/alerts/:id/escalations', { schema: { tags, summary: 'Escalations to 24x7 contacts', params: IdParams, response: { 200: z.object({ items: z.array(z.object({ orgId: Uuid, at: z.string(), contacts: z.unknown() })) }) } } }, async (req) => ({
      items: (await service.escalations(req.actor, req.params.id)).map((e) => ({ ...e, at: e.at.toISOString() })),
    }));
    app.get('/alerts/reports/weekly.pdf', { schema: { tags, summary: 'Weekly trend report of a community (PDF)', querystring: z.strictObject({ communityId: Uuid }) } }, async (req, reply) => {
      const d = await service.weeklyData(req.actor, req.query.communityId);
      const pdf = await weeklyReportPdf({ ...d, generatedAt: now() });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="rampart-weekly-${d.to.toISOString().slice(0, 10)}.pdf"`).send(pdf);
    });

    app.get('/notifications', { schema: { tags, summary: 'Your in-app notifications', querystring: z.strictObject({ unread: z.enum(['true', 'false']).default('false'), limit: z.coerce.number().int().min(1).max(200).default(50) }), response: { 200: z.object({ items: z.array(Notification) }) } } }, async (req) => ({
      items: (await service.notifications(req.actor, { unread: req.query.unread === 'true', limit: req.query.limit })).map((n) => ({ ...n, createdAt: n.createdAt.toISOString(), readAt: iso(n.readAt) })),
    }));
    app.post('/notifications/read', { schema: { tags, summary: 'Mark notifications read', body: z.strictObject({ ids: z.array(Uuid).max(500).optional(), all: z.boolean().optional() }), response: { 200: z.object({ updated: z.number().int() }) } } }, async (req) => ({
      updated: await service.markRead(req.actor, req.body.all ? 'all' : (req.body.ids ?? [])),
    }));
    app.get('/alerts-preferences', { schema: { tags, summary: 'Your alert mail preferences', response: { 200: Prefs } } }, async (req) => service.getPrefs(req.actor));
    app.patch('/alerts-preferences', { schema: { tags, summary: 'Set alert mail preferences per level (Severe is always immediate)', body: PrefsBody, response: { 200: Prefs } } }, async (req) => service.setPrefs(req.actor, req.body.levels));

    app.get('/webhooks', { schema: { tags, summary: "Your organisation's webhooks", response: { 200: z.object({ items: z.array(Webhook) }) } } }, async (req) => ({ items: await service.listWebhooks(req.actor) }));
    app.post('/webhooks', { schema: { tags, summary: 'Register an HTTPS webhook (the secret is shown once)', body: WebhookCreateBody, response: { 201: WebhookCreated } } }, async (req, reply) =>
      reply.code(201).send(await service.createWebhook(req.actor, req.body)));
    app.delete('/webhooks/:id', { schema: { tags, summary: 'Remove a webhook', params: IdParams, response: { 204: z.null() } } }, async (req, reply) => {
      await service.deleteWebhook(req.actor, req.params.id);
      return reply.code(204).send(null);
    });
    app.get('/webhooks/:id/deliveries', { schema: { tags, summary: 'Delivery log of a webhook (every attempt)', params: IdParams, querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }), response: { 200: z.object({ items: z.array(WebhookAttempt) }) } } }, async (req) => ({
      items: await service.webhookAttempts(req.actor, req.params.id, req.query.limit),
    }));
  };
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto">${body}</body></html>`;

/** Public routes: feeds (TLP:CLEAR only) and the pages behind signed email links. */
export function alertsRootRoutes(service: AlertsService, publicUrl: string) {
  return async (scope: FastifyInstance) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 10_000 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))));
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['feeds'];
    app.get('/feeds/alerts.atom', { schema: { tags, summary: 'Atom feed of public (TLP:CLEAR) alerts' } }, async (_req, reply) =>
      reply.type('application/atom+xml; charset=utf-8').send(atomFeed(await service.publicAlerts(), publicUrl, { self: '/feeds/alerts.atom', title: 'Rampart public alerts' })));
    app.get('/feeds/cap.xml', { schema: { tags, summary: 'Index (Atom) of public alerts as OASIS CAP 1.2 documents' } }, async (_req, reply) =>
      reply.type('application/atom+xml; charset=utf-8').send(atomFeed(await service.publicAlerts(), publicUrl, { self: '/feeds/cap.xml', title: 'Rampart public alerts (CAP 1.2)' })));
    app.get('/feeds/cap/:file', { schema: { tags, summary: 'One public alert as OASIS CAP 1.2 XML (<id>.xml)', params: z.strictObject({ file: z.string().regex(/^[0-9a-f-]{36}\.xml$/, 'must be <alert id>.xml') }) } }, async (req, reply) => {
      const a = await service.publicAlert(req.params.file.slice(0, 36));
      return reply.type('application/cap+xml; charset=utf-8').send(capXml(a, publicUrl, new Map()));
    });

    const Status = z.enum(['received', 'actioned', 'not_applicable']);
    app.get('/alerts/ack', { schema: { tags: ['alerts'], summary: 'Page behind an email acknowledgement link (confirm with one click)', querystring: z.object({ token: z.string().max(2000), status: Status.default('received') }) } }, async (req, reply) => {
      const a = await service.peekAckLink(req.query.token);
      if (!a) return reply.code(400).type('text/html').send(page('Link expired', '<h1>This link is invalid or has expired</h1><p>Sign in to Rampart to acknowledge.</p>'));
      // A GET never changes anything (mail scanners follow links): the person confirms with a POST.
      const label = { received: 'Received', actioned: 'Actioned', not_applicable: 'Not applicable' }[req.query.status];
      return reply.type('text/html').send(page(`Acknowledge ${a.number}`, `<h1>Acknowledge ${escapeHtml(a.number)}</h1><p>${escapeHtml(a.level)}: ${escapeHtml(a.title)}</p>
<form method="post" action="/alerts/ack"><input type="hidden" name="token" value="${escapeHtml(req.query.token)}"><input type="hidden" name="status" value="${req.query.status}"><button type="submit">Confirm: ${label}</button></form>`));
    });
    app.post('/alerts/ack', { schema: { tags: ['alerts'], summary: 'Acknowledge from the email link page (form post)', body: z.object({ token: z.string().max(2000), status: Status }) } }, async (req, reply) => {
      const r = await service.acknowledgeByLink(req.body.token, req.body.status).catch(() => null);
      if (!r) return reply.code(400).type('text/html').send(page('Link expired', '<h1>This link is invalid or has expired</h1>'));
      return reply.type('text/html').send(page('Acknowledged', `<h1>Thank you</h1><p>${escapeHtml(r.number)} is recorded as ${escapeHtml(r.status.replace('_', ' '))}.</p>`));
    });
    app.get('/alerts/unsubscribe', { schema: { tags: ['alerts'], summary: 'Page behind a digest unsubscribe link', querystring: z.object({ token: z.string().max(2000) }) } }, async (req, reply) =>
      reply.type('text/html').send(page('Stop digest mail', `<h1>Stop Rampart digest mail?</h1><form method="post" action="/alerts/unsubscribe"><input type="hidden" name="token" value="${escapeHtml(req.query.token)}"><button type="submit">Stop digest mail</button></form><p>Severe alerts are always sent.</p>`)));
    app.post('/alerts/unsubscribe', { schema: { tags: ['alerts'], summary: 'Stop digest mail (form post)', body: z.object({ token: z.string().max(2000) }) } }, async (req, reply) => {
      const r = await service.unsubscribe(req.body.token).catch(() => null);
      if (!r) return reply.code(400).type('text/html').send(page('Link expired', '<h1>This link is invalid or has expired</h1>'));
      return reply.type('text/html').send(page('Unsubscribed', '<h1>Digest mail stopped</h1><p>Severe alerts are always sent.</p>'));
    });
    void systemActor;
  };
}
