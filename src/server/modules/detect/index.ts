import type { Core, RampartModule } from '../../core/module.ts';
import type { StoredEvent } from '../../core/events/events.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';
import { createDetectRepo } from './detect.repo.ts';
import { detectRoutes } from './detect.routes.ts';
import { createDetectService, RETENTION_JOB, RETROHUNT_JOB, RUN_JOB, type DetectService } from './detect.service.ts';

export type { DetectService };
export { createDetectPicture, type DetectPicture } from './detect.picture.repo.ts';

/** Whether an intel.objects.added event may carry indicators (its payload lists up to 20 objects). */
function mayCarryIndicators(e: StoredEvent): boolean {
  const p = e.payload as { count?: number; objects?: { type?: string }[] } | undefined;
  if (!p?.objects || typeof p.count !== 'number' || p.count > p.objects.length) return true;
  return p.objects.some((o) => o.type === 'indicator');
}

/**
 * Detection: logs uploaded by an organisation are matched against every indicator it may see
 * (src/lib/logmatch + the STIX pattern evaluator), hits become STIX sightings shared through intel,
 * retained logs are retro-hunted when new indicators arrive, and a retention job deletes old logs.
 */
export function createDetectModule(core: Core, deps: { intel: IntelPublic; directory: DirectoryService }): RampartModule & { service: DetectService } {
  const service = createDetectService({ core, repo: createDetectRepo(core.database.db), intel: deps.intel, directory: deps.directory });
  core.jobs.define<{ runId: string }>({ name: RUN_JOB, handler: (d) => service.processRun(d.runId), retryLimit: 1, retryDelaySeconds: 30 });
  core.jobs.define<{ since: string }>({ name: RETROHUNT_JOB, handler: async (d) => void (await service.retroHunt(new Date(d.since))), retryLimit: 3, retryDelaySeconds: 30 });
  core.jobs.define({ name: RETENTION_JOB, handler: async () => void (await service.retention()), cron: '17 3 * * *', retryLimit: 2 });

  const onEvent = (e: StoredEvent) => {
    if (e.topic !== 'intel.objects.added' || !mayCarryIndicators(e)) return;
    service.cache.clear();
    // the event's time is its transaction's, as is the objects' date_added; a second of slack
    const since = new Date(new Date(e.at).getTime() - 1000).toISOString();
    core.jobs.send(RETROHUNT_JOB, { since }).catch((err: unknown) => core.log.error({ err }, 'could not queue a retro-hunt'));
  };
  core.events.local.on('event', onEvent);

  return {
    name: 'detect',
    service,
    routes: detectRoutes(service),
    stop: async () => {
      core.events.local.off('event', onEvent);
    },
  };
}
