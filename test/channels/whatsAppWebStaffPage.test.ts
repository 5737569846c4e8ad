// The supervisors' linking page on its own: the QR drawn as an SVG when a QR package is there, the raw text when not,
// the pairing code, and the channel printing the QR in the terminal either way.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkingCodes, WhatsAppWebHealth } from '../../bot/adapters/whatsAppWebConnection.js';
import { errorHandler } from '../../server/httpErrors.js';
import { loadQrRenderer, noQrRenderer, type QrRenderer } from '../../server/whatsappWeb/qrRendering.js';
import { createWhatsAppWebStaffRouter } from '../../server/whatsappWeb/whatsAppWebStaffRouter.js';
import { UnauthenticatedError } from '../../services/errors.js';
import type { StaffPrincipal } from '../../services/staffAuthService.js';

const principals: Record<string, StaffPrincipal> = {
  'supervisor-token': { username: 'meera', role: 'supervisor', name: 'Meera', sessionId: 's1', expiresAt: new Date(Date.now() + 60_000) },
  'agent-token': { username: 'asha', role: 'agent', name: 'Asha', sessionId: 's2', expiresAt: new Date(Date.now() + 60_000) },
};
const staffAuth = {
  async authenticate(token: string | undefined): Promise<StaffPrincipal> {
    const principal = token ? principals[token] : undefined;
    if (!principal) throw new UnauthenticatedError('Log in first.');
    return principal;
  },
};

let codes: LinkingCodes = {};
const connection = {
  health: (): WhatsAppWebHealth => ({ state: 'qr_required', since: new Date(0).toISOString(), reconnectAttempts: 0, linkingCodeAvailable: true }),
  linkingCodes: () => codes,
};
const drawing: QrRenderer = {
  terminal: async (text) => `▄▄▄ ${text.length} ▄▄▄`,
  svg: async (text) => `<svg xmlns="http://www.w3.org/2000/svg"><title>${text.length}</title></svg>`,
};

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  const app = express();
  app.use('/with-svg', createWhatsAppWebStaffRouter({ connection, staffAuth, qrRenderer: drawing }));
  app.use('/without', createWhatsAppWebStaffRouter({ connection, staffAuth, qrRenderer: noQrRenderer }));
  app.use('/real', createWhatsAppWebStaffRouter({ connection, staffAuth, qrRenderer: await loadQrRenderer() }));
  app.use(errorHandler);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function getJson(path: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the linking page', () => {
  it('gives supervisors the QR as an SVG data URL when a QR package draws it', async () => {
    codes = { qr: { text: '2@abc,def', receivedAt: new Date('2026-01-01T10:00:00Z') } };
    const { status, body } = await getJson('/with-svg/qr', 'supervisor-token');
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'qr_required', qr: { text: '2@abc,def', receivedAt: '2026-01-01T10:00:00.000Z' }, pairingCode: null });
    const svg = (body.qr as { svg: string }).svg;
    expect(svg.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(Buffer.from(svg.split(',')[1]!, 'base64').toString()).toContain('<svg');
  });

  it('gives the raw text when the QR cannot be drawn, and the pairing code', async () => {
    codes = { qr: { text: '2@abc,def', receivedAt: new Date() }, pairingCode: { code: 'K7QW2M9X', receivedAt: new Date() } };
    const { body } = await getJson('/without/qr', 'supervisor-token');
    expect(body).toMatchObject({ qr: { text: '2@abc,def' }, pairingCode: { code: 'K7QW2M9X' } });
    expect((body.qr as { svg?: string }).svg).toBeUndefined();
  });

  it('draws a scannable SVG with the qrcode package', async () => {
    codes = { qr: { text: '2@abc,def', receivedAt: new Date() } };
    const { body } = await getJson('/real/qr', 'supervisor-token');
    const svg = Buffer.from(String((body.qr as { svg?: string }).svg).replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<path');
  });

  it('answers 401 without a valid session and 403 to staff who are not supervisors', async () => {
    codes = { qr: { text: '2@secret-qr', receivedAt: new Date() } };
    expect((await getJson('/with-svg/qr')).status).toBe(401);
    expect((await getJson('/with-svg/qr', 'made-up')).status).toBe(401);
    const agent = await getJson('/with-svg/qr', 'agent-token');
    expect(agent.status).toBe(403);
    expect(JSON.stringify(agent.body)).not.toContain('secret-qr');
    expect((await getJson('/with-svg/status', 'agent-token')).status).toBe(403);
    expect((await getJson('/with-svg/status', 'supervisor-token')).body).toMatchObject({ state: 'qr_required' });
  });

  it('serves a static page and script under a strict content security policy', async () => {
    const page = await fetch(`${baseUrl}/with-svg/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<script src="page.js" defer></script>');
    const script = await fetch(`${baseUrl}/with-svg/page.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toContain("fetch('qr'");
    const redirected = await fetch(`${baseUrl}/with-svg`, { redirect: 'manual' });
    expect(redirected.status).toBe(301);
    expect(redirected.headers.get('location')).toBe('/with-svg/');
  });
});
