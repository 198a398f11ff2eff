import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';
import { choose } from './DirectoryModels.ts';

/** Alerts list, alert page and authoring form (Warning & response). */
export class AlertsModel {
  constructor(readonly page: Page) {}

  async gotoList() {
    await this.page.goto('/warning/alerts');
    await this.page.getByRole('heading', { name: 'Alerts and advisories', level: 1 }).waitFor();
    await this.page.getByTestId('alert-count').or(this.page.getByRole('heading', { name: /^No (active )?alerts/ })).first().waitFor();
    await this.page.getByRole('heading', { name: /^My notifications/ }).waitFor();
    await this.page.waitForLoadState('networkidle');
    await expectAccessible(this.page, 'alerts list');
  }
  listLink = (title: string) => this.page.getByTestId('alert-list').getByRole('link', { name: title, exact: true });

  async gotoAlert(id: string) {
    await this.page.goto(`/warning/alerts/${id}`);
    await this.page.getByRole('heading', { level: 1 }).waitFor();
    await this.page.getByTestId('alert-meta').or(this.page.getByRole('heading', { name: 'Alert not found', level: 1 })).first().waitFor();
    await this.page.waitForLoadState('networkidle');
  }
  heading = () => this.page.getByRole('heading', { level: 1 }).textContent();
  workflowState = () => this.page.getByTestId('workflow-state');

  async act(label: string, expectState: RegExp) {
    await this.page.getByRole('button', { name: label, exact: true }).click();
    await this.workflowState().filter({ hasText: expectState }).waitFor();
  }

  /** Fills the authoring form; `beforeSave` runs on the filled, unsaved form. */
  async draft(o: { title: string; level: string; summary: string; body: string; actions: string; kind: string; community: string }, beforeSave?: () => Promise<void>) {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Draft an alert', exact: true }).click();
    await this.page.getByRole('heading', { name: 'Draft an alert', level: 1 }).waitFor();
    await this.page.waitForLoadState('networkidle');
    await expectAccessible(this.page, 'alerts: draft form');
    await this.page.getByRole('textbox', { name: /^Title/ }).fill(o.title);
    await this.page.getByRole('radio', { name: o.level, exact: true }).check();
    await this.page.getByRole('textbox', { name: /^Summary/ }).fill(o.summary);
    await this.page.getByRole('textbox', { name: /^Body/ }).fill(o.body);
    await this.page.getByRole('textbox', { name: /^Recommended actions/ }).fill(o.actions);
    await choose(this.page, /^Organisation kinds/, o.kind);
    await this.page.keyboard.press('Escape');
    await choose(this.page, /^Communities/, o.community);
    await this.page.keyboard.press('Escape');
    await beforeSave?.();
    await this.page.getByRole('button', { name: 'Save draft' }).click();
    await this.page.getByRole('heading', { name: /^Edit RMP-/, level: 1 }).waitFor();
  }
}
