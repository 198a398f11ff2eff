import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { FeedItem, FeedPage, FeedQuery, ItemParams, Message, MessageBody, Summary, SummaryQuery, Thread } from './room.schemas.ts';
import type { RoomService } from './room.service.ts';

const tags = ['room'];

export function roomRoutes(service: RoomService) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/room/feed',
      {
        schema: {
          tags, querystring: FeedQuery, response: { 200: FeedPage },
          summary: 'The situation room feed: published alerts, submitted incident reports and sightings you may see, newest first',
          description: 'Pass nextCursor as cursor for the next page. Live: the alerts.*, incidents.changed, intel.objects.added (sightings) and room.message events of /api/events/stream.',
        },
      },
      async (req) => service.feed(req.actor, req.query),
    );
    app.get(
      '/room/summary',
      { schema: { tags, summary: 'How many items of each kind you may see entered the feed in the last hours (capped at 1,000)', querystring: SummaryQuery, response: { 200: Summary } } },
      async (req) => service.summary(req.actor, req.query),
    );
    app.get(
      '/room/items/:kind/:id',
      { schema: { tags, summary: 'One feed item (404 when you may not see it)', params: ItemParams, response: { 200: FeedItem } } },
      async (req) => service.item(req.actor, req.params.kind, req.params.id),
    );
    app.get(
      '/room/items/:kind/:id/messages',
      { schema: { tags, summary: "An item's discussion, oldest first (404 when you may not see the item)", params: ItemParams, response: { 200: Thread } } },
      async (req) => service.thread(req.actor, req.params.kind, req.params.id),
    );
    app.post(
      '/room/items/:kind/:id/messages',
      {
        schema: {
          tags, params: ItemParams, body: MessageBody, response: { 201: Message },
          summary: "Post to an item's discussion, or reply to a message of it (plain text; 404 when you may not see the item)",
        },
      },
      async (req, reply) => reply.code(201).send(await service.post(req.actor, req.params.kind, req.params.id, req.body)),
    );
  };
}
