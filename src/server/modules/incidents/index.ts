import path from 'node:path';
import type { Config } from '../../core/config.ts';
import type { Core, RampartModule } from '../../core/module.ts';
import type { AuthMembers } from '../auth/index.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';
import { LocalFileStore, S3FileStore, type FileStore } from './files.ts';
import { createIncidentsRepo } from './incidents.repo.ts';
import { incidentsRoutes } from './incidents.routes.ts';
import { createIncidentsService, type IncidentsService } from './incidents.service.ts';

export type { IncidentsService } from './incidents.service.ts';
export type { FileStore, StagedFile } from './files.ts';
export { LocalFileStore, S3FileStore } from './files.ts';
export { PLAYBOOKS, INCIDENT_TYPES } from './playbooks.ts';
export { createIncidentsPicture, OPEN_STATUSES, type IncidentsPicture } from './incidents.picture.repo.ts';

/**
 * Incident response: reporting (CISA fields + election context), attachments in a content-addressed
 * store, triage and cases (priority, assignment, workflow, playbooks, tasks, timeline, SLA clocks),
 * observables → STIX indicators, sanitised escalation by consent, STIX/PDF outputs and metrics.
 */
export function createIncidentsModule(core: Core, deps: { intel: IntelPublic; directory: DirectoryService; members: AuthMembers; files?: FileStore }): RampartModule & { service: IncidentsService } {
  const repo = createIncidentsRepo(core.database.db);
  const files = deps.files ?? fileStoreOf(core.config);
  const service = createIncidentsService({ db: core.database.db, repo, files, clock: core.clock, intel: deps.intel, directory: deps.directory, members: deps.members });
  return {
    name: 'incidents',
    service,
    routes: incidentsRoutes(service, deps.intel),
    stop: async () => {
      if (files instanceof S3FileStore) files.close();
    },
  };
}

/** The file store the configuration chooses: `FILE_STORE=local` (DATA_DIR/files) or `s3`. */
export function fileStoreOf(config: Config): FileStore {
  const root = path.join(config.dataDir, 'files');
  if (config.FILE_STORE === 'local') return new LocalFileStore(root);
  return new S3FileStore({
    bucket: config.S3_BUCKET!,
    prefix: config.S3_PREFIX,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials: config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } : undefined,
    stagingDir: path.join(root, 'tmp'),
  });
}
