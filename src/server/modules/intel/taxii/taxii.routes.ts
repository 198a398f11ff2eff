import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TLP_LEVELS } from '../../../core/access/tlp.ts';
import { subscriptionView, type SubscriptionService } from './taxii.subscriptions.ts';
import { AppError } from '../../../core/http/errors.ts';
import {
  API_ROOT_PATH,
  STIX_MEDIA_TYPE,
  TAXII_MEDIA_TYPE,
  TaxiiError,
  statusResource,
  type Query,
  type TaxiiService,
} from './taxii.service.ts';
import type { ManifestRow } from './taxii.repo.ts';

/**
 * TAXII 2.1 (OASIS Standard, 10 June 2021) under /taxii2/: discovery, one API root (/taxii2/api/),
 * collections, objects, manifest, versions, status. Registered in its own encapsulated scope with its
 * own content-type parser, Accept negotiation, media type and error format.
 */

const WWW_AUTHENTICATE = 'Basic realm="Rampart TAXII", Bearer realm="Rampart TAXII"';

function mediaParams(part: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = part.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: (type ?? '').trim().toLowerCase(), params };
}

/** Whether an Accept header admits application/taxii+json;version=2.1 (absent, wildcard, no version, or 2.1). */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  for (const part of accept.split(',')) {
    const { type, params } = mediaParams(part);
    if (params.q !== undefined && Number(params.q) === 0) continue;
    if (type === '*/*' || type === 'application/*') return true;
    if (type === 'application/taxii+json' && (params.version === undefined || params.version === '2.1')) return true;
  }
  return false;
}

const manifestVersion = (r: ManifestRow) => r.version || r.da;

function pageHeaders(reply: FastifyReply, p: { first?: string; last?: string }): void {
  if (p.first) reply.header('X-TAXII-Date-Added-First', p.first);
  if (p.last) reply.header('X-TAXII-Date-Added-Last', p.last);
}

function taxiiErrorBody(req: FastifyRequest, status: number, title: string, description?: string, code?: string, details?: Record<string, unknown>) {
  return {
    title,
    ...(description ? { description } : {}),
    error_id: req.id,
    ...(code ? { error_code: code } : {}),
    http_status: String(status),
    ...(details ? { details } : {}),
  };
}

