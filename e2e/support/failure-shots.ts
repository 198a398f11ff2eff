import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeEach, onTestFailed } from 'vitest';

/** On a failed test, a full-page screenshot of each named page in the temp directory (rampart-e2e-<test>-<who>.png). */
export function screenshotsOnFailure(pages: () => Record<string, Page | undefined>): void {
  beforeEach((ctx) => {
    onTestFailed(async () => {
      for (const [who, p] of Object.entries(pages())) {
        await p?.screenshot({ path: path.join(os.tmpdir(), `rampart-e2e-${ctx.task.name.replace(/\W+/g, '-').slice(0, 50)}-${who}.png`), fullPage: true }).catch(() => {});
      }
    });
  });
}
