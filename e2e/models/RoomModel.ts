import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';

/** The situation room (Warning & response): live feed, counts, clock and the discussion panel. */
export class RoomModel {
  constructor(readonly page: Page) {}

  async goto(item?: string) {
    await this.page.goto(`/warning/room${item ? `?item=${encodeURIComponent(item)}` : ''}`);
    await this.page.getByRole('heading', { name: 'Situation room', level: 1 }).waitFor();
    // the feed has answered (items or the empty line) and the counts are in
    await this.feed().locator('li').first().or(this.page.getByText('Nothing shared with you yet.')).first().waitFor();
    await this.page.getByTestId('room-count-alert').filter({ hasText: /^\d/ }).waitFor();
  }
  feed = () => this.page.getByTestId('room-feed');
  /** The feed entry of an item, by its kind:id key. */
  item = (key: string) => this.page.locator(`[data-testid="room-item"][data-key="${key}"]`);
  thread = () => this.page.getByTestId('room-thread');
  messages = () => this.page.getByTestId('room-message');

  async select(key: string) {
    await this.item(key).click();
    await this.thread().getByRole('heading', { level: 2 }).waitFor();
    await this.thread().getByTestId('room-messages').waitFor();
  }

  async post(text: string) {
    await this.thread().getByRole('textbox', { name: /^Your (message|reply)/ }).fill(text);
    await this.thread().getByRole('button', { name: /^Post (message|reply)$/ }).click();
    await this.messages().filter({ hasText: text }).waitFor();
  }

  async reply(to: string, text: string) {
    await this.thread().getByRole('button', { name: `Reply to ${to}` }).first().click();
    await this.thread().getByText(`Replying to ${to}`).waitFor();
    await this.post(text);
  }

  async check(where: string) {
    await expectAccessible(this.page, where);
  }
}
