// Debian's chromium, driven by playwright-core, as the browser tests use it: headless, no network of its own, and a
// record of everything on the page that would hide a failure (console errors, CSP violations, dialogs).
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Problems the page reports: console errors, Content Security Policy violations, uncaught errors, dialogs. */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

/** The conversation id each `/webchat/session` answer hands the page, in order. */
export function recordSessions(page: Page): string[] {
  const conversations: string[] = [];
  page.on('response', (response) => {
    if (response.url().endsWith('/webchat/session')) {
      void response.json().then((body: { conversationId: string }) => conversations.push(body.conversationId));
    }
  });
  return conversations;
}
