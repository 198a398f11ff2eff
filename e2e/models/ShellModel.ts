import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';

/** The signed-in frame: navigation, person menu. */
export class ShellModel {
  constructor(readonly page: Page) {}

  async expectOverview() {
    await this.page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await this.page.getByText('Organisations', { exact: true }).first().waitFor();
    await expectAccessible(this.page, 'overview');
  }

  async nav(label: string, heading = label) {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
    await this.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await this.page.waitForLoadState('networkidle');
    await expectAccessible(this.page, heading);
  }

  async signOut() {
    await this.page.getByRole('button', { name: /Account menu/ }).click();
    await this.page.getByRole('menuitem', { name: 'Sign out' }).click();
    await this.page.getByRole('heading', { name: 'Sign in to Rampart' }).waitFor();
  }
}
