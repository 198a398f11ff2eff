import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';
import { choose } from './DirectoryModels.ts';
import { SignInModel } from './SignInModel.ts';

export class PeopleModel {
  constructor(readonly page: Page) {}
  async goto() {
    await this.page.goto('/admin/people');
    await this.page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    await this.page.getByRole('table').waitFor();
    await expectAccessible(this.page, 'people');
  }
  async invite(p: { name: string; email: string; role: string }) {
    await this.page.getByRole('button', { name: 'Invite someone' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Invite someone' });
    await dialog.waitFor();
    await expectAccessible(this.page, 'invite dialog');
    await dialog.getByLabel(/^Full name/).fill(p.name);
    await dialog.getByLabel(/^Email/).fill(p.email);
    await choose(this.page, /^Role/, p.role);
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await this.page.getByTestId('toast').filter({ hasText: `Invitation sent to ${p.email}` }).waitFor();
    await dialog.waitFor({ state: 'detached' });
  }
}

export class AcceptInviteModel {
  constructor(readonly page: Page) {}
  async open(link: string) {
    await this.page.goto(link);
    await this.page.getByRole('heading', { name: 'Welcome to Rampart' }).waitFor();
    await expectAccessible(this.page, 'accept invitation');
  }
  async choosePassword(password: string) {
    await this.page.getByLabel(/^New password/).fill(password);
    await this.page.getByLabel(/^Repeat the new password/).fill(password);
    await this.page.getByRole('button', { name: 'Set password and sign in' }).click();
  }
  signIn = () => new SignInModel(this.page);
}
