import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DirectoryService } from './directory.service.ts';
import {
  Community,
  CommunityCreateBody,
  CommunityMembersBody,
  ImportResult,
  Jurisdiction,
  JurisdictionListQuery,
  Org,
  OrgCreateBody,
  OrgListQuery,
  OrgSummary,
  OrgUpdateBody,
  Page,
  Uuid,
} from './directory.schemas.ts';

const IdParams = z.strictObject({ id: Uuid });
const iso = <T extends { createdAt: Date; updatedAt?: Date }>(o: T) => ({
  ...o,
  createdAt: o.createdAt.toISOString(),
  ...(o.updatedAt ? { updatedAt: o.updatedAt.toISOString() } : {}),
});

export function directoryRoutes(service: DirectoryService) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['directory'];

    app.get('/organisations', { schema: { tags, summary: 'List organisations', querystring: OrgListQuery, response: { 200: Page(OrgSummary) } } }, async (req) => {
      const r = await service.listOrgs(req.actor, req.query);
      return { items: r.items, total: r.total, page: req.query.page, pageSize: req.query.pageSize };
    });

    app.get('/organisations/:id', { schema: { tags, summary: 'One organisation', params: IdParams, response: { 200: Org } } }, async (req) =>
      iso(await service.getOrg(req.actor, req.params.id)),
    );

    app.post('/organisations', { schema: { tags, summary: 'Create an organisation', body: OrgCreateBody, response: { 201: Org } } }, async (req, reply) => {
      const org = await service.createOrg(req.actor, req.body);
      return reply.code(201).send(iso(org));
    });

    app.patch('/organisations/:id', { schema: { tags, summary: 'Edit an organisation', params: IdParams, body: OrgUpdateBody, response: { 200: Org } } }, async (req) =>
      iso(await service.updateOrg(req.actor, req.params.id, req.body)),
    );

    app.post(
      '/organisations/import',
      {
        schema: {
          tags,
          summary: 'Import organisations from CSV',
          description: 'Body: text/csv. With any row in error nothing is written (422) unless ?skipInvalid=true.',
          querystring: z.strictObject({ skipInvalid: z.enum(['true', 'false']).default('false') }),
          response: { 200: ImportResult, 422: ImportResult },
        },
      },
      async (req, reply) => {
        const text = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        const r = await service.importCsv(req.actor, text, { skipInvalid: req.query.skipInvalid === 'true' });
        return reply.code(r.committed ? 200 : 422).send(r);
      },
    );

    app.get('/communities', { schema: { tags, summary: 'List communities', response: { 200: z.object({ items: z.array(Community) }) } } }, async (req) => ({
      items: await service.listCommunities(req.actor),
    }));
    app.post('/communities', { schema: { tags, summary: 'Create a community', body: CommunityCreateBody, response: { 201: Community } } }, async (req, reply) =>
      reply.code(201).send(await service.createCommunity(req.actor, req.body.name, req.body.description)),
    );
    app.post(
      '/communities/:id/members',
      { schema: { tags, summary: 'Add organisations to a community', params: IdParams, body: CommunityMembersBody, response: { 200: z.object({ added: z.number().int() }) } } },
      async (req) => service.addCommunityMembers(req.actor, req.params.id, req.body.orgIds),
    );
    app.delete(
      '/communities/:id/members/:orgId',
      { schema: { tags, summary: 'Remove an organisation from a community', params: z.strictObject({ id: Uuid, orgId: Uuid }), response: { 204: z.null() } } },
      async (req, reply) => {
        await service.removeCommunityMember(req.actor, req.params.id, req.params.orgId);
        return reply.code(204).send(null);
      },
    );

    app.get('/jurisdictions', { schema: { tags, summary: 'US states, territories and counties (FIPS)', querystring: JurisdictionListQuery, response: { 200: Page(Jurisdiction) } } }, async (req) => {
      const r = await service.listJurisdictions(req.actor, req.query);
      return { ...r, page: req.query.page, pageSize: req.query.pageSize };
    });
  };
}
