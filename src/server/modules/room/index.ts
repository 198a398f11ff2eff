import type { Core, RampartModule } from '../../core/module.ts';
import type { AlertsService } from '../alerts/index.ts';
import type { DetectService } from '../detect/index.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IncidentsService } from '../incidents/index.ts';
import { createRoomRepo } from './room.repo.ts';
import { roomRoutes } from './room.routes.ts';
import { createRoomService, type RoomService } from './room.service.ts';
import { alertsSource, incidentsSource, sightingsSource } from './room.sources.ts';

export type { RoomService };
export { MESSAGE_TOPIC } from './room.service.ts';

/**
 * The Election Day situation room: one live feed of published alerts, submitted incident reports and
 * sightings, each shown to exactly those who may see its record (the owning module reads it), and a
 * threaded discussion on each item, visible and delivered live by the same rule.
 */
export function createRoomModule(core: Core, deps: { alerts: AlertsService; incidents: IncidentsService; detect: DetectService; directory: DirectoryService }): RampartModule & { service: RoomService } {
  const service = createRoomService(core, createRoomRepo(core.database.db), {
    sources: [alertsSource(deps.alerts), incidentsSource(deps.incidents), sightingsSource(deps.detect)],
    directory: deps.directory,
  });
  return { name: 'room', service, routes: roomRoutes(service) };
}
