import type { RampartModule } from '../../../core/module.ts';
import type { IntelDeps } from '../index.ts';
import { createTaxiiRepo } from './taxii.repo.ts';
import { createTaxiiService } from './taxii.service.ts';
import { subscriptionRoutes, taxiiRoutes } from './taxii.routes.ts';
import { createSubscriptionService, POLL_JOB, TICK_JOB } from './taxii.subscriptions.ts';

export { PUBLIC_COLLECTION_ID, INBOX_NAMESPACE, inboxCollectionId, TAXII_MEDIA_TYPE, STIX_MEDIA_TYPE } from './taxii.service.ts';

/**
 * TAXII 2.1 server (/taxii2/) and client (subscriptions to upstream collections under
 * /api/intel/subscriptions, polled by a job). See README.md in this folder.
 */
export function taxiiModule(deps: IntelDeps): Required<Pick<RampartModule, 'rootRoutes' | 'referenceData' | 'rotateSecrets' | 'stop'>> {
  const { core } = deps;
  const repo = createTaxiiRepo(core.database);
  const service = createTaxiiService({ core, intelRepo: deps.repo, repo, directory: deps.directory });
  const subscriptions = createSubscriptionService({ core, intelRepo: deps.repo, repo, directory: deps.directory });
  const maxContentLength = Math.round(core.config.BODY_LIMIT_MB * 1024 * 1024);

  // Every minute: enqueue one poll job per due subscription (one at a time per subscription).
  core.jobs.define({
    name: TICK_JOB,
    cron: '* * * * *',
    retryLimit: 0,
    handler: async () => {
      for (const id of await subscriptions.due(500)) await core.jobs.send(POLL_JOB, { subscriptionId: id }, { singletonKey: id });
    },
  });
  // Failures are recorded on the subscription with their own backoff (next_poll_at): no job retries.
  core.jobs.define<{ subscriptionId: string }>({
    name: POLL_JOB,
    retryLimit: 0,
    handler: async ({ subscriptionId }) => {
      await subscriptions.poll(subscriptionId).catch((err: unknown) => core.log.warn({ err, subscriptionId }, 'taxii client: poll job failed'));
    },
  });

  return {
    rootRoutes: async (app) => {
      await app.register(taxiiRoutes(service, { maxContentLength }), { prefix: '/taxii2' });
      // REST routes of the client live under /api (registered here so that intel/index.ts stays unchanged).
      await app.register(subscriptionRoutes(subscriptions));
    },
    // At every start: subscription passwords still in plain text (from before migration 0104) are encrypted.
    referenceData: async () => {
      const n = await subscriptions.encryptLegacy();
      if (n) core.log.info({ subscriptions: n }, 'taxii client: encrypted plain-text subscription passwords');
    },
    rotateSecrets: async () => [await subscriptions.rotateSecrets()],
    stop: () => service.stop(),
  };
}
