import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';

/** Mantine's Select: open it by its label, pick an option by its text. */
export async function choose(page: Page, label: RegExp | string, option: string, search?: string) {
  const input = page.getByRole('textbox', { name: label }).or(page.getByLabel(label)).first();
  await input.click();
  if (search) await input.fill(search);
  await page.getByRole('option', { name: option }).first().click();
}

export class OrgListModel {
  constructor(readonly page: Page) {}
  async goto() {
    await this.page.goto('/directory/organisations');
    await this.page.getByTestId('result-count').waitFor();
    await expectAccessible(this.page, 'organisations');
  }
  async search(q: string) {
    const wait = this.page.waitForResponse((r) => r.url().includes('/api/organisations?') && new URL(r.url()).searchParams.get('q') === q);
    await this.page.getByRole('searchbox', { name: 'Search' }).fill(q);
    await wait;
    await this.page.getByTestId('result-count').waitFor();
  }
  row = (name: string) => this.page.getByRole('row').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  count = () => this.page.getByTestId('result-count').textContent();
}

export interface ContactFields {
  name: string;
  role?: string;
  phone?: string;
  email?: string;
}

export class OrgFormModel {
  constructor(readonly page: Page) {}
  async gotoNew() {
    await this.page.getByRole('link', { name: 'New organisation' }).click();
    await this.page.getByRole('heading', { name: 'New organisation', level: 1 }).waitFor();
    await expectAccessible(this.page, 'new organisation form');
  }
  async fill(o: { name: string; kind: string; parent?: string; jurisdiction?: string; website?: string; description?: string }) {
    await this.page.getByRole('textbox', { name: /^Name/ }).first().fill(o.name);
    await choose(this.page, /^Kind/, o.kind);
    if (o.parent) await choose(this.page, /^Part of/, o.parent, o.parent);
    if (o.jurisdiction) await choose(this.page, /^Jurisdiction/, o.jurisdiction, o.jurisdiction.split(',')[0]);
    if (o.website) await this.page.getByLabel(/^Website/).fill(o.website);
    if (o.description) await this.page.getByLabel(/^Description/).fill(o.description);
  }
  async fillContact(index: number, c: ContactFields) {
    const group = this.page.getByRole('group', { name: `Contact ${index + 1}` });
    await group.getByLabel(/^Name/).fill(c.name);
    if (c.role) await group.getByLabel(/^Role/).fill(c.role);
    if (c.phone) await group.getByLabel(/^Phone/).fill(c.phone);
    if (c.email) await group.getByLabel(/^Email/).fill(c.email);
  }
  async submit() {
    await this.page.getByRole('button', { name: /^(Create organisation|Save changes)$/ }).click();
  }
  fieldError = (text: string) => this.page.getByText(text);
}

export class ImportModel {
  constructor(readonly page: Page) {}
  async goto() {
    await this.page.goto('/directory/import');
    await this.page.getByRole('heading', { name: 'Import organisations', level: 1 }).waitFor();
    await expectAccessible(this.page, 'import');
  }
  async chooseFile(name: string, csv: string) {
    await this.page.getByLabel('CSV file', { exact: true }).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await this.page.getByTestId('chosen-file').waitFor();
  }
  async submit() {
    await this.page.getByRole('button', { name: 'Check and import' }).click();
    await this.page.getByTestId('import-result').waitFor();
    await expectAccessible(this.page, 'import result');
  }
  errorRows = async () =>
    (await this.page.getByTestId('import-errors').locator('tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  async importValidOnly() {
    await this.page.getByRole('button', { name: /^Import the .* only$/ }).click();
    await this.page.getByText('Import finished', { exact: true }).waitFor();
  }
}
