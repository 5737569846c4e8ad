// The supervisors' page for linking the helpline's phone (mounted at /staff/whatsapp-web): the connection's state and,
// while a phone must be linked, the QR code (or pairing code). Whoever scans that QR makes their WhatsApp number the
// helpline's, so it goes only to a supervisor's session; the page itself is static and holds nothing.
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { WhatsAppWebConnection } from '../../bot/adapters/whatsAppWebConnection.js';
import { NotPermittedError } from '../../services/errors.js';
import { staffRoute } from '../staffApi/staffRoute.js';
import type { StaffAuthService, StaffPrincipal } from '../../services/staffAuthService.js';
import type { QrRenderer } from './qrRendering.js';
import { pagePolicy } from '../pageSecurity.js';

export interface WhatsAppWebStaffRouterDependencies {
  connection: Pick<WhatsAppWebConnection, 'health' | 'linkingCodes'>;
  staffAuth: Pick<StaffAuthService, 'authenticate'>;
  qrRenderer: QrRenderer;
}

export interface LinkingView {
  state: string;
  /** The QR's text; `svg` is a data URL when a QR package is installed. */
  qr: { text: string; svg?: string; receivedAt: string } | null;
  pairingCode: { code: string; receivedAt: string } | null;
}

export function createWhatsAppWebStaffRouter({ connection, staffAuth, qrRenderer }: WhatsAppWebStaffRouterDependencies): Router {
  const router = express.Router();

  const asStaff = staffRoute(staffAuth);
  const asSupervisor = (handler: (principal: StaffPrincipal, request: Request, response: express.Response) => Promise<void> | void): RequestHandler =>
    asStaff(async (principal, request, response) => {
      if (principal.role !== 'supervisor') throw new NotPermittedError('Only a supervisor can see how the helpline\'s WhatsApp is linked.');
      response.set('Cache-Control', 'no-store');
      await handler(principal, request, response);
    });

  router.get(
    '/status',
    asSupervisor((_principal, _request, response) => {
      response.json(connection.health());
    }),
  );

  router.get(
    '/qr',
    asSupervisor(async (_principal, _request, response) => {
      const { qr, pairingCode } = connection.linkingCodes();
      const view: LinkingView = {
        state: connection.health().state,
        qr: null,
        pairingCode: pairingCode ? { code: pairingCode.code, receivedAt: pairingCode.receivedAt.toISOString() } : null,
      };
      if (qr) {
        view.qr = { text: qr.text, receivedAt: qr.receivedAt.toISOString() };
        const svg = await qrRenderer.svg(qr.text).catch(() => undefined);
        if (svg) view.qr.svg = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      }
      response.json(view);
    }),
  );

  router.get('/', (request, response) => {
    if (!request.originalUrl.split('?')[0]!.endsWith('/')) {
      // The page's script and calls are relative to the folder.
      response.redirect(301, `${request.baseUrl}/`);
      return;
    }
    pageHeaders(response);
    response.type('html').send(pageHtml);
  });

  router.get('/page.js', (_request, response) => {
    pageHeaders(response);
    response.type('application/javascript').send(pageScript);
  });

  router.get('/page.css', (_request, response) => {
    pageHeaders(response);
    response.type('text/css').send(pageCss);
  });

  return router;
}

