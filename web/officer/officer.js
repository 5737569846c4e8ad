// The officer page. Talks to the staff API with the session token kept in sessionStorage (gone when the tab closes).
// Every text that came from a consumer or a ticket is written with textContent; evidence files are fetched with the
// token and shown from blob: URLs, never from a public link. Nothing here can close a ticket: only the consumer's "yes".
'use strict';

(() => {
  const TOKEN_KEY = 'santushti.officer.token';
  const LANGUAGE_KEY = 'santushti.officer.language';
  const TEXTS = {
    en: {
      title: 'Santushti — Officer',
      logout: 'Log out',
      offline: 'Offline — showing what was last loaded.',
      loginTitle: 'Log in',
      username: 'Username',
      password: 'Password',
      loginButton: 'Log in',
      loginFailed: 'Wrong username or password.',
      notOfficer: 'This page is for officers. Agents and supervisors use the agent console.',
      queue: 'My tickets',
      refresh: 'Refresh',
      queueEmpty: 'No open tickets.',
      incidents: 'Incidents',
      back: '← My tickets',
      status: 'Status',
      timeLeft: 'Time left',
      category: 'Category',
      words: "Consumer's words",
      place: 'Place',
      landmark: 'Landmark / address',
      mobile: 'Mobile',
      media: 'Photos, voice and files',
      noMedia: 'None.',
      actions: 'Actions',
      notYours: 'This ticket is not at your level now; you can read it only.',
      start: 'Accept and start work',
      progressTitle: 'Progress note (the consumer is told)',
      note: 'Note',
      eta: 'Expected time (optional)',
      sendProgress: 'Send progress',
      claimTitle: 'Claim resolution (the consumer will be asked; only their "yes" closes it)',
      photo: 'Photo (camera)',
      meter: 'Meter reading (kWh, optional)',
      claim: 'Claim resolution',
      reassignTitle: 'Ask for reassignment',
      reason: 'Reason',
      reassign: 'Ask for reassignment',
      history: 'History',
      who: (name, level) => `${name} · ${level}`,
      counts: { total: 'open', overdue: 'overdue', emergencies: 'emergencies', awaiting: "awaiting consumer's answer" },
      etaSuffix: (time) => ` — expected by ${time}`,
      due: (text) => `time left ${text}`,
      overdueBy: (text) => `overdue by ${text}`,
      noClock: "no clock — the consumer's answer is awaited",
      emergency: 'EMERGENCY',
      started: 'Work started.',
      progressSent: 'Progress sent to the consumer.',
      claimed: 'Resolution claimed; the consumer is being asked.',
      reassignAsked: 'Reassignment asked for.',
      needNote: 'Write a note first.',
      sessionEnded: 'Your session ended; log in again.',
      failed: 'That did not work:',
      photoType: 'The photo must be a JPEG or PNG image.',
      openFile: 'open file',
      voice: 'Voice note',
      photoAlt: 'Photo (tap for the full picture)',
      alertsTitle: 'Alerts without watching this page',
      notifyMe: 'Notify me on this phone',
      pushOn: (count) => `Phone notifications: on (${count} browser${count === 1 ? '' : 's'}).`,
      pushOff: 'Phone notifications: off.',
      pushUnavailable: 'This browser or helpline cannot send notifications.',
      pushDenied: 'Notifications are blocked for this page in the browser settings.',
      pushDone: 'This phone will be notified of new, escalated, emergency and rejected tickets.',
      whatsAppNumber: 'My WhatsApp number for alerts',
      saveWhatsApp: 'Save',
      whatsAppOn: (number) => `WhatsApp alerts go to ${number}. Messages from that number are not taken as complaints.`,
      whatsAppOff: 'No WhatsApp number for alerts.',
      whatsAppUnavailable: 'WhatsApp alerts are not set up on this helpline.',
      pin: 'Location pin',
      noPin: 'None.',
      openMap: 'open in maps',
      by: 'by',
      consumer: 'the consumer',
      categories: { supply: 'No supply', bill: 'Bill', meter: 'Meter', transformer: 'Transformer', new_connection: 'New connection', theft: 'Theft' },
      statuses: {
        registered: 'registered',
        assigned: 'assigned',
        in_progress: 'in progress',
        awaiting_confirmation: "awaiting the consumer's answer",
        reopened: 'reopened',
        unconfirmed: 'no answer (callback)',
        closed: 'closed by the consumer',
      },
      events: {
        registered: 'registered',
        assigned: 'assigned',
        work_started: 'work started',
        progress_noted: 'progress',
        resolution_claimed: 'resolution claimed',
        claim_shown: 'shown to the consumer',
        confirmation_requested: 'consumer asked again',
        confirmed: 'confirmed by the consumer',
        rejected: 'the consumer said no',
        reopened: 'reopened',
        escalated: 'escalated',
        unconfirmed: 'no answer',
        closure_refused: 'closure refused',
        reassignment_requested: 'reassignment asked for',
        media_added: 'the consumer sent a file',
        location_shared: 'the consumer shared a location pin',
      },
    },
    hi: {
      title: 'संतुष्टि — अधिकारी',
      logout: 'लॉग आउट',
      offline: 'ऑफ़लाइन — पिछली बार लोड की गई जानकारी दिख रही है।',
      loginTitle: 'लॉग इन',
      username: 'यूज़रनेम',
      password: 'पासवर्ड',
      loginButton: 'लॉग इन करें',
      loginFailed: 'यूज़रनेम या पासवर्ड गलत है।',
      notOfficer: 'यह पेज अधिकारियों के लिए है। एजेंट और सुपरवाइज़र एजेंट कंसोल इस्तेमाल करें।',
      queue: 'मेरी शिकायतें',
      refresh: 'ताज़ा करें',
      queueEmpty: 'कोई खुली शिकायत नहीं।',
      incidents: 'घटनाएँ',
      back: '← मेरी शिकायतें',
      status: 'स्थिति',
      timeLeft: 'बचा समय',
      category: 'श्रेणी',
      words: 'उपभोक्ता के शब्द',
      place: 'स्थान',
      landmark: 'पहचान का स्थान / पता',
      mobile: 'मोबाइल',
      media: 'फ़ोटो, आवाज़ और फ़ाइलें',
      noMedia: 'कुछ नहीं।',
      actions: 'कार्रवाई',
      notYours: 'यह शिकायत अभी आपके स्तर पर नहीं है; आप केवल पढ़ सकते हैं।',
      start: 'स्वीकार करें और काम शुरू करें',
      progressTitle: 'प्रगति नोट (उपभोक्ता को बताया जाता है)',
      note: 'नोट',
      eta: 'अनुमानित समय (वैकल्पिक)',
      sendProgress: 'प्रगति भेजें',
      claimTitle: 'समाधान का दावा (उपभोक्ता से पूछा जाएगा; केवल उनकी "हाँ" से बंद होगी)',
      photo: 'फ़ोटो (कैमरा)',
      meter: 'मीटर रीडिंग (kWh, वैकल्पिक)',
      claim: 'समाधान का दावा करें',
      reassignTitle: 'दूसरे को सौंपने का अनुरोध',
      reason: 'कारण',
      reassign: 'दूसरे को सौंपने का अनुरोध करें',
      history: 'इतिहास',
      who: (name, level) => `${name} · ${level}`,
      counts: { total: 'खुली', overdue: 'समय पार', emergencies: 'आपात', awaiting: 'उपभोक्ता के जवाब का इंतज़ार' },
      etaSuffix: (time) => ` — ${time} तक होने की उम्मीद`,
      due: (text) => `बचा समय ${text}`,
      overdueBy: (text) => `${text} से समय पार`,
      noClock: 'घड़ी रुकी है — उपभोक्ता के जवाब का इंतज़ार',
      emergency: 'आपात',
      started: 'काम शुरू हुआ।',
      progressSent: 'प्रगति उपभोक्ता को भेजी गई।',
      claimed: 'समाधान का दावा दर्ज; उपभोक्ता से पूछा जा रहा है।',
      reassignAsked: 'दूसरे को सौंपने का अनुरोध दर्ज हुआ।',
      needNote: 'पहले नोट लिखें।',
      sessionEnded: 'आपका सत्र समाप्त हुआ; फिर से लॉग इन करें।',
      failed: 'यह नहीं हो सका:',
      photoType: 'फ़ोटो JPEG या PNG होनी चाहिए।',
      openFile: 'फ़ाइल खोलें',
      voice: 'वॉइस नोट',
      photoAlt: 'फ़ोटो (पूरी तस्वीर के लिए छुएँ)',
      alertsTitle: 'पेज देखे बिना सूचना',
      notifyMe: 'इस फ़ोन पर सूचना दें',
      pushOn: (count) => `फ़ोन सूचनाएँ: चालू (${count} ब्राउज़र)।`,
      pushOff: 'फ़ोन सूचनाएँ: बंद।',
      pushUnavailable: 'यह ब्राउज़र या हेल्पलाइन सूचनाएँ नहीं भेज सकता।',
      pushDenied: 'ब्राउज़र सेटिंग में इस पेज की सूचनाएँ बंद हैं।',
      pushDone: 'नई, एस्केलेट हुई, आपातकालीन और अस्वीकृत शिकायतों की सूचना इस फ़ोन पर आएगी।',
      whatsAppNumber: 'सूचना के लिए मेरा WhatsApp नंबर',
      saveWhatsApp: 'सहेजें',
      whatsAppOn: (number) => `WhatsApp सूचनाएँ ${number} पर जाएँगी। उस नंबर से आए संदेश शिकायत नहीं माने जाते।`,
      whatsAppOff: 'सूचना के लिए कोई WhatsApp नंबर नहीं।',
      whatsAppUnavailable: 'इस हेल्पलाइन पर WhatsApp सूचनाएँ चालू नहीं हैं।',
      pin: 'लोकेशन पिन',
      noPin: 'कुछ नहीं।',
      openMap: 'मैप में खोलें',
      by: 'द्वारा',
      consumer: 'उपभोक्ता',
      categories: { supply: 'बिजली नहीं', bill: 'बिल', meter: 'मीटर', transformer: 'ट्रांसफ़ॉर्मर', new_connection: 'नया कनेक्शन', theft: 'चोरी' },
      statuses: {
        registered: 'दर्ज',
        assigned: 'सौंपी गई',
        in_progress: 'काम चल रहा है',
        awaiting_confirmation: 'उपभोक्ता के जवाब का इंतज़ार',
        reopened: 'फिर से खुली',
        unconfirmed: 'जवाब नहीं (कॉलबैक)',
        closed: 'उपभोक्ता ने बंद की',
      },
      events: {
        registered: 'दर्ज हुई',
        assigned: 'सौंपी गई',
        work_started: 'काम शुरू',
        progress_noted: 'प्रगति',
        resolution_claimed: 'समाधान का दावा',
        claim_shown: 'उपभोक्ता को दिखाया गया',
        confirmation_requested: 'उपभोक्ता से फिर पूछा',
        confirmed: 'उपभोक्ता ने पुष्टि की',
        rejected: 'उपभोक्ता ने मना किया',
        reopened: 'फिर से खुली',
        escalated: 'ऊपर भेजी गई',
        unconfirmed: 'जवाब नहीं',
        closure_refused: 'बंद करने से इनकार',
        reassignment_requested: 'दूसरे को सौंपने का अनुरोध',
        media_added: 'उपभोक्ता ने फ़ाइल भेजी',
        location_shared: 'उपभोक्ता ने लोकेशन पिन भेजा',
      },
    },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    language: localStorage.getItem(LANGUAGE_KEY) === 'hi' ? 'hi' : (navigator.language || '').startsWith('hi') ? 'hi' : 'en',
    queue: null,
    ticket: null,
    blobUrls: [],
    alerts: null,
  };
  const t = () => TEXTS[state.language];

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body, headers = {}) {
    const init = { method, headers: { ...headers, authorization: `Bearer ${state.token}` } };
    if (body instanceof Blob) init.body = body;
    else if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      setOffline(true);
      throw error;
    }
    setOffline(false);
    if (response.status === 401) {
      endSession(t().sessionEnded);
      throw new ApiError(401, t().sessionEnded);
    }
    if (!response.ok) {
      const detail = await response.json().catch(() => ({}));
      throw new ApiError(response.status, (detail.error && detail.error.message) || String(response.status));
    }
    return response;
  }
  const apiJson = async (method, path, body) => (await api(method, path, body)).json();

  function setOffline(offline) {
    $('offline').hidden = !offline;
  }

  function say(text) {
    $('status').textContent = text;
  }

  function applyLanguage() {
    document.documentElement.lang = state.language;
    for (const element of document.querySelectorAll('[data-i18n]')) {
      const text = t()[element.dataset.i18n];
      if (typeof text === 'string') element.textContent = text;
    }
    document.title = t().title;
    const toggle = $('language-toggle');
    toggle.textContent = state.language === 'hi' ? 'English' : 'हिन्दी';
    toggle.lang = state.language === 'hi' ? 'en' : 'hi';
    if (state.queue) renderQueue(state.queue);
    if (state.ticket) renderTicket(state.ticket);
    renderAlerts();
  }

  // ── Login ────────────────────────────────────────────────────────────────────────────────────────────────────
  async function login(event) {
    event.preventDefault();
    const form = $('login-form');
    $('login-error').textContent = '';
    const credentials = { username: form.elements.username.value.trim(), password: form.elements.password.value };
    let response;
    try {
      response = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    } catch {
      setOffline(true);
      return;
    }
    if (!response.ok) {
      $('login-error').textContent = t().loginFailed;
      return;
    }
    const result = await response.json();
    if (result.user.role !== 'officer') {
      state.token = result.token;
      await api('POST', '/api/auth/logout').catch(() => undefined);
      state.token = null;
      $('login-error').textContent = t().notOfficer;
      return;
    }
    state.token = result.token;
    sessionStorage.setItem(TOKEN_KEY, result.token);
    form.reset();
    await showQueue();
  }

  function endSession(message) {
    state.token = null;
    state.queue = null;
    state.alerts = null;
    state.ticket = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $('queue-view').hidden = true;
    $('ticket-view').hidden = true;
    $('logout').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = message || '';
  }

  async function logout() {
    await api('POST', '/api/auth/logout').catch(() => undefined);
    endSession('');
  }

  // ── The worklist ─────────────────────────────────────────────────────────────────────────────────────────────
  async function loadQueue() {
    state.queue = await apiJson('GET', '/api/officer/queue');
    renderQueue(state.queue);
  }

  // ── Alerts: Web Push ("notify me") and the officer's WhatsApp number ───────────────────────────────────────────
  async function loadAlerts() {
    state.alerts = await apiJson('GET', '/api/officer/alerts');
    renderAlerts();
  }

  function pushSupported() {
    return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  }

  function renderAlerts() {
    const alerts = state.alerts;
    if (!alerts) return;
    const texts = t();
    const canPush = alerts.push.available && pushSupported();
    $('notify-me').hidden = !canPush;
    $('push-state').textContent = !canPush ? texts.pushUnavailable : alerts.push.subscriptions > 0 ? texts.pushOn(alerts.push.subscriptions) : texts.pushOff;
    $('whatsapp-form').hidden = !alerts.whatsApp.available;
    $('whatsapp-state').textContent = !alerts.whatsApp.available ? texts.whatsAppUnavailable : alerts.whatsApp.number ? texts.whatsAppOn(alerts.whatsApp.number) : texts.whatsAppOff;
  }

  /** The VAPID public key (base64url) as PushManager.subscribe wants it. */
  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (character) => character.charCodeAt(0));
  }

  async function notifyMe() {
    $('alerts-error').textContent = '';
    try {
      if (!state.alerts || !state.alerts.push.publicKey || !pushSupported()) throw new Error(t().pushUnavailable);
      if ((await Notification.requestPermission()) !== 'granted') throw new Error(t().pushDenied);
      const registration = await navigator.serviceWorker.ready;
      const subscription =
        (await registration.pushManager.getSubscription()) ||
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(state.alerts.push.publicKey) }));
      state.alerts = await apiJson('POST', '/api/officer/alerts/push', subscription.toJSON());
      renderAlerts();
      say(t().pushDone);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) $('alerts-error').textContent = `${t().failed} ${error.message}`;
    }
  }

  async function saveWhatsApp(event) {
    event.preventDefault();
    $('alerts-error').textContent = '';
    const value = event.target.elements.number.value.trim();
    try {
      state.alerts = await apiJson('PUT', '/api/officer/alerts/whatsapp', { number: value === '' ? null : value });
      event.target.reset();
      renderAlerts();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) $('alerts-error').textContent = `${t().failed} ${error.message}`;
    }
  }

  async function showQueue() {
    $('login-view').hidden = true;
    $('ticket-view').hidden = true;
    $('queue-view').hidden = false;
    $('logout').hidden = false;
    state.ticket = null;
    releaseBlobs();
    try {
      await loadQueue();
      if (!state.alerts) await loadAlerts();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) say(`${t().failed} ${error.message}`);
    }
  }

  function durationText(ms) {
    const minutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const rest = minutes % 60;
    if (days > 0) return `${days}d ${hours}h`;
    if (hours > 0) return `${hours}h ${String(rest).padStart(2, '0')}m`;
    return `${rest}m`;
  }

  function timeLeftText(ticket) {
    if (!ticket.dueAt) return t().noClock;
    const left = Date.parse(ticket.dueAt) - Date.now();
    return left > 0 ? t().due(durationText(left)) : t().overdueBy(durationText(left));
  }

  function renderQueue(queue) {
    const texts = t();
    $('who').textContent = texts.who(queue.officer.name || queue.officer.id, queue.officer.level || '');
    const counts = $('counts');
    counts.replaceChildren();
    const awaiting = (queue.counts.byStatus.awaiting_confirmation || 0) + (queue.counts.byStatus.unconfirmed || 0);
    for (const [key, value] of [['total', queue.counts.total], ['overdue', queue.counts.overdue], ['emergencies', queue.counts.emergencies], ['awaiting', awaiting]]) {
      const item = document.createElement('li');
      item.dataset.count = key;
      if ((key === 'overdue' || key === 'emergencies') && value > 0) item.className = 'alert';
      item.textContent = `${value} ${texts.counts[key]}`;
      counts.append(item);
    }
    $('queue-empty').hidden = queue.tickets.length > 0;
    const list = $('queue-list');
    list.replaceChildren();
    for (const ticket of queue.tickets) {
      const item = document.createElement('li');
      item.className = [ticket.emergency ? 'emergency' : '', ticket.overdue ? 'overdue' : ''].join(' ').trim();
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.number = ticket.number;
      const line = document.createElement('span');
      line.className = 'ticket-line';
      line.textContent = `${ticket.emergency ? `${texts.emergency} · ` : ''}${ticket.number} · ${texts.categories[ticket.category] || ticket.category}`;
      const place = document.createElement('span');
      place.className = 'ticket-sub';
      place.textContent = [ticket.place.locality, ticket.place.addressText].filter(Boolean).join(' — ') || ticket.place.district;
      const due = document.createElement('span');
      due.className = 'ticket-sub due';
      due.textContent = `${texts.statuses[ticket.status] || ticket.status} · ${timeLeftText(ticket)}`;
      button.append(line, place, due);
      button.addEventListener('click', () => openTicket(ticket.number));
      item.append(button);
      list.append(item);
    }
    const incidents = Array.isArray(queue.incidents) ? queue.incidents : [];
    $('incidents').hidden = incidents.length === 0;
  }

  // ── One ticket ───────────────────────────────────────────────────────────────────────────────────────────────
  async function openTicket(number) {
    say('');
    $('action-error').textContent = '';
    try {
      const { ticket } = await apiJson('GET', `/api/tickets/${encodeURIComponent(number)}`);
      state.ticket = ticket;
      $('queue-view').hidden = true;
      $('ticket-view').hidden = false;
      renderTicket(ticket);
      await renderMedia(ticket);
      $('ticket-title').focus();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) say(`${t().failed} ${error.message}`);
    }
  }

  function queueEntry(number) {
    return state.queue && state.queue.tickets.find((entry) => entry.number === number);
  }

  function renderTicket(ticket) {
    const texts = t();
    $('ticket-title').textContent = `${ticket.number} · ${texts.categories[ticket.category] || ticket.category}`;
    $('ticket-title').tabIndex = -1;
    $('ticket-status').textContent = `${texts.statuses[ticket.status] || ticket.status} · ${ticket.level}${ticket.officer ? ` · ${ticket.officer.name}` : ''}`;
    const entry = queueEntry(ticket.number);
    $('ticket-time').textContent = entry ? timeLeftText(entry) : '—';
    $('ticket-category').textContent = texts.categories[ticket.category] || ticket.category;
    $('ticket-words').textContent = ticket.description;
    $('ticket-place').textContent = [ticket.place.locality, ticket.place.subDivision, ticket.place.district].filter(Boolean).join(', ');
    $('ticket-landmark').textContent = ticket.place.addressText || '—';
    $('ticket-mobile').textContent = ticket.consumer.mobile;
    const mine = Boolean(entry);
    $('not-yours').hidden = mine;
    $('start').hidden = !mine || !['assigned', 'reopened'].includes(ticket.status);
    const workable = mine && ['assigned', 'in_progress', 'reopened'].includes(ticket.status);
    $('progress-form').hidden = !workable;
    $('claim-form').hidden = !workable;
    $('reassign-form').hidden = !workable && !(mine && ticket.status === 'registered');

    const history = $('history');
    history.replaceChildren();
    for (const event of [...ticket.events].reverse()) {
      const item = document.createElement('li');
      item.className = 'event';
      item.dataset.type = event.type.replace(/^ticket\./, '');
      const when = document.createElement('span');
      when.className = 'when';
      when.textContent = new Date(event.at).toLocaleString(state.language === 'hi' ? 'hi-IN' : 'en-IN');
      const what = document.createElement('span');
      const label = (event.data && event.data.kind === 'location' ? texts.events.location_shared : texts.events[item.dataset.type]) || event.type;
      const who = event.actor.name || event.actor.id;
      what.textContent = `${label} — ${texts.by} ${event.actor.role === 'consumer' ? texts.consumer : who}${event.level ? ` (${event.level})` : ''}`;
      item.append(when, what);
      if (event.evidence && event.evidence.note) {
        const note = document.createElement('div');
        note.className = 'note';
        note.textContent = event.evidence.note;
        item.append(note);
      }
      if (event.evidence && typeof event.evidence.meterReadingKwh === 'number') {
        const meter = document.createElement('div');
        meter.textContent = `${event.evidence.meterReadingKwh} kWh`;
        item.append(meter);
      }
      history.append(item);
    }
  }

  function releaseBlobs() {
    for (const url of state.blobUrls) URL.revokeObjectURL(url);
    state.blobUrls = [];
  }

  /** A file of this API fetched with the session and kept as a blob: URL (released when another ticket opens). */
  async function blobUrlOf(path) {
    const response = await api('GET', path);
    const url = URL.createObjectURL(await response.blob());
    state.blobUrls.push(url);
    return url;
  }

  /** The consumer's location pins: the coordinates as text and a geo: link that opens the phone's own maps app. */
  function renderPins(locations) {
    const list = $('ticket-pins');
    list.replaceChildren();
    $('no-pin').hidden = locations.length > 0;
    for (const pin of locations) {
      const item = document.createElement('li');
      const coordinates = `${pin.latitude.toFixed(5)}, ${pin.longitude.toFixed(5)}`;
      const link = document.createElement('a');
      link.href = `geo:${pin.latitude},${pin.longitude}`;
      link.textContent = `📍 ${coordinates}`;
      link.setAttribute('aria-label', `${t().pin} ${coordinates} — ${t().openMap}`);
      const when = document.createElement('span');
      when.className = 'muted';
      when.textContent = ` (${pin.by === 'consumer' ? t().consumer : pin.by}, ${new Date(pin.at).toLocaleString(state.language === 'hi' ? 'hi-IN' : 'en-IN')})`;
      item.append(link, when);
      list.append(item);
    }
  }

  /**
   * The ticket's files (GET /api/tickets/{n}/media): photos as the server's re-encoded thumbnails (tap for the full
   * picture), voice notes in a player, other files to save — all fetched with the session, never from a public link.
   */
  async function renderMedia(ticket) {
    releaseBlobs();
    const list = $('media');
    list.replaceChildren();
    let media = [];
    try {
      const found = await apiJson('GET', `/api/tickets/${encodeURIComponent(ticket.number)}/media`);
      media = found.media;
      renderPins(found.locations);
    } catch (error) {
      $('media-empty').hidden = false;
      $('media-empty').textContent = `${t().failed} ${error.message}`;
      return;
    }
    $('media-empty').textContent = t().noMedia;
    $('media-empty').hidden = media.length > 0;
    for (const file of media) {
      const item = document.createElement('li');
      item.dataset.evidence = file.id;
      item.dataset.kind = file.kind;
      const from = file.uploadedBy.role === 'consumer' ? t().consumer : file.uploadedBy.name || file.uploadedBy.id;
      list.append(item);
      try {
        if (file.kind === 'photo') {
          const open = document.createElement('button');
          open.type = 'button';
          open.className = 'thumbnail';
          const image = document.createElement('img');
          image.src = await blobUrlOf(file.thumbnailUrl);
          image.alt = `${t().photoAlt} — ${from}`;
          open.append(image);
          open.addEventListener('click', async () => {
            const full = document.createElement('img');
            full.className = 'full';
            full.alt = image.alt;
            full.src = await blobUrlOf(file.url);
            open.replaceWith(full);
          });
          item.append(open);
        } else if (file.kind === 'voice') {
          const audio = document.createElement('audio');
          audio.controls = true;
          audio.preload = 'metadata';
          audio.src = await blobUrlOf(file.url);
          audio.setAttribute('aria-label', `${t().voice} — ${from}`);
          item.append(audio);
        } else {
          const link = document.createElement('a');
          link.href = await blobUrlOf(file.url);
          link.download = file.id;
          link.textContent = `${t().openFile} (${file.contentType}) — ${from}`;
          item.append(link);
        }
      } catch (error) {
        item.textContent = `${file.id}: ${error.message}`;
      }
    }
  }

  async function act(run, done) {
    $('action-error').textContent = '';
    const number = state.ticket.number;
    try {
      await run(number);
      say(done);
      await loadQueue().catch(() => undefined);
      await openTicket(number);
      say(done);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) $('action-error').textContent = `${t().failed} ${error.message}`;
    }
  }

  function noteOf(form) {
    const note = form.elements.note.value.trim();
    if (!note) {
      $('action-error').textContent = t().needNote;
      form.elements.note.focus();
    }
    return note;
  }

  async function uploadPhoto(number, file) {
    if (file.type !== 'image/jpeg' && file.type !== 'image/png') throw new Error(t().photoType);
    const response = await api('POST', `/api/tickets/${encodeURIComponent(number)}/evidence`, file, {
      'content-type': file.type,
      'x-evidence-filename': encodeURIComponent(file.name),
    });
    return (await response.json()).evidence.id;
  }

  function wire() {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('refresh').addEventListener('click', () => showQueue());
    $('notify-me').addEventListener('click', () => void notifyMe());
    $('whatsapp-form').addEventListener('submit', (event) => void saveWhatsApp(event));
    $('back').addEventListener('click', () => showQueue());
    $('language-toggle').addEventListener('click', () => {
      state.language = state.language === 'hi' ? 'en' : 'hi';
      localStorage.setItem(LANGUAGE_KEY, state.language);
      applyLanguage();
    });
    $('start').addEventListener('click', () => act((number) => apiJson('POST', `/api/tickets/${encodeURIComponent(number)}/start`, {}), t().started));
    $('progress-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const form = event.target;
      const note = noteOf(form);
      if (!note) return;
      const eta = form.elements.eta.value;
      void act(async (number) => {
        await apiJson('POST', `/api/tickets/${encodeURIComponent(number)}/progress`, { note: `${note}${eta ? t().etaSuffix(eta) : ''}` });
        form.reset();
      }, t().progressSent);
    });
    $('claim-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const form = event.target;
      const note = noteOf(form);
      if (!note) return;
      void act(async (number) => {
        const evidence = {};
        const file = form.elements.photo.files[0];
        if (file) evidence.files = [await uploadPhoto(number, file)];
        const meter = form.elements.meter.value.trim();
        if (meter !== '') evidence.meterReadingKwh = Number(meter);
        await apiJson('POST', `/api/tickets/${encodeURIComponent(number)}/resolution`, Object.keys(evidence).length > 0 ? { note, evidence } : { note });
        form.reset();
      }, t().claimed);
    });
    $('reassign-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const form = event.target;
      const note = noteOf(form);
      if (!note) return;
      void act(async (number) => {
        await apiJson('POST', `/api/tickets/${encodeURIComponent(number)}/reassignment-request`, { note });
        form.reset();
      }, t().reassignAsked);
    });
    // The worklist refreshes itself while it is shown, so an escalation arrives without a reload.
    setInterval(() => {
      if (state.token && !$('queue-view').hidden) void loadQueue().catch(() => undefined);
    }, 15_000);
  }

  wire();
  applyLanguage();
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/officer/sw.js', { scope: '/officer' }).catch(() => undefined);
  if (state.token) void showQueue();
})();
