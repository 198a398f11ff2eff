import path from 'node:path';
import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';
import { LocalFileStore, type FileStore } from './files.ts';
import { createIncidentsRepo } from './incidents.repo.ts';
import { incidentsRoutes } from './incidents.routes.ts';
import { createIncidentsService, type IncidentsService } from './incidents.service.ts';

export type { IncidentsService } from './incidents.service.ts';
export type { FileStore, StagedFile } from './files.ts';
export { PLAYBOOKS, INCIDENT_TYPES } from './playbooks.ts';

/**
 * Incident response: reporting (CISA fields + election context), attachments in a content-addressed
 * store, triage and cases (priority, assignment, workflow, playbooks, tasks, timeline, SLA clocks),
 * observables → STIX indicators, sanitised escalation by consent, STIX/PDF outputs and metrics.
 */
export function createIncidentsModule(core: Core, deps: { intel: IntelPublic; directory: DirectoryService; files?: FileStore }): RampartModule & { service: IncidentsService } {
  const repo = createIncidentsRepo(core.database.db);
  const files = deps.files ?? new LocalFileStore(path.join(core.config.dataDir, 'files'));
  const service = createIncidentsService({ db: core.database.db, repo, files, clock: core.clock, intel: deps.intel, directory: deps.directory });
  return {
    name: 'incidents',
    service,
    routes: incidentsRoutes(service, deps.intel),
  };
}