export function taxiiRoutes(service: TaxiiService, opts: { maxContentLength: number }) {
  return async (app: FastifyInstance) => {
    // Only TAXII envelopes are accepted as bodies here: anything else is 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/taxii+json', { parseAs: 'string' }, (req, body, done) => {
      const { params } = mediaParams(String(req.headers['content-type'] ?? ''));
      if (params.version !== undefined && params.version !== '2.1') {
        done(new TaxiiError(415, 'Unsupported media type', `Send ${TAXII_MEDIA_TYPE}`, 'TAXII_UNSUPPORTED_MEDIA_TYPE'), undefined);
        return;
      }
      try {
        done(null, JSON.parse(String(body)));
      } catch (e) {
        done(new TaxiiError(400, 'Malformed JSON', (e as Error).message, 'TAXII_MALFORMED_JSON'), undefined);
      }
    });

    app.addHook('onRequest', async (req) => {
      if (!acceptsTaxii(req.headers.accept)) {
        throw new TaxiiError(406, 'Not acceptable', `This server answers ${TAXII_MEDIA_TYPE}`, 'TAXII_NOT_ACCEPTABLE');
      }
    });
    // Set last, so Fastify does not rewrite it (it would add a charset and quote the version).
    app.addHook('onSend', (_req, reply, payload, done) => {
      reply.header('content-type', TAXII_MEDIA_TYPE);
      done(null, payload);
    });

    app.setErrorHandler((err: FastifyError | TaxiiError | AppError | Error, req, reply) => {
      let status = 500;
      let title = 'Internal error';
      let description: string | undefined;
      let code: string | undefined = 'TAXII_INTERNAL_ERROR';
      let details: Record<string, unknown> | undefined;
      if (err instanceof TaxiiError) {
        ({ httpStatus: status, title, description, errorCode: code, details } = err);
      } else if (err instanceof AppError) {
        status = err.status;
        title = err.code;
        description = err.message;
        code = err.code;
        details = err.details;
      } else {
        const fe = err as FastifyError;
        if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          status = 413;
          title = 'Request entity too large';
          description = `The API root accepts at most ${opts.maxContentLength} bytes`;
          code = 'TAXII_TOO_LARGE';
        } else if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          status = 415;
          title = 'Unsupported media type';
          description = `Send ${TAXII_MEDIA_TYPE}`;
          code = 'TAXII_UNSUPPORTED_MEDIA_TYPE';
        } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
          status = fe.statusCode;
          title = 'Bad request';
          description = fe.message;
          code = 'TAXII_BAD_REQUEST';
        } else {
          req.log.error({ err }, 'taxii: unhandled error');
          description = `Request ${req.id}`;
        }
      }
      if (status === 401) reply.header('www-authenticate', WWW_AUTHENTICATE);
      return reply.code(status).send(taxiiErrorBody(req, status, title, description, code, details));
    });

    app.setNotFoundHandler((req, reply) => {
      void reply.code(404).send(taxiiErrorBody(req, 404, 'Not found', `No TAXII resource at ${req.url.split('?')[0]}`, 'TAXII_NOT_FOUND'));
    });

    const hide = { schema: { hide: true } };
    type Params = { id: string; objectId: string; statusId: string };

    // Discovery (§4.1)
    app.get('/', hide, async (req) => {
      const base = `${req.protocol}://${req.host}`;
      return {
        title: 'Rampart TAXII 2.1',
        description: 'Election-security threat information shared through Rampart. One API root; collections per community, a public TLP:CLEAR collection and an inbox per organisation.',
        contact: 'See this Rampart’s /api/docs',
        default: `${base}${API_ROOT_PATH}`,
        api_roots: [`${base}${API_ROOT_PATH}`],
      };
    });

    // API root (§4.2)
    app.get('/api/', hide, async (req) => {
      service.requireTaxii(req.actor);
      return {
        title: 'Rampart',
        description: 'The Rampart API root',
        versions: [TAXII_MEDIA_TYPE],
        max_content_length: opts.maxContentLength,
      };
    });

    // Status (§4.3)
    app.get<{ Params: Pick<Params, 'statusId'> }>('/api/status/:statusId/', hide, async (req) => statusResource(await service.getStatus(req.actor, req.params.statusId)));

    // Collections (§5.1, §5.2)
    app.get('/api/collections/', hide, async (req) => {
      const collections = await service.listCollections(req.actor);
      return collections.length ? { collections } : {};
    });
    app.get<{ Params: Pick<Params, 'id'> }>('/api/collections/:id/', hide, async (req) => service.getCollection(req.actor, req.params.id));

    // Objects (§5.4 get, §5.5 add)
    app.get<{ Params: Pick<Params, 'id'>; Querystring: Query }>('/api/collections/:id/objects/', hide, async (req, reply) => {
      const p = await service.getObjects(req.actor, req.params.id, req.query);
      pageHeaders(reply, p);
      return reply.send(p.bytes);
    });
    app.post<{ Params: Pick<Params, 'id'> }>('/api/collections/:id/objects/', hide, async (req, reply) => {
      if (req.body === undefined) throw new TaxiiError(400, 'Bad request', 'The body must be a TAXII envelope', 'TAXII_BAD_REQUEST');
      const status = await service.addObjects(req.actor, req.params.id, req.body);
      return reply.code(202).send(statusResource(status));
    });

    // Object (§5.6 get, §5.7 delete) and versions (§5.8)
    app.get<{ Params: Pick<Params, 'id' | 'objectId'>; Querystring: Query }>('/api/collections/:id/objects/:objectId/', hide, async (req, reply) => {
      const p = await service.getObject(req.actor, req.params.id, req.params.objectId, req.query);
      pageHeaders(reply, p);
      return reply.send(p.bytes);
    });
    app.delete<{ Params: Pick<Params, 'id' | 'objectId'>; Querystring: Query }>('/api/collections/:id/objects/:objectId/', hide, async (req, reply) => {
      await service.deleteObject(req.actor, req.params.id, req.params.objectId, req.query);
      return reply.code(200).send('');
    });
    app.get<{ Params: Pick<Params, 'id' | 'objectId'>; Querystring: Query }>('/api/collections/:id/objects/:objectId/versions/', hide, async (req, reply) => {
      const p = await service.getVersions(req.actor, req.params.id, req.params.objectId, req.query);
      pageHeaders(reply, p);
      if (!p.items.length && !p.more) return reply.send('{}');
      return { more: p.more, ...(p.next ? { next: p.next } : {}), versions: p.items.map(manifestVersion) };
    });

    // Manifest (§5.3)
    app.get<{ Params: Pick<Params, 'id'>; Querystring: Query }>('/api/collections/:id/manifest/', hide, async (req, reply) => {
      const p = await service.getManifest(req.actor, req.params.id, req.query);
      pageHeaders(reply, p);
      if (!p.items.length && !p.more) return reply.send('{}');
      return {
        more: p.more,
        ...(p.next ? { next: p.next } : {}),
        objects: p.items.map((r) => ({ id: r.id, date_added: r.da, version: manifestVersion(r), media_type: r.specVersion === '2.1' ? STIX_MEDIA_TYPE : `application/stix+json;version=${r.specVersion}` })),
      };
    });
  };
}


