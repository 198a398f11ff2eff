import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import { createIntelRepo, type IntelRepo } from './intel.repo.ts';
import { intelApi } from './intel.routes.ts';
import { taxiiModule } from './taxii/index.ts';

export { prepareObject, storeRows, patternKeys, DEFAULT_TLP, type ShareOptions } from './intel.store.ts';
export type { IntelRepo } from './intel.repo.ts';

export interface IntelDeps {
  core: Core;
  repo: IntelRepo;
  directory: DirectoryService;
}

/**
 * Threat information sharing: the STIX 2.1 store (intel.repo / intel.store), its REST API and ingest
 * jobs (intel.routes and friends), and the TAXII 2.1 server and client (taxii/).
 */
export function createIntelModule(core: Core, directory: DirectoryService): RampartModule {
  const deps: IntelDeps = { core, repo: createIntelRepo(core.database.db), directory };
  const api = intelApi(deps);
  const taxii = taxiiModule(deps);
  return {
    name: 'intel',
    routes: api.routes,
    rootRoutes: taxii.rootRoutes,
    stop: async () => {
      await api.stop?.();
      await taxii.stop?.();
    },
  };
}
