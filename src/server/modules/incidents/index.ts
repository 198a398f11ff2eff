import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';

/** Incident response: reporting, triage, cases and playbooks, sharing by consent (being built). */
export function createIncidentsModule(_core: Core, _deps: { intel: IntelPublic; directory: DirectoryService }): RampartModule {
  return { name: 'incidents' };
}