function pageHeaders(response: express.Response): void {
  response.set({
    'Content-Security-Policy': pagePolicy(["script-src 'self'", "style-src 'self'", "connect-src 'self'", 'img-src data:']),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
}

const pageHtml = `<!doctype html>
<html lang="hi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Santushti — WhatsApp linking</title>
<link rel="stylesheet" href="page.css">
<script src="page.js" defer></script>
</head>
<body>
<main>
<h1>हेल्पलाइन का WhatsApp जोड़ें · Link the helpline's WhatsApp</h1>
<form id="login" hidden>
  <p>Supervisors only. Log in with your staff account.</p>
  <label>Username <input name="username" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>
<section id="panel" hidden>
  <p>State: <strong id="state">…</strong> <button id="logout" type="button">Log out</button></p>
  <div id="link" hidden>
    <ol>
      <li>On the helpline's phone open WhatsApp → Settings → Linked devices → Link a device.</li>
      <li>Scan the QR code below. It changes every ~20 seconds; this page follows it.</li>
    </ol>
    <img id="qr-image" alt="QR code to link the helpline's WhatsApp" hidden>
    <div id="qr-text-box" hidden>
      <p>No QR drawing package is installed on the server. Turn this text into a QR code with any offline QR
      generator (or ask the operator to run <code>npm install qrcode</code>), then scan it:</p>
      <pre id="qr-text"></pre>
    </div>
    <div id="pairing" hidden>
      <p>Or choose "Link with phone number instead" on the phone and enter this code:</p>
      <p class="code" id="pairing-code"></p>
    </div>
  </div>
  <p id="linked" hidden>The phone is linked; nothing to scan.</p>
</section>
<p id="message" role="status"></p>
</main>
</body>
</html>
`;

const pageCss = `body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}main{max-width:42rem}
label{display:block;margin:.5rem 0}input{margin-left:.5rem}pre{white-space:pre-wrap;word-break:break-all;background:#f3f3f3;padding:.75rem}
#qr-image{width:18rem;height:18rem;image-rendering:pixelated}.code{font-size:2rem;letter-spacing:.3rem;font-family:monospace}
#message{color:#a40000}`;

const pageScript = `'use strict';
(function () {
  const tokenKey = 'santushti.staffToken';
  const $ = (id) => document.getElementById(id);
  let timer;

  function show(id, visible) { $(id).hidden = !visible; }
  function say(text) { $('message').textContent = text; }

  async function refresh() {
    clearTimeout(timer);
    const token = sessionStorage.getItem(tokenKey);
    if (!token) { show('login', true); show('panel', false); return; }
    let response;
    try {
      response = await fetch('qr', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    } catch (error) {
      say('The server did not answer; trying again.');
      timer = setTimeout(refresh, 5000);
      return;
    }
    if (response.status === 401) { sessionStorage.removeItem(tokenKey); say('Please log in again.'); show('login', true); show('panel', false); return; }
    if (response.status === 403) { say('Only supervisors can link the helpline\\'s WhatsApp.'); show('login', true); show('panel', false); return; }
    if (!response.ok) { say('Could not read the state (' + response.status + '); trying again.'); timer = setTimeout(refresh, 5000); return; }
    const view = await response.json();
    say('');
    show('login', false);
    show('panel', true);
    $('state').textContent = view.state;
    const linking = Boolean(view.qr || view.pairingCode);
    show('link', linking);
    show('linked', view.state === 'ready');
    show('qr-image', Boolean(view.qr && view.qr.svg));
    show('qr-text-box', Boolean(view.qr && !view.qr.svg));
    if (view.qr && view.qr.svg) $('qr-image').src = view.qr.svg;
    if (view.qr && !view.qr.svg) $('qr-text').textContent = view.qr.text;
    show('pairing', Boolean(view.pairingCode));
    if (view.pairingCode) $('pairing-code').textContent = view.pairingCode.code;
    timer = setTimeout(refresh, view.state === 'ready' ? 30000 : 4000);
  }

  function start() {
    $('login').addEventListener('submit', async (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      const response = await fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
      }).catch(() => undefined);
      if (!response || !response.ok) { say('Login failed.'); return; }
      const body = await response.json();
      sessionStorage.setItem(tokenKey, body.token);
      event.target.reset();
      refresh();
    });
    $('logout').addEventListener('click', async () => {
      const token = sessionStorage.getItem(tokenKey);
      sessionStorage.removeItem(tokenKey);
      if (token) await fetch('/api/auth/logout', { method: 'POST', headers: { authorization: 'Bearer ' + token } }).catch(() => undefined);
      refresh();
    });
    refresh();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
`;
