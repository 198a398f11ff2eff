import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';

/** Detection: log matching against shared indicators, sightings, retro-hunt (being built). */
export function createDetectModule(_core: Core, _deps: { intel: IntelPublic; directory: DirectoryService }): RampartModule {
  return { name: 'detect' };
}
