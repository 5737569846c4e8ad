// One WhatsApp user of a served helpline's Cloud API door: what they send goes through the signed webhook (as Meta
// sends it); what the bot sent them is read from the fake Graph API. Each call resolves once the door is idle.
//
//   const door = { webhookUrl, appSecret, phoneNumberId, graph, idle: () => adapter.idle() };
//   const asha = new WhatsAppCloudUser(door, '919811122233');
//   const [question] = await asha.say('light nahi hai');   await asha.tap(question, 'Haan');
import { expect } from 'vitest';
import { buttonReply, mediaMessage, messageWebhook, postWebhook, textMessage, type FakeGraphApi, type FakeMedia, type GraphRequest, type MediaMessageOptions } from './fakeGraphApi.js';

export interface CloudDoor {
  webhookUrl: string;
  appSecret: string;
  phoneNumberId: string;
  graph: FakeGraphApi;
  /** Settles when the door has processed everything it stored (WhatsAppCloudAdapter.idle). */
  idle(): Promise<void>;
}

export class WhatsAppCloudUser {
  private read = 0;

  constructor(
    private readonly door: CloudDoor,
    readonly number: string,
  ) {}

  /** Sends a message and resolves with what the bot answered in that turn. */
  async send(message: Record<string, unknown>): Promise<GraphRequest[]> {
    const response = await postWebhook(this.door.webhookUrl, this.door.appSecret, messageWebhook(this.door.phoneNumberId, [message]));
    expect(response.status).toBe(200);
    await this.door.idle();
    return this.unread();
  }

  say(text: string): Promise<GraphRequest[]> {
    return this.send(textMessage(this.number, text));
  }

  /** Taps a reply button of the last message that had them, by its title. */
  tap(message: GraphRequest, title: string): Promise<GraphRequest[]> {
    const index = message.choices.indexOf(title);
    expect(index, `"${title}" among ${JSON.stringify(message.choices)}`).toBeGreaterThanOrEqual(0);
    return this.send(buttonReply(this.number, { id: message.choiceIds[index]!, title }));
  }

  /** Sends a file the way WhatsApp does: Meta holds the bytes, the webhook carries only the media id. */
  sendFile(type: 'image' | 'audio' | 'document', media: FakeMedia, options: MediaMessageOptions = {}): Promise<GraphRequest[]> {
    const mediaId = this.door.graph.addMedia(media);
    return this.send(mediaMessage(this.number, type, { mediaId, mimeType: media.mimeType, ...options }));
  }

  sendPin(latitude: number, longitude: number): Promise<GraphRequest[]> {
    return this.send(mediaMessage(this.number, 'location', { latitude, longitude, name: 'Ghar', address: 'Lucknow' }));
  }

  /** Waits for `count` messages the bot sends on its own (the outbox's proactive ones). */
  async receive(count: number): Promise<GraphRequest[]> {
    await this.door.graph.waitForMessages(count, { to: this.number, after: this.read });
    return this.unread();
  }

  unread(): GraphRequest[] {
    const messages = this.door.graph.accepted(this.number).slice(this.read);
    this.read += messages.length;
    return messages;
  }
}
