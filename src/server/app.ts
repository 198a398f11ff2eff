import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import { genReqId, registerHttpCore, type ActorResolver } from './core/http/http.ts';
import { responseSerializer } from './core/http/serializer.ts';
import type { Core, RampartModule } from './core/module.ts';
import { projectRoot } from './core/paths.ts';
import { registerSse } from './core/events/sse.ts';

export interface AppOptions {
  core: Core;
  modules: RampartModule[];
  resolver: ActorResolver;
  /** Serve the built web UI from dist/web (default: when it exists). */
  serveWeb?: boolean;
}

/** Builds the Fastify app: core plugins first, then the one list of modules. */
export async function buildApp({ core, modules, resolver, serveWeb }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: core.log as unknown as FastifyBaseLogger,
    genReqId,
    bodyLimit: Math.round(core.config.BODY_LIMIT_MB * 1024 * 1024),
    trustProxy: true,
    // One structured line per completed request (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 500 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer);

  // Security headers: helmet's middleware built once (@fastify/helmet rebuilt it, parsing the CSP, on every
  // request) and run in a callback hook, first of the onRequest hooks.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
    hsts: core.config.PUBLIC_URL.startsWith('https:') ? undefined : false,
  });
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)));
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rampart API',
        version: '1',
        description:
          'Rampart: election-security information sharing. Authenticate with a session cookie (browser) or an API token ' +
          '(`Authorization: Bearer <token>`, or HTTP Basic with the token as password). Errors: `{ "error": { "code", "message", "details" } }`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic' },
          session: { type: 'apiKey', in: 'cookie', name: 'rampart_session' },
        },
      },
      security: [{ bearer: [] }, { basic: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  const webDir = path.join(projectRoot, 'dist', 'web');
  serveWeb = (serveWeb ?? true) && existsSync(path.join(webDir, 'index.html'));
  registerHttpCore(app, resolver, serveWeb ? { spaFallback: (_req, reply) => reply.type('text/html').sendFile('index.html') } : {});
  // Graceful shutdown: once closing starts, answer in-flight requests with `Connection: close`, so their
  // keep-alive connections end with the response instead of holding close() open for the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback-style hooks (no promise per request); the log line is only built when it is written.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    if (core.log.isLevelEnabled('info')) {
      req.log.info({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime), actor: req.actor?.userId ?? null }, 'request');
    }
    done();
  });

  const zapp = app.withTypeProvider<ZodTypeProvider>();
  zapp.get('/healthz', { schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));
  zapp.get(
    '/readyz',
    { schema: { hide: true, response: { 200: z.object({ status: z.literal('ready'), database: z.string() }) } } },
    async () => {
      await sql`SELECT 1`.execute(core.database.db);
      return { status: 'ready' as const, database: core.database.kind };
    },
  );
  registerSse(app, core.events);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const m of modules) {
    if (m.routes) await app.register(async (scope) => m.routes!(scope), { prefix: '/api' });
    if (m.rootRoutes) await app.register(async (scope) => m.rootRoutes!(scope));
  }

  if (serveWeb) await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: false });
  return app;
}
