import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';
import { choose } from './DirectoryModels.ts';

const nav = (page: Page, label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

/** The report form: six steps, autosaved. */
export class IncidentReportModel {
  constructor(readonly page: Page) {}

  async goto() {
    await nav(this.page, 'Report an incident').click();
    await this.page.getByRole('heading', { name: 'Report an incident', level: 1 }).waitFor();
    await this.page.getByRole('heading', { name: /^Step 1 of 6/ }).waitFor();
    await expectAccessible(this.page, 'incident report: step 1');
  }

  step = (title: string) => this.page.getByRole('navigation', { name: 'Report steps' }).getByRole('button', { name: new RegExp(`^${title}`) });
  async toStep(title: string) {
    await this.step(title).click();
    await this.page.getByRole('heading', { name: new RegExp(`^Step \\d of 6: ${title}$`) }).waitFor();
    await expectAccessible(this.page, `incident report: ${title}`);
  }
  async next(title: string) {
    await this.page.getByRole('button', { name: `Next: ${title}` }).click();
    await this.page.getByRole('heading', { name: new RegExp(`^Step \\d of 6: ${title}$`) }).waitFor();
    await expectAccessible(this.page, `incident report: ${title}`);
  }
  /** Waits until the autosave indicator says the draft is saved. */
  async saved() {
    await this.page.getByTestId('save-state').filter({ hasText: /^Draft saved/ }).waitFor({ timeout: 15_000 });
  }
  field = (label: string) => this.page.getByRole('textbox', { name: new RegExp(`^${label}`) });
  /** A Mantine select's input (for its aria-invalid). */
  selectInput = (label: string) => this.page.getByRole('textbox', { name: new RegExp(`^${label}`) }).or(this.page.getByLabel(new RegExp(`^${label}`))).first();
  select = (label: string, option: string) => choose(this.page, new RegExp(`^${label}`), option);
  radio = (name: string) => this.page.getByRole('radio', { name, exact: true }).check();
  checkbox = (name: string) => this.page.getByRole('checkbox', { name, exact: true }).check();

  /** Drops a file on the drop zone, as dragging it from the desktop does. */
  async dropFile(name: string, content: Buffer, type = 'application/octet-stream') {
    const dt = await this.page.evaluateHandle(
      ({ name, b64, type }) => {
        // Runs in the page (the DOM types are not in the tests' compilation).
        const g = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: unknown[], name: string, o: { type: string }) => unknown };
        const dt = new g.DataTransfer();
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        dt.items.add(new g.File([bytes], name, { type }));
        return dt;
      },
      { name, b64: content.toString('base64'), type },
    );
    await this.page.getByTestId('attachment-drop').dispatchEvent('drop', { dataTransfer: dt });
  }
  async chooseFile(name: string, content: Buffer, mimeType = 'application/octet-stream') {
    await this.page.getByLabel('Attach files').setInputFiles({ name, mimeType, buffer: content });
  }
  async submit() {
    await this.page.getByRole('button', { name: 'Submit the report' }).click();
  }
}

/** The list of incidents. */
export class IncidentListModel {
  constructor(readonly page: Page) {}
  async goto() {
    await nav(this.page, 'Incidents').click();
    await this.page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    await this.page.getByTestId('result-count').waitFor();
    await expectAccessible(this.page, 'incidents list');
  }
  link = (title: string) => this.page.getByTestId('incident-list').getByRole('link', { name: title, exact: true });
  row = (title: string) => this.page.getByTestId('incident-list').getByRole('row').filter({ has: this.page.getByRole('link', { name: title, exact: true }) });
  count = () => this.page.getByTestId('result-count').textContent();
}

/** One incident's case page. */
export class IncidentCaseModel {
  constructor(readonly page: Page) {}
  async gotoId(id: string) {
    await this.page.goto(`/infrastructure/incidents/${encodeURIComponent(id)}`);
    await this.page.getByRole('heading', { level: 1 }).waitFor();
    await this.page.waitForLoadState('networkidle');
  }
  heading = () => this.page.getByRole('heading', { level: 1 }).textContent();
  section = (name: string) => this.page.getByRole('region', { name });
  status = () => this.section('Status').locator('.inc-status').first().textContent();
  async move(action: string, expected: string) {
    await this.section('Status').getByRole('button', { name: action, exact: true }).click();
    await this.section('Status').locator('.inc-status').filter({ hasText: expected }).waitFor();
    await this.page.waitForLoadState('networkidle');
    await expectAccessible(this.page, `incident case: ${expected}`);
  }
  nextSteps = async () => (await this.section('Status').getByRole('group', { name: 'Next steps' }).getByRole('button').allTextContents()).map((t) => t.trim());
}
