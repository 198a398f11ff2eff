import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type FieldProblem } from './errors.ts';
import { ANONYMOUS, type Actor } from '../access/actor.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: no CSRF check (sign-in and link routes that run before a session exists). */
    csrf?: boolean;
  }
  interface FastifyRequest {
    actor: Actor;
    /** How the actor was authenticated: a browser session (CSRF applies), a token, or none. */
    authVia: 'session' | 'token' | 'none';
  }
}

/** What the auth module plugs in: turns a request into an actor (or ANONYMOUS). */
export interface ActorResolver {
  resolve(req: FastifyRequest): Promise<{ actor: Actor; via: 'session' | 'token' | 'none'; csrfToken?: string }>;
}

export const REQUEST_ID_HEADER = 'x-request-id';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{8,100}$/.test(given) ? given : randomUUID();
}

function zodPath(prefix: string, instancePath: string): string {
  const p = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  return p ? `${prefix}.${p}` : prefix;
}

/** Error handler, not-found handler, request ids on replies, the actor on every request, CSRF. */
export function registerHttpCore(app: FastifyInstance, resolver: ActorResolver, opts: { spaFallback?: (req: FastifyRequest, reply: FastifyReply) => unknown } = {}): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('authVia', 'none');

  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    const { actor, via, csrfToken } = await resolver.resolve(req);
    req.actor = actor;
    req.authVia = via;
    const exempt = (req.routeOptions.config as { csrf?: boolean } | undefined)?.csrf === false;
    if (via === 'session' && UNSAFE.has(req.method) && !exempt) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || sent !== csrfToken) {
        throw new AppError('AUTH_CSRF_FAILED', 403, 'Missing or wrong x-csrf-token header for a signed-in browser request');
      }
    }
  });

  // One not-found handler: the web UI's pages (GET, not /api or /taxii2, no file extension) get the
  // single-page app when one is served; everything else gets the JSON 404.
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0]!;
    if (opts.spaFallback && req.method === 'GET' && !url.startsWith('/api/') && !url.startsWith('/taxii2/') && !url.includes('.')) {
      return opts.spaFallback(req, reply);
    }
    void reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${url}` } });
  });

  app.setErrorHandler((err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.status === 429 && err.details?.retryAfterSeconds) reply.header('retry-after', String(err.details.retryAfterSeconds));
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as { validationContext?: string }).validationContext ?? 'body';
      const problems: FieldProblem[] = err.validation.map((v) => {
        const keys = (v.params as { keys?: unknown } | undefined)?.keys;
        if (v.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length) {
          return { path: zodPath(where, `${v.instancePath}/${String(keys[0])}`), message: `unknown field${keys.length > 1 ? `s (${keys.join(', ')})` : ''}` };
        }
        return { path: zodPath(where, v.instancePath), message: v.message ?? 'invalid' };
      });
      return reply.code(400).send({
        error: {
          code: 'VALIDATION_FAILED',
          message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
          details: { path: problems[0]?.path, problems },
        },
      });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response did not match its schema');
      return reply.code(500).send({ error: { code: 'INTERNAL_ERROR', message: 'Internal error', details: { requestId: req.id } } });
    }
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code =
        fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'BODY_TOO_LARGE'
          : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : fe.statusCode === 429
              ? 'RATE_LIMITED'
              : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
                ? 'MALFORMED_JSON'
                : 'BAD_REQUEST';
      return reply.code(fe.statusCode).send({ error: { code, message: fe.message, details: { path: 'body' } } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'INTERNAL_ERROR', message: 'Internal error', details: { requestId: req.id } } });
  });
}

/** Throws 401 unless someone is signed in (a person or a token). */
export function requireActor(req: FastifyRequest): Actor {
  if (req.actor.kind === 'anonymous') throw new AppError('AUTH_REQUIRED', 401, 'Sign in to continue');
  return req.actor;
}

export { ANONYMOUS };
