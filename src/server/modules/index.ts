import type { Core, RampartModule } from '../core/module.ts';
import type { ActorResolver } from '../core/http/http.ts';
import { createDirectoryModule } from './directory/index.ts';
import { createAuthMembers, createAuthModule } from './auth/index.ts';
import { createAuditModule } from './audit/index.ts';
import { createDemoModule } from './demo/index.ts';
import { createIntelModule, createIntelPicture } from './intel/index.ts';
import { createDetectModule, createDetectPicture } from './detect/index.ts';
import { createAlertsModule } from './alerts/index.ts';
import { createIncidentsModule, createIncidentsPicture } from './incidents/index.ts';
import { createPictureModule } from './picture/index.ts';
import { createRoomModule } from './room/index.ts';

/**
 * The one list of modules. A new capability (assessments, exercises, campaigns, awareness, posters,
 * plan) is one more line here: it gets the core, and other modules' public faces (index.ts) it needs.
 */
export function createModules(core: Core): { modules: RampartModule[]; resolver: ActorResolver; services: Services } {
  const directory = createDirectoryModule(core);
  const auth = createAuthModule(core, directory.service);
  const audit = createAuditModule(core);
  const intel = createIntelModule(core, directory.service);
  const shared = { intel: intel.public, directory: directory.service };
  const detect = createDetectModule(core, shared);
  const alerts = createAlertsModule(core, shared);
  const incidents = createIncidentsModule(core, { ...shared, members: createAuthMembers(core.database.db) });
  const db = core.database.db;
  const picture = createPictureModule(core, {
    alerts: alerts.service, incidents: createIncidentsPicture(db), detect: createDetectPicture(db), intel: createIntelPicture(db), directory: directory.service,
  });
  const room = createRoomModule(core, { alerts: alerts.service, incidents: incidents.service, detect: detect.service, directory: directory.service });
  const demo = createDemoModule(core, { directory: directory.service, auth: auth.service });
  return {
    modules: [directory, auth, audit, intel, detect, alerts, incidents, room, picture, demo],
    resolver: auth.resolver,
    services: { directory: directory.service, auth: auth.service, intel: intel.public },
  };
}

export interface Services {
  directory: ReturnType<typeof createDirectoryModule>['service'];
  auth: ReturnType<typeof createAuthModule>['service'];
  intel: ReturnType<typeof createIntelModule>['public'];
}
