import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';

/** Warning and response: advisories and alerts, delivery, acknowledgements, the operating picture (being built). */
export function createAlertsModule(_core: Core, _deps: { intel: IntelPublic; directory: DirectoryService }): RampartModule {
  return { name: 'alerts' };
}
