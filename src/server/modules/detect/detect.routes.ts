import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RunRow } from './detect.repo.ts';
import { HitList, HitListQuery, Run, RunList, RunListQuery, SightingList, SightingsQuery, UploadQuery, Uuid } from './detect.schemas.ts';
import { MAX_UPLOAD_BYTES, type DetectService } from './detect.service.ts';

const tags = ['detect'];
/** Content types a log upload may carry; the body is passed through as a stream, never buffered. */
export const LOG_CONTENT_TYPES = ['application/octet-stream', 'text/plain', 'application/gzip', 'application/x-gzip', 'application/x-ndjson', 'text/csv'];

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
export function runOut(r: RunRow): z.infer<typeof Run> {
  const s = r.skipped ?? {};
  return {
    id: r.id, status: r.status, filename: r.filename, formatRequested: r.formatRequested, format: r.format, tlp: r.tlp, shareWithHub: r.shareWithHub,
    gzip: r.gzip, uploadBytes: Number(r.uploadBytes), storedBytes: Number(r.storedBytes), logRetained: r.logPath !== null,
    lines: Number(r.lines), bytes: Number(r.bytes),
    skipped: { binary: s.binary ?? 0, tooLong: s.tooLong ?? 0, badEncoding: s.badEncoding ?? 0, badGzip: s.badGzip ?? 0 },
    gzipError: r.gzipError, hits: r.hits, hitLines: r.hitLines, hitsStored: r.hitsStored, indicators: r.indicators, complexPatterns: r.complexPatterns,
    complexTruncated: r.complexTruncated, retroHits: r.retroHits, sightings: r.sightings, message: r.message,
    createdAt: r.createdAt.toISOString(), startedAt: isoOrNull(r.startedAt), finishedAt: isoOrNull(r.finishedAt),
  };
}

export function detectRoutes(service: DetectService) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.get('/detect/runs', { schema: { tags, summary: "My organisation's detection runs (newest first)", querystring: RunListQuery, response: { 200: RunList } } }, async (req) => {
      const r = await service.listRuns(req.actor, req.query);
      return { items: r.items.map(runOut), total: r.total };
    });
    app.get('/detect/runs/:id', { schema: { tags, summary: 'One detection run', params: z.strictObject({ id: Uuid }), response: { 200: Run } } }, async (req) =>
      runOut(await service.getRun(req.actor, req.params.id)),
    );
    app.get('/detect/hits', { schema: { tags, summary: "My organisation's hits, newest first, with indicator context", querystring: HitListQuery, response: { 200: HitList } } }, async (req) => {
      const r = await service.listHits(req.actor, req.query);
      return {
        items: r.items.map((h) => ({ ...h, id: Number(h.id), lineNo: Number(h.lineNo), seenAt: h.seenAt.toISOString(), createdAt: h.createdAt.toISOString() })),
        nextCursor: r.nextCursor === null ? null : Number(r.nextCursor),
      };
    });
    app.get(
      '/detect/sightings',
      { schema: { tags, summary: 'Sightings you may see, aggregated by indicator (organisations, states, counts)', querystring: SightingsQuery, response: { 200: SightingList } } },
      async (req) => service.sightings(req.actor, req.query),
    );

    // Raw uploads: the body stream is passed through untouched (never buffered) to the service.
    await scope.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser(LOG_CONTENT_TYPES, { bodyLimit: MAX_UPLOAD_BYTES }, (_req, payload, done) => done(null, payload));
      const rapp = raw.withTypeProvider<ZodTypeProvider>();
      rapp.post(
        '/detect/uploads',
        {
          bodyLimit: MAX_UPLOAD_BYTES,
          schema: {
            tags,
            summary: 'Upload a log to match against the indicators your organisation may see',
            description:
              'The body is the log itself (plain or gzip; content type application/octet-stream, text/plain, application/gzip, application/x-ndjson or text/csv). ' +
              'Query: format (auto|jsonl|csv|zeek|syslog|cef|text), tlp of the resulting sightings (default AMBER), filename, shareWithHub (default true: the national hub is a recipient of the sightings). ' +
              'Small uploads are matched before the answer (201, the finished run); large ones run as a job (202, status queued; progress on detect.run.progress events).',
            querystring: UploadQuery,
            response: { 201: Run, 202: Run },
          },
        },
        async (req, reply) => {
          const { run, inline } = await service.upload(req.actor, req.body as Readable, req.query);
          return reply.code(inline ? 201 : 202).send(runOut(run));
        },
      );
    });
  };
}
