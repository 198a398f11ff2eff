import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { systemActor } from '../../src/server/core/access/actor.ts';
import { createMailer } from '../../src/server/core/mail.ts';
import { createTestRampart, createWorld, TEST_PASSWORD, type TestRampart, type World } from '../../src/server/test/harness.ts';
import { launchBrowser } from './browser.ts';
import { startSmtp } from './smtp.ts';
import { startWebServer, type WebServer } from './web-server.ts';

export { TEST_PASSWORD };
export const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface Stack {
  r: TestRampart;
  world: World;
  web: WebServer;
  smtp: Awaited<ReturnType<typeof startSmtp>>;
  browser: Browser;
  /** A fresh browser context (its own cookies) on the web server's origin. */
  context(): Promise<BrowserContext>;
  /** Adds a person with two-step verification already on (TOTP_SECRET). */
  addMfaUser(email: string, orgId: string | null, role: 'member' | 'analyst' | 'org_admin', platformAdmin?: boolean): Promise<string>;
  close(): Promise<void>;
}

/**
 * Everything a browser test needs, on a fresh test database: Rampart listening on a free port
 * with the persona world, a real SMTP server for its mail, the built UI in front, and Chromium.
 */
export async function startStack(config: Record<string, string> = {}): Promise<Stack> {
  const web = await startWebServer();
  const smtp = await startSmtp();
  const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'Rampart <rampart@test>', outboxDir: '/nonexistent' });
  const r = await createTestRampart({ listen: true, workers: true, mailer, config: { PORT: '0', HOST: '127.0.0.1', PUBLIC_URL: web.url, SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, ...config } });
  const { port } = r.app.server.address() as AddressInfo;
  await web.setApi(`http://127.0.0.1:${port}`);
  const world = await createWorld(r);
  const browser = await launchBrowser();
  return {
    r,
    world,
    web,
    smtp,
    browser,
    context: () => browser.newContext({ baseURL: web.url, viewport: { width: 1280, height: 900 }, locale: 'en-US', reducedMotion: 'reduce' }),
    addMfaUser: (email, orgId, role, platformAdmin = false) =>
      r.services.auth.createUser(systemActor('e2e'), { email, name: email.split('@')[0]!.replace(/[._]/g, ' '), password: TEST_PASSWORD, platformAdmin, memberships: orgId ? [{ orgId, role }] : [], mfaSecret: TOTP_SECRET }),
    async close() {
      await browser.close().catch(() => {});
      await r.close();
      await web.close();
      await smtp.close();
    },
  };
}
