import type { Core, RampartModule } from '../../core/module.ts';
import { createDirectoryRepo } from './directory.repo.ts';
import { createDirectoryService, type DirectoryService } from './directory.service.ts';
import { directoryRoutes } from './directory.routes.ts';

export { canManageDirectory } from './directory.service.ts';
export type { DirectoryService };
export { ORG_KINDS, ORG_KIND_LABELS, type OrgKind } from './directory.schemas.ts';
export { orgContextsSql, targetedOrgIdsSql, type OrgContextRow, type OrgTargeting } from './directory.audience.repo.ts';
export { orgPlacesSql, type OrgPlaceRow } from './directory.places.repo.ts';

/** The directory: organisations, jurisdictions (FIPS), 24x7 contacts, communities. */
export function createDirectoryModule(core: Core): RampartModule & { service: DirectoryService } {
  const repo = createDirectoryRepo(core.database);
  const service = createDirectoryService(core.database.db, repo);
  return {
    name: 'directory',
    service,
    routes: async (app) => {
      app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
      await directoryRoutes(service)(app);
    },
    referenceData: () => service.loadReferenceData(),
  };
}
