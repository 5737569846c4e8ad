// The consumer's side of a browser test: the real Web Chat page, typed into as a person would, and read bubble by
// bubble (never the screen-reader live regions, which repeat every message).
import type { Page } from 'playwright-core';
import { texts } from '../../dialogs/texts.js';

/**
 * A whole bubble's text. Web Chat renders each line of a plain-text message as its own <p>, so the bubble's text
 * content has the lines run together: match them in order, with nothing else around them.
 */
function wholeText(text: string): RegExp {
  const lines = text.split('\n').map((line) => line.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^\\s*${lines.join('\\s*')}\\s*$`);
}

/** The consumer's view of the chat: what they type, and waiting for what the bot says. */
export function chatOn(page: Page, artifacts: string) {
  const sendBox = page.locator('[data-id="webchat-sendbox-input"]');
  // Bubbles only: Web Chat also repeats each message in screen-reader live regions.
  const botBubbles = page.locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content');
  const userBubbles = page.locator('.webchat__bubble--from-user .webchat__bubble__content');
  return {
    sendBox,
    botBubbles,
    userBubbles,
    /** The bot's bubbles that say exactly this. */
    bot: (text: string) => botBubbles.filter({ hasText: wholeText(text) }),
    user: (text: string) => userBubbles.filter({ hasText: wholeText(text) }),
    /** Waits until the bot has said `text` for the `occurrence`th time. */
    async botSays(text: string, occurrence = 1) {
      await botBubbles.filter({ hasText: wholeText(text) }).nth(occurrence - 1).waitFor({ timeout: 30_000 });
    },
    /**
     * A screenshot once Web Chat has scrolled to the newest message (it scrolls with an animation, so right after a
     * message arrives the bottom of the transcript may still be out of view).
     */
    async screenshot(name: string, options: { wholeConversation?: boolean } = {}) {
      const scrollable = page.locator('.webchat__basic-transcript__scrollable');
      if (options.wholeConversation) {
        // Tall enough for every message: the transcript's full height plus the page around it.
        const { scrollHeight, clientHeight } = await scrollable.evaluate((element) => ({ scrollHeight: element.scrollHeight, clientHeight: element.clientHeight }));
        const viewport = page.viewportSize() ?? { width: 900, height: 1000 };
        await page.setViewportSize({ width: viewport.width, height: viewport.height + scrollHeight - clientHeight + 40 });
      }
      const handle = await scrollable.elementHandle({ timeout: 10_000 });
      await page.waitForFunction((element) => element.scrollHeight - element.clientHeight - element.scrollTop < 2, handle, { timeout: 10_000 });
      await handle.dispose();
      await page.screenshot({ path: `${artifacts}/${name}`, fullPage: true });
    },
    /** Types and sends like a consumer, and waits for the message to be in the transcript. */
    async type(text: string) {
      const before = await userBubbles.filter({ hasText: wholeText(text) }).count();
      await sendBox.fill(text);
      await sendBox.press('Enter');
      await userBubbles.filter({ hasText: wholeText(text) }).nth(before).waitFor({ timeout: 15_000 });
    },
    /**
     * A new consumer's Hindi complaint that itself says what, since when and where: the bot asks only for the
     * account number (skipped) and the mobile, then reads the complaint back.
     */
    async complainInHindi(complaint: string, mobile: string) {
      await this.type(complaint);
      await this.botSays(texts.hi.askAccount);
      await this.type('छोड़ें');
      await this.botSays(texts.hi.askMobile);
      await this.type(mobile);
    },
    /** The ticket number from the bot's "registered" reply. */
    async registeredTicketNumber(): Promise<string | undefined> {
      const registered = botBubbles.filter({ hasText: 'शिकायत संख्या:' }).first();
      await registered.waitFor({ timeout: 30_000 });
      return /UP-\d{6}-\d{5}/.exec((await registered.textContent()) ?? '')?.[0];
    },
  };
}
