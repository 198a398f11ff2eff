import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IntelDeps } from './index.ts';
import { createIntelService } from './intel.service.ts';
import { createIngestService, MAX_UPLOAD_BYTES } from './ingest.service.ts';
import { createIngestRunner, INGEST_JOB } from './ingest.job.ts';
import { createMispFeedService, MISP_FEED_TICK_JOB, type MispFeedService } from './misp-feeds.ts';
import {
  Bundle,
  Created,
  CsvPreview,
  CsvPreviewQuery,
  ExportQuery,
  IdParams,
  IndicatorCreateBody,
  Ingest,
  IngestIdParams,
  IngestUploadQuery,
  MispFeed,
  MispFeedBody,
  MispFeedPatch,
  MispFeedPull,
  NoteCreateBody,
  ObjectDetail,
  ReportCreateBody,
  SearchQuery,
  SearchResult,
  ShareQuery,
  StixBody,
  SubmitResult,
  VersionList,
} from './intel.schemas.ts';

const tags = ['intel'];

/**
 * The intel REST API (/api/intel) and its ingest job. The job is defined here, when the module is
 * created: boot.ts creates modules before it starts the job workers.
 */
export function intelApi(deps: IntelDeps): { routes: (app: FastifyInstance) => Promise<void>; rotateSecrets: () => ReturnType<MispFeedService['rotateSecrets']>; stop?: () => Promise<void> } {
  const service = createIntelService(deps);
  const ingests = createIngestService(deps, service);
  const runner = createIngestRunner(deps);
  deps.core.jobs.define<{ ingestId: string }>({ name: INGEST_JOB, handler: (data) => runner.run(data.ingestId), retryLimit: 2, retryDelaySeconds: 10 });
  const feeds = createMispFeedService(deps, service, ingests);
  // Every minute: queue a pull of each due MISP feed. Failures are recorded on the feed with their own backoff: no job retries.
  deps.core.jobs.define({ name: MISP_FEED_TICK_JOB, cron: '* * * * *', retryLimit: 0, handler: async () => void (await feeds.tick()) });

  return {
    rotateSecrets: () => feeds.rotateSecrets(),
    routes: async (scope: FastifyInstance) => {
      scope.addContentTypeParser(/^application\/(stix|taxii)\+json/, { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, JSON.parse(body as string));
        } catch (e) {
          (e as { statusCode?: number }).statusCode = 400;
          done(e as Error, undefined);
        }
      });
      const app = scope.withTypeProvider<ZodTypeProvider>();

      app.get('/intel/objects', { schema: { tags, summary: 'Search STIX objects (latest visible versions)', querystring: SearchQuery, response: { 200: SearchResult } } }, async (req) =>
        service.search(req.actor, req.query),
      );

      app.get('/intel/objects/:id', { schema: { tags, summary: 'One STIX object with sharing, references, relationships and correlations', params: IdParams, response: { 200: ObjectDetail } } }, async (req) =>
        service.get(req.actor, req.params.id),
      );

      app.get('/intel/objects/:id/versions', { schema: { tags, summary: 'Every visible version of one STIX object, oldest first', params: IdParams, response: { 200: VersionList } } }, async (req) =>
        service.versions(req.actor, req.params.id),
      );

      app.post(
        '/intel/objects',
        {
          schema: {
            tags,
            summary: 'Share a STIX bundle or one STIX object (synchronous, up to 1,000 objects)',
            description: 'Body: a STIX 2.1 bundle or object (application/json or application/stix+json). Sharing options are query parameters. Answers one outcome per object.',
            querystring: ShareQuery,
            body: StixBody,
            response: { 200: SubmitResult },
          },
        },
        async (req) => service.submit(req.actor, req.body, req.query),
      );

      app.post('/intel/indicators', { schema: { tags, summary: 'Create an indicator', body: IndicatorCreateBody, response: { 201: Created } } }, async (req, reply) =>
        reply.code(201).send(await service.createIndicator(req.actor, req.body)),
      );
      app.post('/intel/reports', { schema: { tags, summary: 'Create a report about objects', body: ReportCreateBody, response: { 201: Created } } }, async (req, reply) =>
        reply.code(201).send(await service.createReport(req.actor, req.body)),
      );
      app.post('/intel/notes', { schema: { tags, summary: 'Create a note about objects', body: NoteCreateBody, response: { 201: Created } } }, async (req, reply) =>
        reply.code(201).send(await service.createNote(req.actor, req.body)),
      );

      app.get(
        '/intel/export',
        {
          schema: {
            tags,
            summary: 'Export a STIX 2.1 bundle of everything you may see (latest versions), streamed',
            querystring: ExportQuery,
            response: { 200: Bundle },
          },
        },
        async (req, reply) => {
          const q = req.query;
          const gen = service.exportBundle(req.actor, { ...q, communityId: q.collection });
          // Run the generator's first step now so that an access error is a normal error reply, not a broken stream.
          const first = await gen.next();
          async function* rest() {
            if (!first.done) yield first.value;
            yield* gen;
          }
          void reply.type('application/stix+json;version=2.1').header('content-disposition', 'attachment; filename="rampart-export.json"');
          return reply.send(Readable.from(rest()) as never);
        },
      );

      app.get('/intel/ingests', { schema: { tags, summary: "Your organisation's ingest jobs, newest first", querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }), response: { 200: z.object({ items: z.array(Ingest) }) } } }, async (req) => ({
        items: await ingests.list(req.actor, req.query.limit),
      }));
      app.get('/intel/ingests/:id', { schema: { tags, summary: 'One ingest job: status, progress, counts, errors', params: IngestIdParams, response: { 200: Ingest } } }, async (req) =>
        ingests.get(req.actor, req.params.id),
      );

      app.post('/intel/misp-feeds', { schema: { tags, summary: 'Pull a MISP feed now and on a schedule (registers it for your organisation; fetches only events newer than the last pull)', body: MispFeedBody, response: { 202: MispFeedPull } } }, async (req, reply) =>
        reply.code(202).send(await feeds.register(req.actor, req.body)),
      );
      app.get('/intel/misp-feeds', { schema: { tags, summary: "Your organisation's MISP feeds, with their schedule and last pull", response: { 200: z.object({ items: z.array(MispFeed) }) } } }, async (req) => ({
        items: await feeds.list(req.actor),
      }));
      app.post('/intel/misp-feeds/:id/pull', { schema: { tags, summary: 'Pull a MISP feed now, outside its schedule (409 while a pull is queued or running)', params: IngestIdParams, response: { 202: MispFeedPull } } }, async (req, reply) =>
        reply.code(202).send(await feeds.pullNow(req.actor, req.params.id)),
      );
      app.patch('/intel/misp-feeds/:id', { schema: { tags, summary: 'Change a MISP feed: URL, sharing, interval, on/off, authentication header (only what is given)', params: IngestIdParams, body: MispFeedPatch, response: { 200: MispFeed } } }, async (req) =>
        feeds.update(req.actor, req.params.id, req.body),
      );
      app.delete('/intel/misp-feeds/:id', { schema: { tags, summary: 'Forget a MISP feed (the objects it brought stay)', params: IngestIdParams, response: { 204: z.null() } } }, async (req, reply) => {
        await feeds.remove(req.actor, req.params.id);
        return reply.code(204).send(null);
      });

      // Raw uploads: the body stream is passed through untouched (never buffered) to the service.
      await scope.register(async (raw) => {
        raw.removeAllContentTypeParsers();
        raw.addContentTypeParser('*', { bodyLimit: MAX_UPLOAD_BYTES }, (_req, payload, done) => done(null, payload));
        const rapp = raw.withTypeProvider<ZodTypeProvider>();
        rapp.post(
          '/intel/ingests',
          {
            bodyLimit: MAX_UPLOAD_BYTES,
            schema: {
              tags,
              summary: 'Upload a STIX bundle, MISP event or CSV list for ingest (a background job)',
              description: 'The body is the file itself (any content type), up to 1 GB. kind=stix|misp|csv; sharing options and the CSV column mapping are query parameters.',
              querystring: IngestUploadQuery,
              response: { 202: Ingest },
            },
          },
          async (req, reply) => reply.code(202).send(await ingests.upload(req.actor, req.body as Readable, req.query)),
        );
        rapp.post(
          '/intel/ingests/csv-preview',
          {
            bodyLimit: MAX_UPLOAD_BYTES,
            schema: { tags, summary: 'Detect the columns of a CSV indicator list (reads its first 256 KB)', querystring: CsvPreviewQuery, response: { 200: CsvPreview } },
          },
          async (req) => ingests.csvPreview(req.actor, req.body as Readable, req.query.delimiter),
        );
      });
    },
  };
}
