import type { FastifyInstance } from 'fastify';
import type { IntelDeps } from '../index.ts';
import { createTaxiiRepo } from './taxii.repo.ts';
import { createTaxiiService } from './taxii.service.ts';
import { taxiiRoutes } from './taxii.routes.ts';

export { PUBLIC_COLLECTION_ID, INBOX_NAMESPACE, inboxCollectionId, TAXII_MEDIA_TYPE, STIX_MEDIA_TYPE } from './taxii.service.ts';

/**
 * TAXII 2.1 server (/taxii2/) and client (subscriptions to upstream collections, polled by a job).
 * See README.md in this folder.
 */
export function taxiiModule(deps: IntelDeps): { rootRoutes: (app: FastifyInstance) => Promise<void>; stop?: () => Promise<void> } {
  const { core } = deps;
  const repo = createTaxiiRepo(core.database.db);
  const service = createTaxiiService({ core, intelRepo: deps.repo, repo, directory: deps.directory });
  const maxContentLength = Math.round(core.config.BODY_LIMIT_MB * 1024 * 1024);
  return {
    rootRoutes: async (app) => {
      await app.register(taxiiRoutes(service, { maxContentLength }), { prefix: '/taxii2' });
    },
  };
}
