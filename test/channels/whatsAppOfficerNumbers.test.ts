// Issue 15 (wa2): the officer check of every WhatsApp turn ("is the sender an officer's alert number?") no longer reads
// `officer_numbers` each turn. Each process keeps the numbers in memory and checks their change count at most every
// officerNumbersMaxAgeMs. The bound these tests hold it to: a number set through this process is recognised at once, and
// one set through another process at most that long after it was stored; until then nothing is read per turn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhatsAppCloudAdapter } from '../../bot/adapters/whatsAppCloudAdapter.js';
import { texts } from '../../dialogs/texts.js';
import type { ChannelFactory, ChannelPlugin } from '../../server/helpline.js';
import { fakeGraphCloudChannel } from '../support/fakeGraphCloudChannel.js';
import { Directory } from '../../services/directory.js';
import { OfficerAlertService } from '../../services/officerAlertService.js';
import type { StaffPrincipal } from '../../services/staffAuthService.js';
import { countCommands } from '../support/commandCounter.js';
import { FakeGraphApi } from '../support/fakeGraphApi.js';
import { serveHelpline, type ServedHelpline } from '../support/servedHelpline.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { WhatsAppCloudUser } from '../support/whatsAppCloudUser.js';

const db = useTestDatabase('wa_officer_numbers');
const appSecret = 'officer-numbers-app-secret-0123456789abcdef';
const phoneNumberId = '109876543277';
const boundMs = 400;
let graph: FakeGraphApi;
let served: ServedHelpline | undefined;
let cloud: ChannelPlugin;

const officer = (officerId: string): StaffPrincipal => ({ username: officerId, role: 'officer', name: 'JE', officerId, sessionId: 's', expiresAt: new Date(Date.now() + 60_000) });
const notices = [texts.hi.officerNumberNotice, texts.en.officerNumberNotice, texts.hl.officerNumberNotice];
const officerReads = (commands: Array<{ collection: string }>) => commands.filter((command) => command.collection === 'officer_numbers');

beforeAll(async () => {
  graph = await FakeGraphApi.start();
  const door = fakeGraphCloudChannel(graph, {
    appSecret,
    verifyToken: 'officer-numbers-verify-token-0123456789',
    accessToken: 'officer-numbers-access-token-abcdefghijklmnop',
    phoneNumberId,
  });
  const capture: ChannelFactory = (context) => {
    cloud = door.factory(context);
    return cloud;
  };
  served = await serveHelpline(db, Directory.loadDefault(), {
    channels: [capture],
    directLineSecret: 'officer-numbers-directline-secret-0123456789abcdefghij',
    webChatCookieSecret: 'officer-numbers-webchat-cookie-secret-9876543210zyx',
    sweepIntervalMs: 60 * 60_000,
    officerAlerts: { numbersMaxAgeMs: boundMs },
  });
});

afterAll(async () => {
  await served?.close();
  await graph?.close();
});

describe("officers' WhatsApp numbers kept in memory", () => {
  it('a number set through this process is an officer\'s at once; through another process, only after its change count is read again', async () => {
    const here = new OfficerAlertService(db.models, { officerNumbersMaxAgeMs: 60_000 });
    const there = new OfficerAlertService(db.models, { officerNumbersMaxAgeMs: 60_000 });
    expect(await here.officerForWhatsApp('919450077701')).toBeUndefined();
    expect(await there.officerForWhatsApp('919450077701@c.us')).toBeUndefined();
    await here.setWhatsApp(officer('je-officer-numbers-1'), { number: '9450077701' });
    expect(await here.officerForWhatsApp('919450077701')).toBe('je-officer-numbers-1');
    // The other process answers from memory without a read until its snapshot is older than its bound.
    const { result, commands } = await countCommands(db.connection, () => there.officerForWhatsApp('919450077701'));
    expect(result).toBeUndefined();
    expect(officerReads(commands)).toEqual([]);
    const soon = new OfficerAlertService(db.models, { officerNumbersMaxAgeMs: 0 });
    expect(await soon.officerForWhatsApp('919450077701@c.us')).toBe('je-officer-numbers-1');
    // Removing the number: no longer an officer's here at once.
    await here.setWhatsApp(officer('je-officer-numbers-1'), { number: null });
    expect(await here.officerForWhatsApp('919450077701')).toBeUndefined();
    expect(await soon.officerForWhatsApp('919450077701')).toBeUndefined();
  });

  it('over WhatsApp: a number made an officer\'s in another process is not taken as a consumer\'s once the bound has passed', { timeout: 30_000 }, async () => {
    const door = { webhookUrl: `${served!.baseUrl}/webhooks/whatsapp`, appSecret, phoneNumberId, graph, idle: () => (cloud.adapter as WhatsAppCloudAdapter).idle() };
    const number = '919450077702';
    const sender = new WhatsAppCloudUser(door, number);
    const first = await sender.say('gomti nagar mein 3 ghante se bijli nahi hai');
    expect(first).toHaveLength(1);
    expect(notices).not.toContain(first[0]!.text);
    // Another process (the officer saving their alert number on the officer page there).
    const elsewhere = new OfficerAlertService(db.models);
    await elsewhere.setWhatsApp(officer('je-officer-numbers-2'), { number: '9450077702' });
    const storedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, boundMs + 20));
    expect(Date.now() - storedAt).toBeGreaterThan(boundMs);
    const replies = await sender.say('haan');
    expect(replies).toHaveLength(1);
    expect(notices).toContain(replies[0]!.text);
    expect(served!.log.some((line) => line.includes("officer's alert number was not taken"))).toBe(true);
  });
});
