// The officer page's service worker: keeps the page's shell (HTML, script, style, manifest, icon) so the page opens
// with no signal, and shows it again when the network is gone. API calls are never cached (tickets, evidence and
// tokens stay on the server); the page itself says it is offline when they fail.
'use strict';

const SHELL_CACHE = 'santushti-officer-shell-v1';
const SHELL = ['/officer', '/officer/officer.js', '/officer/officer.css', '/officer/manifest.webmanifest', '/officer/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== SHELL_CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return;
  // Network first, so a new version is picked up at once; the cached copy when there is no network.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(SHELL_CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((cached) => cached ?? Response.error())),
  );
});

// Officer alerts (Web Push): a new assignment, an escalation, an emergency or a rejected claim, sent by the helpline
// encrypted for this browser. Shown as a notification (text only); tapping it opens the worklist.
self.addEventListener('push', (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = { title: 'Santushti', body: event.data ? event.data.text() : '' };
  }
  const title = typeof alert.title === 'string' ? alert.title : 'Santushti';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof alert.body === 'string' ? alert.body : '',
      tag: typeof alert.ticketNumber === 'string' ? alert.ticketNumber : undefined,
      renotify: true,
      requireInteraction: alert.emergency === true,
      icon: '/officer/icon.svg',
      data: { url: '/officer' },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).pathname.startsWith('/officer'));
      return open ? open.focus() : self.clients.openWindow('/officer');
    }),
  );
});
