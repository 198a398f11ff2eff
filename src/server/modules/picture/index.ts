import type { Core, RampartModule } from '../../core/module.ts';
import { createPictureService, type PictureDeps, type PictureService } from './picture.service.ts';
import { pictureRoutes } from './picture.routes.ts';

export type { PictureService, PictureDeps };

/**
 * The common operating picture: posture per state and county, and trends, composed from the small
 * aggregates alerts, incidents, detect and intel export from their index.ts — each computed under the
 * one visibility rule for the actor. The picture has no tables of its own.
 */
export function createPictureModule(core: Core, deps: Omit<PictureDeps, 'clock'>): RampartModule & { service: PictureService } {
  const service = createPictureService({ ...deps, clock: core.clock });
  return { name: 'picture', service, routes: pictureRoutes(service) };
}
