import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventHub } from './events.ts';

/**
 * Live updates: `GET /api/events/stream?topics=intel,alerts` is a Server-Sent Events stream of domain
 * events the caller may see (the one visibility rule, per event). Events carry ids; a reconnecting
 * browser resumes after Last-Event-ID from the events table.
 */
export function registerSse(app: FastifyInstance, hub: EventHub): void {
  const open = new Set<ServerResponse>();
  // Graceful shutdown: live streams never end on their own, so end them before the server closes.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/events/stream',
    {
      schema: {
        tags: ['events'],
        summary: 'Live domain events (Server-Sent Events), filtered by what the caller may see',
        querystring: z.strictObject({ topics: z.string().max(500).optional() }),
      },
    },
    async (req, reply) => {
      const topics = req.query.topics ? req.query.topics.split(',').map((t) => t.trim()).filter(Boolean) : null;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': String(req.id),
      });
      res.write(': connected\n\n');
      const unsubscribe = hub.subscribe({
        actor: req.actor,
        topics,
        send(e) {
          res.write(`id: ${e.id}\nevent: ${e.topic}\ndata: ${JSON.stringify({ id: e.id, at: e.at, topic: e.topic, subjectId: e.subjectId ?? null, tlp: e.sharing.tlp, payload: e.payload ?? {} })}\n\n`);
        },
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
      open.add(res);
      const done = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      };
      req.raw.on('close', done);
    },
  );
}
