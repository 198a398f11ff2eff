import type { FastifyInstance, FastifySerializerCompiler } from 'fastify';
import type { ZodType } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { PictureService } from './picture.service.ts';
import { CountiesParams, CountiesPosture, StatesPosture, Trends, TrendsQuery } from './picture.schemas.ts';

/**
 * The response, checked against its schema by zod's parse (unknown keys stripped, wrong types refused) and
 * written with JSON.stringify. fastify-type-provider-zod's serializer does the same with zod's encode, which
 * costs about four times as much as parse on a year of trends (~10 vs ~2.5 ms of CPU for 366 days with
 * ~37 states each); these schemas have no codecs, so parse and encode accept and output the same.
 */
const parseThenStringify: FastifySerializerCompiler<ZodType> = ({ schema, method, url }) => (data) => {
  const r = schema.safeParse(data);
  if (!r.success) throw new Error(`Response of ${method} ${url} does not match its schema`, { cause: r.error });
  return JSON.stringify(r.data);
};

export function pictureRoutes(service: PictureService) {
  return async (scope: FastifyInstance) => {
    scope.setSerializerCompiler(parseThenStringify);
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['picture'];
    app.get('/picture/states', { schema: { tags, summary: 'Posture of every state: active alerts by level, acknowledgement gaps, open incidents, recent sightings (what you may see)', response: { 200: StatesPosture } } }, async (req) =>
      service.states(req.actor));
    app.get('/picture/states/:stateFips/counties', { schema: { tags, summary: 'Posture of every county of a state (drill-down)', params: CountiesParams, response: { 200: CountiesPosture } } }, async (req) =>
      service.counties(req.actor, req.params.stateFips));
    app.get('/picture/trends', { schema: { tags, summary: 'Per day: indicators shared, sightings by state, alerts by level; time to acknowledge', querystring: TrendsQuery, response: { 200: Trends } } }, async (req) =>
      service.trends(req.actor, req.query));
  };
}