// ---- TAXII client: subscriptions, under /api/intel/subscriptions -----------------------------------

const SubscriptionView = z.object({
  id: z.uuid(),
  name: z.string(),
  apiRootUrl: z.string(),
  collectionId: z.string(),
  username: z.string().nullable(),
  hasPassword: z.boolean().describe('Credentials are stored but never returned'),
  tlp: z.enum(TLP_LEVELS),
  communityIds: z.array(z.uuid()),
  pollSeconds: z.number().int(),
  enabled: z.boolean(),
  addedAfter: z.string().nullable().describe('Resume cursor: the upstream X-TAXII-Date-Added-Last of the last page stored'),
  lastPolledAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable(),
  failures: z.number().int().describe('Consecutive failed polls; the next poll is delayed by 1, 2, 4… minutes (at most 6 h)'),
  objectsReceived: z.number(),
  nextPollAt: z.string(),
  lastPollStats: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const SubscriptionBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  apiRootUrl: z.url({ protocol: /^https?$/ }).max(2000).describe('URL of the upstream TAXII 2.1 API root'),
  collectionId: z.string().trim().min(1).max(200),
  username: z.string().max(200).nullable().optional().describe('With a username: HTTP Basic; without: the password is sent as a Bearer token'),
  password: z.string().max(4000).nullable().optional(),
  tlp: z.enum(TLP_LEVELS).default('AMBER').describe('TLP applied to received objects (an object marked stricter keeps its own)'),
  communityIds: z.array(z.uuid()).max(50).default([]).describe('Communities to share received objects with (default: all of the organisation’s)'),
  pollSeconds: z.number().int().min(60).max(7 * 86400).default(900),
  enabled: z.boolean().default(true),
});
const SubscriptionPatchBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  apiRootUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  collectionId: z.string().trim().min(1).max(200).optional(),
  username: z.string().max(200).nullable().optional(),
  password: z.string().max(4000).nullable().optional(),
  tlp: z.enum(TLP_LEVELS).optional(),
  communityIds: z.array(z.uuid()).max(50).optional(),
  pollSeconds: z.number().int().min(60).max(7 * 86400).optional(),
  enabled: z.boolean().optional(),
  resetCursor: z.boolean().optional().describe('Forget the added_after cursor: the next poll reads the collection from the start'),
});
const PollResultView = z.object({
  pages: z.number().int(),
  received: z.number().int(),
  stored: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  addedAfter: z.string().nullable(),
  error: z.string().optional(),
  rejections: z.array(z.object({ id: z.string().nullable(), message: z.string() })).optional(),
});
const IdParams = z.strictObject({ id: z.uuid() });

export function subscriptionRoutes(svc: SubscriptionService) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['intel'];
    const base = '/api/intel/subscriptions';
    app.get(base, { schema: { tags, summary: 'TAXII subscriptions of my organisation', response: { 200: z.object({ items: z.array(SubscriptionView) }) } } }, async (req) => ({
      items: (await svc.list(req.actor)).map(subscriptionView),
    }));
    app.post(base, { schema: { tags, summary: 'Subscribe to an upstream TAXII 2.1 collection', body: SubscriptionBody, response: { 201: SubscriptionView } } }, async (req, reply) =>
      reply.code(201).send(subscriptionView(await svc.create(req.actor, req.body))),
    );
    app.get(`${base}/:id`, { schema: { tags, summary: 'One TAXII subscription', params: IdParams, response: { 200: SubscriptionView } } }, async (req) =>
      subscriptionView(await svc.get(req.actor, req.params.id)),
    );
    app.patch(`${base}/:id`, { schema: { tags, summary: 'Edit a TAXII subscription', params: IdParams, body: SubscriptionPatchBody, response: { 200: SubscriptionView } } }, async (req) =>
      subscriptionView(await svc.update(req.actor, req.params.id, req.body)),
    );
    app.delete(`${base}/:id`, { schema: { tags, summary: 'Delete a TAXII subscription', params: IdParams, response: { 204: z.null() } } }, async (req, reply) => {
      await svc.remove(req.actor, req.params.id);
      return reply.code(204).send(null);
    });
    app.post(
      `${base}/:id/poll`,
      {
        schema: {
          tags,
          summary: 'Poll a TAXII subscription now',
          description: 'Reads every page after the saved cursor and stores the objects. Upstream failures are recorded on the subscription and returned in `error`.',
          params: IdParams,
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).optional().describe('Objects per upstream request (default 1000)') }),
          body: z.strictObject({}).optional(),
          response: { 200: PollResultView },
        },
      },
      async (req) => svc.pollNow(req.actor, req.params.id, { limit: req.query.limit }),
    );
  };
}
