import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';

const nav = (page: Page, label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

/** Check my logs: choose files, sharing choices, upload; then the log check's page. */
export class DetectUploadModel {
  constructor(readonly page: Page) {}
  async goto() {
    await nav(this.page, 'Check my logs').click();
    await this.page.getByRole('heading', { name: 'Check my logs', level: 1 }).waitFor();
    await this.page.waitForLoadState('networkidle');
    await expectAccessible(this.page, 'detect: check my logs');
  }
  async chooseFile(name: string, content: string | Buffer, mimeType = 'text/plain') {
    await this.page.getByLabel('Log files to check').setInputFiles({ name, mimeType, buffer: typeof content === 'string' ? Buffer.from(content, 'utf8') : content });
    await this.page.getByTestId('chosen-files').getByText(name).waitFor();
  }
  /** Uploads and waits for the finished log check's page. */
  async check(filename: string) {
    await this.page.getByRole('button', { name: /^Check (this log|\d+ files)$/ }).click();
    await this.page.getByRole('heading', { name: filename, level: 1 }).waitFor();
    await this.page.getByTestId('run-status').filter({ hasText: /Finished|Failed/ }).waitFor({ timeout: 30_000 });
  }
  verdict = () => this.page.getByTestId('run-verdict');
  count = async (label: string) => (await this.page.getByTestId('run-counts').locator('div', { has: this.page.getByText(label, { exact: true }) }).first().locator('p').first().textContent())?.trim();
  hitRows = () => this.page.getByTestId('hits-table').getByTestId('hit-row');
}

/** Detections: my organisation's hits. */
export class DetectHitsModel {
  constructor(readonly page: Page) {}
  async goto() {
    const stream = this.page.waitForResponse((r) => r.url().includes('/api/events/stream'));
    await nav(this.page, 'Detections').click();
    await this.page.getByRole('heading', { name: 'Detections', level: 1 }).waitFor();
    await stream;
    await this.page.getByTestId('hit-count').or(this.empty()).or(this.noLogs()).waitFor();
    await expectAccessible(this.page, 'detect: detections');
  }
  rows = () => this.page.getByTestId('hits-table').getByTestId('hit-row');
  empty = () => this.page.getByRole('heading', { name: 'No matches — that’s good news' });
  noLogs = () => this.page.getByRole('heading', { name: 'No logs checked yet' });
  banner = () => this.page.getByTestId('retrohunt-banner');
}

/** The hub's view of sightings across organisations. */
export class DetectSightingsModel {
  constructor(readonly page: Page) {}
  async goto() {
    await nav(this.page, 'Sightings across organisations').click();
    await this.page.getByRole('heading', { name: 'Sightings across organisations', level: 1 }).waitFor();
    await this.page.getByTestId('sightings-table').or(this.page.getByRole('heading', { name: 'No sightings yet' })).waitFor();
    await expectAccessible(this.page, 'detect: sightings across organisations');
  }
  row = (indicator: string) => this.page.getByTestId('sightings-table').getByTestId('sighting-row').filter({ has: this.page.getByRole('link', { name: indicator, exact: true }) });
}

export const detectNavLink = nav;
