import type { Config } from '../../core/config.ts';
import type { Core, RampartModule } from '../../core/module.ts';
import { systemActor, type Actor } from '../../core/access/actor.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';
import { createAlertsRepo } from './alerts.repo.ts';
import {
  createAlertsService, WEBHOOK_ATTEMPTS, DELIVER_EMAIL_JOB, DELIVER_WEBHOOKS_JOB, DIGEST_JOB, ESCALATION_JOB, FANOUT_JOB, WEBHOOK_JOB, WEEKLY_JOB, WEEKLY_MAIL_JOB,
  type AlertsService, type AlertsSettings,
} from './alerts.service.ts';
import { alertsRootRoutes, alertsRoutes } from './alerts.routes.ts';
import { weeklyReportPdf } from './report.pdf.ts';

export type { AlertsService, AlertsSettings };
export { verifyWebhook, signWebhook } from './webhook-sign.ts';

/** The module's settings from the validated core configuration (ALERTS_* keys, see docs/operations.md). */
export function alertsSettings(config: Pick<Config, 'ALERTS_ESCALATE_HIGH_MINUTES' | 'ALERTS_ESCALATE_SEVERE_MINUTES' | 'ALERTS_BATCH_SIZE'>): AlertsSettings {
  return {
    webhookAttempts: WEBHOOK_ATTEMPTS,
    escalateAfterMinutes: { High: config.ALERTS_ESCALATE_HIGH_MINUTES, Severe: config.ALERTS_ESCALATE_SEVERE_MINUTES },
    batchSize: config.ALERTS_BATCH_SIZE,
  };
}

/** Warning and response: advisories and alerts, delivery, acknowledgements, the operating picture. */
export function createAlertsModule(core: Core, deps: { intel: IntelPublic; directory: DirectoryService }, settings: AlertsSettings = alertsSettings(core.config)): RampartModule & { service: AlertsService } {
  const repo = createAlertsRepo(core.database.db);
  const service = createAlertsService(core, repo, deps, settings);
  const now = () => core.clock.now();

  core.jobs.define<{ alertId: string; revision: number }>({ name: FANOUT_JOB, retryLimit: 10, retryDelaySeconds: 5, handler: async (d) => void (await service.fanout(d.alertId, d.revision)) });
  for (const name of [DELIVER_EMAIL_JOB, DELIVER_WEBHOOKS_JOB]) {
    core.jobs.define<{ alertId: string; revision: number; ids: string[] }>({
      name, retryLimit: 10, retryDelaySeconds: 5,
      handler: async (d) => void (await service.deliverBatch(d.alertId, d.revision, d.ids)),
    });
  }
  core.jobs.define<{ deliveryId: string }>({
    name: WEBHOOK_JOB, retryLimit: settings.webhookAttempts, retryDelaySeconds: 5,
    handler: async (d) => {
      // Throwing hands the retry (with exponential backoff) to pg-boss; every attempt is in the delivery log.
      if ((await service.deliverWebhook(d.deliveryId)) === 'retry') throw new Error('webhook delivery failed; will retry');
    },
  });
  core.jobs.define({ name: DIGEST_JOB, cron: '0 7 * * *', retryLimit: 3, handler: async () => void (await service.sendDigests()) });
  core.jobs.define({ name: ESCALATION_JOB, cron: '* * * * *', retryLimit: 1, handler: async () => void (await service.checkEscalations()) });
  core.jobs.define({
    name: WEEKLY_JOB, cron: '0 8 * * 1', retryLimit: 2,
    handler: async () => {
      for (const communityId of await repo.allCommunityIds()) {
        const readers = await repo.communityReaders(communityId);
        for (const r of readers) await core.jobs.send(WEEKLY_MAIL_JOB, { communityId, to: r.email }, { singletonKey: `weekly:${communityId}:${r.userId}:${now().toISOString().slice(0, 10)}` });
      }
    },
  });
  core.jobs.define<{ communityId: string; to: string }>({
    name: WEEKLY_MAIL_JOB, retryLimit: 5, retryDelaySeconds: 30,
    handler: async (d) => {
      // What every member of the community may see: TLP:CLEAR, and GREEN shared with the community.
      const member: Actor = { ...systemActor('alerts-weekly'), kind: 'user', orgPath: [], communityIds: [d.communityId], role: 'member' };
      const data = await service.weeklyData(member, d.communityId);
      const pdf = await weeklyReportPdf({ ...data, generatedAt: now() });
      const msg = {
        to: d.to, subject: `Rampart weekly report: ${data.communityName}`,
        text: `The weekly warning and response report for ${data.communityName} (${data.alerts.length} alerts) is attached.`,
        attachments: [{ filename: `rampart-weekly-${now().toISOString().slice(0, 10)}.pdf`, content: pdf, contentType: 'application/pdf' }],
      };
      // An attachment cannot travel through the JSON mail queue, so this job sends directly (it is itself durable).
      await core.mailer.send(msg);
    },
  });

  return {
    name: 'alerts',
    service,
    routes: alertsRoutes(service, now),
    rootRoutes: alertsRootRoutes(service, core.config.PUBLIC_URL),
  };
}
