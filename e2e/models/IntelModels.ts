import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';
import { choose } from './DirectoryModels.ts';

/** Threat intel search: the list, its filters and the live "new objects" banner. */
export class IntelSearchModel {
  constructor(readonly page: Page) {}

  /** Opens the search page and waits until the live stream is connected (so no event is missed). */
  async goto(query = '') {
    const stream = this.page.waitForResponse((r) => r.url().includes('/api/events/stream'));
    await this.page.goto(`/infrastructure/intel${query}`);
    await this.page.getByRole('heading', { name: 'Threat intel', level: 1 }).waitFor();
    await this.page.getByTestId('result-count').waitFor();
    await stream;
    await expectAccessible(this.page, 'intel search');
  }

  async search(q: string) {
    const wait = this.page.waitForResponse((r) => r.url().includes('/api/intel/objects?') && new URL(r.url()).searchParams.get('q') === q);
    await this.page.getByRole('searchbox', { name: 'Search' }).fill(q);
    await this.page.getByRole('button', { name: 'Search', exact: true }).click();
    await wait;
    await this.page.getByTestId('result-count').waitFor();
  }

  banner = () => this.page.getByTestId('new-objects-banner');
  link = (name: string) => this.page.getByTestId('intel-results').getByRole('link', { name, exact: true });
  count = () => this.page.getByTestId('result-count').textContent();

  async showNew() {
    await this.banner().getByRole('button', { name: 'Show' }).click();
    await this.banner().waitFor({ state: 'detached' });
  }
}

/** One object's page. */
export class IntelObjectModel {
  constructor(readonly page: Page) {}
  async gotoId(id: string) {
    await this.page.goto(`/infrastructure/intel/objects/${encodeURIComponent(id)}`);
    await this.page.getByRole('heading', { level: 1 }).waitFor();
    await this.page.waitForLoadState('networkidle');
  }
  heading = () => this.page.getByRole('heading', { level: 1 }).textContent();
}

/** Share an indicator / report / note. */
export class IntelCreateModel {
  constructor(readonly page: Page) {}
  async goto() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Share intel', exact: true }).click();
    await this.page.getByRole('heading', { name: 'Share an indicator', level: 1 }).waitFor();
    await expectAccessible(this.page, 'intel: share an indicator');
  }
  pattern = () => this.page.getByRole('textbox', { name: /^STIX pattern/ });
  async useHelper(kind: string, value: string) {
    await choose(this.page, 'What is it?', kind);
    await this.page.getByRole('textbox', { name: 'Value', exact: true }).fill(value);
    await this.page.getByRole('button', { name: 'Use this value' }).click();
  }
  async submit() {
    await this.page.getByRole('button', { name: 'Share indicator' }).click();
  }
}

/** Upload a file and follow its job. */
export class IntelIngestModel {
  constructor(readonly page: Page) {}
  async goto() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload a file', exact: true }).click();
    await this.page.getByRole('heading', { name: 'Upload threat intel', level: 1 }).waitFor();
    await this.page.waitForLoadState('networkidle');
    await expectAccessible(this.page, 'intel: upload');
  }
  async chooseFile(name: string, content: string, mimeType = 'application/json') {
    await this.page.getByLabel('Intel file (STIX, MISP or CSV)').setInputFiles({ name, mimeType, buffer: Buffer.from(content, 'utf8') });
    await this.page.getByTestId('chosen-file').waitFor();
  }
  async upload() {
    await this.page.getByRole('button', { name: 'Upload and share' }).click();
    await this.page.getByTestId('ingest-status').waitFor();
  }
  async waitFinished() {
    await this.page.getByTestId('ingest-status').filter({ hasText: /Finished|Failed/ }).waitFor({ timeout: 30_000 });
  }
  count = async (label: string) => (await this.page.getByTestId('ingest-counts').locator('div', { has: this.page.getByText(label, { exact: true }) }).first().textContent())?.replace(label, '').trim();
}
