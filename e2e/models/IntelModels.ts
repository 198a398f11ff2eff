import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';

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
