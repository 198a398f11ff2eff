import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { PictureService } from './picture.service.ts';
import { CountiesParams, CountiesPosture, StatesPosture, Trends, TrendsQuery } from './picture.schemas.ts';

export function pictureRoutes(service: PictureService) {
  return async (scope: FastifyInstance) => {
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
