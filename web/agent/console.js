// The agent console. Talks to the staff API with the session token kept in sessionStorage (gone when the tab closes),
// and listens to GET /api/handoffs/stream (Server-Sent Events read through fetch, since EventSource cannot send the
// Authorization header). Every text that came from a consumer, the bot or a ticket is written with textContent:
// nothing received is ever parsed as HTML.
'use strict';

(() => {
  const TEXTS = {
    en: {
      title: 'Santushti — Agent console',
      logout: 'Log out',
      loginTitle: 'Log in',
      username: 'Username',
      password: 'Password',
      loginButton: 'Log in',
      loginFailed: 'Wrong username or password.',
      notDesk: 'This console is for agents and supervisors.',
      queue: 'Queue',
      queueEmpty: 'Nobody is waiting.',
      conversation: 'Conversation',
      pickConversation: 'Pick a conversation from the queue.',
      accept: 'Accept',
      handBack: 'Hand back to the bot',
      transcript: 'Before the request',
      messages: 'Messages',
      reply: 'Reply',
      enterSends: 'Enter sends, Shift+Enter for a new line',
      send: 'Send',
      tickets: "Consumer's tickets",
      noTickets: 'No tickets.',
      recordTitle: 'Record progress or a resolution claim',
      kind: 'What',
      progress: 'Progress note',
      resolution: 'Resolution claim (the consumer will be asked)',
      note: 'Note',
      evidence: 'Evidence (JPEG, PNG or PDF, up to 2 MB each)',
      record: 'Record',
      recorded: 'Recorded.',
      openTicket: 'Open a ticket for this consumer',
      category: 'Category',
      cat_supply: 'No supply',
      emergency: 'EMERGENCY',
      incident: 'Area outage', incidentReports: 'reports', incidentEta: 'expected back',
      cat_bill: 'Bill',
      cat_meter: 'Meter',
      cat_transformer: 'Transformer',
      cat_new_connection: 'New connection',
      cat_theft: 'Theft',
      district: 'District',
      locality: 'Locality',
      mobile: "Consumer's mobile",
      account: 'Account number (optional)',
      description: 'Description',
      openButton: 'Open ticket',
      ticketOpened: (number) => `Ticket ${number} opened.`,
      ticketExisting: (number) => `The consumer already has open ticket ${number} for this.`,
      waitingTitle: 'Waiting for a person',
      callbacksTitle: 'Callbacks to make',
      callbacksEmpty: 'No callbacks queued.',
      unassignedTitle: 'Tickets with no officer (unassigned, out of area)',
      unassignedEmpty: 'None.',
      callbackLine: (entry) =>
        `${entry.ticketNumber ? `ticket ${entry.ticketNumber}` : 'asked for a call'} · ${entry.mobile} · since ${new Date(entry.createdAt).toLocaleString('en-IN')}${entry.claimedBy ? ` · taken by ${entry.claimedBy.name || entry.claimedBy.username}` : ''}`,
      unassignedLine: (ticket) => `${ticket.number} · ${ticket.category} · ${ticket.place.addressText || ticket.place.locality || ticket.place.district}`,
      connected: 'Live',
      connecting: 'Connecting…',
      reconnecting: (seconds) => `Connection lost — retrying in ${seconds} s`,
      offline: 'Offline',
      position: (n) => `#${n} waiting`,
      withAgent: (name) => `with ${name}`,
      waited: (time) => `waited ${time}`,
      reasons: { asked: 'asked for a person', not_understood: 'bot did not understand', upset: 'upset' },
      statuses: { waiting: 'waiting', accepted: 'accepted', completed: 'handed back', failed: 'cancelled' },
      ticketStatuses: {
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
        rejected: 'rejected by the consumer',
        reopened: 'reopened',
        escalated: 'escalated',
        unconfirmed: 'no answer',
        closure_refused: 'closure refused',
        reassignment_requested: 'officer asked for reassignment',
        media_added: 'the consumer sent a file',
        incident_linked: 'linked to an area outage',
        incident_detached: 'taken out of the area outage',
        incident_update: 'area outage news sent',
      },
      incidentStatuses: { reported: 'reported', crew_assigned: 'crew assigned', work_in_progress: 'work in progress', restored: 'restored', merged: 'merged' },
      from: { consumer: 'Consumer', bot: 'Bot', agent: 'Agent' },
      languages: { hi: 'Hindi', en: 'English' },
      toggle: 'हिन्दी',
      download: 'download',
      photo: 'Photo (click for the full picture)',
      voice: 'Voice note',
      consumer: 'the consumer',
      by: 'by',
      sessionEnded: 'Your session ended; log in again.',
      replaced: 'This console is open in too many tabs; this one stopped updating. Reload it to continue here.',
      failed: 'That did not work:',
    },
    hi: {
      title: 'संतुष्टि — एजेंट कंसोल',
      logout: 'लॉग आउट',
      loginTitle: 'लॉग इन',
      username: 'यूज़रनेम',
      password: 'पासवर्ड',
      loginButton: 'लॉग इन करें',
      loginFailed: 'यूज़रनेम या पासवर्ड गलत है।',
      notDesk: 'यह कंसोल एजेंट और सुपरवाइज़र के लिए है।',
      queue: 'कतार',
      queueEmpty: 'कोई प्रतीक्षा में नहीं है।',
      conversation: 'बातचीत',
      pickConversation: 'कतार से कोई बातचीत चुनें।',
      accept: 'स्वीकार करें',
      handBack: 'बॉट को वापस सौंपें',
      transcript: 'अनुरोध से पहले',
      messages: 'संदेश',
      reply: 'जवाब',
      enterSends: 'Enter से भेजें, नई पंक्ति के लिए Shift+Enter',
      send: 'भेजें',
      tickets: 'उपभोक्ता की शिकायतें',
      noTickets: 'कोई शिकायत नहीं।',
      recordTitle: 'प्रगति या समाधान का दावा दर्ज करें',
      kind: 'क्या',
      progress: 'प्रगति नोट',
      resolution: 'समाधान का दावा (उपभोक्ता से पूछा जाएगा)',
      note: 'नोट',
      evidence: 'सबूत (JPEG, PNG या PDF, हर एक 2 MB तक)',
      record: 'दर्ज करें',
      recorded: 'दर्ज हो गया।',
      openTicket: 'इस उपभोक्ता के लिए शिकायत दर्ज करें',
      category: 'श्रेणी',
      cat_supply: 'बिजली नहीं',
      emergency: 'आपातकाल',
      incident: 'क्षेत्र की कटौती', incidentReports: 'रिपोर्ट', incidentEta: 'वापसी की उम्मीद',
      cat_bill: 'बिल',
      cat_meter: 'मीटर',
      cat_transformer: 'ट्रांसफॉर्मर',
      cat_new_connection: 'नया कनेक्शन',
      cat_theft: 'बिजली चोरी',
      district: 'ज़िला',
      locality: 'मोहल्ला / इलाका',
      mobile: 'उपभोक्ता का मोबाइल',
      account: 'खाता संख्या (वैकल्पिक)',
      description: 'विवरण',
      openButton: 'शिकायत दर्ज करें',
      ticketOpened: (number) => `शिकायत ${number} दर्ज हुई।`,
      ticketExisting: (number) => `उपभोक्ता की इसी बारे में शिकायत ${number} पहले से खुली है।`,
      waitingTitle: 'किसी व्यक्ति का इंतज़ार',
      callbacksTitle: 'वापस कॉल करनी है',
      callbacksEmpty: 'कोई कॉल बाकी नहीं।',
      unassignedTitle: 'बिना अधिकारी की शिकायतें (सौंपी नहीं गईं, क्षेत्र से बाहर)',
      unassignedEmpty: 'कोई नहीं।',
      callbackLine: (entry) =>
        `${entry.ticketNumber ? `शिकायत ${entry.ticketNumber}` : 'कॉल का अनुरोध'} · ${entry.mobile} · ${new Date(entry.createdAt).toLocaleString('hi-IN')} से${entry.claimedBy ? ` · ${entry.claimedBy.name || entry.claimedBy.username} ने लिया` : ''}`,
      unassignedLine: (ticket) => `${ticket.number} · ${ticket.category} · ${ticket.place.addressText || ticket.place.locality || ticket.place.district}`,
      connected: 'लाइव',
      connecting: 'जुड़ रहा है…',
      reconnecting: (seconds) => `कनेक्शन टूटा — ${seconds} सेकंड में फिर कोशिश`,
      offline: 'ऑफ़लाइन',
      position: (n) => `प्रतीक्षा में #${n}`,
      withAgent: (name) => `${name} के पास`,
      waited: (time) => `${time} प्रतीक्षा`,
      reasons: { asked: 'व्यक्ति से बात माँगी', not_understood: 'बॉट समझ नहीं पाया', upset: 'नाराज़' },
      statuses: { waiting: 'प्रतीक्षा में', accepted: 'स्वीकृत', completed: 'बॉट को सौंपा', failed: 'रद्द' },
      ticketStatuses: {
        registered: 'दर्ज',
        assigned: 'सौंपी गई',
        in_progress: 'काम जारी',
        awaiting_confirmation: 'उपभोक्ता के जवाब की प्रतीक्षा',
        reopened: 'फिर से खुली',
        unconfirmed: 'जवाब नहीं (कॉलबैक)',
        closed: 'उपभोक्ता ने बंद की',
      },
      events: {
        registered: 'दर्ज',
        assigned: 'सौंपी गई',
        work_started: 'काम शुरू',
        progress_noted: 'प्रगति',
        resolution_claimed: 'समाधान का दावा',
        claim_shown: 'उपभोक्ता को दिखाया',
        confirmation_requested: 'उपभोक्ता से फिर पूछा',
        confirmed: 'उपभोक्ता ने पुष्टि की',
        rejected: 'उपभोक्ता ने अस्वीकार किया',
        reopened: 'फिर से खुली',
        escalated: 'ऊपर भेजी गई',
        unconfirmed: 'जवाब नहीं',
        closure_refused: 'बंद करने से इनकार',
        reassignment_requested: 'अधिकारी ने दूसरे को सौंपने का अनुरोध किया',
        media_added: 'उपभोक्ता ने फ़ाइल भेजी',
        incident_linked: 'क्षेत्र की कटौती से जोड़ी गई',
        incident_detached: 'क्षेत्र की कटौती से अलग की गई',
        incident_update: 'कटौती की जानकारी भेजी गई',
      },
      incidentStatuses: { reported: 'सूचना मिली', crew_assigned: 'टीम लगी', work_in_progress: 'काम चल रहा है', restored: 'बिजली बहाल', merged: 'मिला दी गई' },
      from: { consumer: 'उपभोक्ता', bot: 'बॉट', agent: 'एजेंट' },
      languages: { hi: 'हिन्दी', en: 'अंग्रेज़ी' },
      toggle: 'English',
      download: 'डाउनलोड',
      photo: 'फ़ोटो (पूरी तस्वीर के लिए क्लिक करें)',
      voice: 'वॉइस नोट',
      consumer: 'उपभोक्ता',
      by: 'द्वारा',
      sessionEnded: 'आपका सत्र समाप्त हो गया; फिर से लॉग इन करें।',
      replaced: 'यह कंसोल बहुत सारे टैब में खुला है; इस टैब में अपडेट रुक गए। यहीं काम करने के लिए पेज फिर से लोड करें।',
      failed: 'नहीं हो सका:',
    },
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    language: localStorage.getItem('santushti.agent.language') === 'hi' ? 'hi' : 'en',
    token: sessionStorage.getItem('santushti.agent.token'),
    user: JSON.parse(sessionStorage.getItem('santushti.agent.user') || 'null'),
    queue: [],
    queueReceivedAt: 0,
    openId: null,
    handoff: null,
    ticketNumber: null,
    stream: null,
    retryMs: 1000,
    retryTimer: null,
    connection: 'offline',
    retryInSeconds: 0,
  };
  const t = () => TEXTS[state.language];

  /** A new element whose text (never markup) is `text`. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ── The staff API ─────────────────────────────────────────────────────────────────────────────────────────────

  async function api(method, path, body, headers = {}) {
    const init = { method, headers: { ...headers, authorization: `Bearer ${state.token}` } };
    if (body instanceof Blob) init.body = body;
    else if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      endSession(t().sessionEnded);
      throw new Error(t().sessionEnded);
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = data && data.error;
      const issues = error && error.issues ? ` (${error.issues.join('; ')})` : '';
      throw new Error(`${error ? error.message : response.status}${issues}`);
    }
    return data;
  }

  function showError(id, error) {
    $(id).textContent = error ? `${t().failed} ${error.message || error}` : '';
  }

  // ── Log in / out ──────────────────────────────────────────────────────────────────────────────────────────────

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    $('login-error').textContent = '';
    const response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.username.value, password: form.password.value }),
    });
    if (!response.ok) {
      $('login-error').textContent = t().loginFailed;
      return;
    }
    const login = await response.json();
    if (login.user.role !== 'agent' && login.user.role !== 'supervisor') {
      $('login-error').textContent = t().notDesk;
      return;
    }
    form.password.value = '';
    state.token = login.token;
    state.user = login.user;
    sessionStorage.setItem('santushti.agent.token', login.token);
    sessionStorage.setItem('santushti.agent.user', JSON.stringify(login.user));
    startConsole();
  });

  $('logout').addEventListener('click', async () => {
    try {
      await api('POST', '/api/auth/logout');
    } finally {
      endSession('');
    }
  });

  function endSession(message) {
    stopStream();
    clearTimeout(state.waitingTimer);
    state.waiting = null;
    state.token = null;
    state.user = null;
    state.openId = null;
    state.handoff = null;
    sessionStorage.removeItem('santushti.agent.token');
    sessionStorage.removeItem('santushti.agent.user');
    $('console-view').hidden = true;
    $('login-view').hidden = false;
    $('logout').hidden = true;
    $('who').textContent = '';
    $('login-error').textContent = message;
    setConnection('offline');
  }

  function startConsole() {
    $('login-view').hidden = true;
    $('console-view').hidden = false;
    $('logout').hidden = false;
    $('who').textContent = `${state.user.name} (${state.user.username})`;
    renderConversation();
    connect();
    refreshWaiting();
  }

  // ── Waiting for a person: queued callbacks and tickets no officer has (GET /api/callbacks, /api/tickets) ────────

  const WAITING_REFRESH_MS = 30_000;

  async function refreshWaiting() {
    clearTimeout(state.waitingTimer);
    if (!state.token) return;
    try {
      const [{ callbacks }, { tickets }] = await Promise.all([api('GET', '/api/callbacks'), api('GET', '/api/tickets?status=registered&limit=50')]);
      state.waiting = { callbacks, tickets: tickets.filter((ticket) => !ticket.officer) };
      renderWaiting();
      showError('waiting-error', null);
    } catch (error) {
      if (state.token) showError('waiting-error', error);
    }
    if (state.token) state.waitingTimer = setTimeout(refreshWaiting, WAITING_REFRESH_MS);
  }

  function renderWaiting() {
    const waiting = state.waiting || { callbacks: [], tickets: [] };
    const callbackList = $('callback-list');
    callbackList.replaceChildren(...waiting.callbacks.map((entry) => el('li', 'waiting-item', t().callbackLine(entry))));
    $('callbacks-empty').hidden = waiting.callbacks.length > 0;
    const unassignedList = $('unassigned-list');
    unassignedList.replaceChildren(...waiting.tickets.map((ticket) => el('li', 'waiting-item', t().unassignedLine(ticket))));
    $('unassigned-empty').hidden = waiting.tickets.length > 0;
  }

  // ── The stream ────────────────────────────────────────────────────────────────────────────────────────────────

  function setConnection(connection, retryInSeconds = 0) {
    state.connection = connection;
    state.retryInSeconds = retryInSeconds;
    const node = $('connection');
    node.dataset.state = connection;
    node.textContent = connection === 'reconnecting' ? t().reconnecting(retryInSeconds) : t()[connection];
  }

  function stopStream() {
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    if (state.stream) state.stream.abort();
    state.stream = null;
  }

  /** (Re)opens the stream for the queue and the open conversation; backs off 1, 2, 4 … 30 s after failures. */
  async function connect() {
    stopStream();
    if (!state.token) return;
    const controller = new AbortController();
    state.stream = controller;
    setConnection('connecting');
    const query = state.openId ? `?handoff=${encodeURIComponent(state.openId)}` : '';
    try {
      const response = await fetch(`/api/handoffs/stream${query}`, {
        headers: { authorization: `Bearer ${state.token}`, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (response.status === 401) {
        endSession(t().sessionEnded);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      setConnection('connected');
      state.retryMs = 1000;
      await readEvents(response.body, controller);
    } catch (error) {
      if (controller.signal.aborted) return;
      console.warn('stream:', error.message);
    }
    if (state.stream === controller && state.token) scheduleReconnect();
  }

  function scheduleReconnect() {
    const delay = state.retryMs;
    state.retryMs = Math.min(state.retryMs * 2, 30000);
    setConnection('reconnecting', Math.round(delay / 1000));
    state.retryTimer = setTimeout(connect, delay);
  }

  async function readEvents(body, controller) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done || controller.signal.aborted) return;
      buffer += value;
      let boundary;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        let type = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')));
      }
    }
  }

  function onEvent(type, data) {
    if (type === 'queue') {
      state.queue = data.handoffs;
      state.queueReceivedAt = Date.now();
      renderQueue();
    } else if (type === 'handoff' && data.handoff.id === state.openId) {
      const statusChanged = !state.handoff || state.handoff.status !== data.handoff.status;
      state.handoff = data.handoff;
      renderConversation();
      if (statusChanged) void loadTickets();
    } else if (type === 'end' && data.reason === 'unauthenticated') {
      endSession(t().sessionEnded);
    } else if (type === 'end' && data.reason === 'replaced') {
      // Too many consoles open for this user: this one yields instead of taking a stream back from another.
      stopStream();
      setConnection('offline');
      $('conversation-error').textContent = t().replaced;
    }
  }

  // ── The queue ─────────────────────────────────────────────────────────────────────────────────────────────────

  function duration(seconds) {
    const minutes = Math.floor(seconds / 60);
    return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
  }

  function renderQueue() {
    const list = $('queue-list');
    list.replaceChildren();
    $('queue-empty').hidden = state.queue.length > 0;
    let waiting = 0;
    for (const entry of state.queue) {
      const item = el('li', `queue-entry status-${entry.status}`);
      item.dataset.id = entry.id;
      if (entry.id === state.openId) item.classList.add('open');
      const button = el('button');
      button.type = 'button';
      button.addEventListener('click', () => openConversation(entry.id));
      const head = entry.status === 'waiting' ? t().position(++waiting) : t().withAgent(entry.agent ? entry.agent.name : '');
      button.append(
        el('strong', 'position', head),
        el('span', 'channel', entry.channel),
        el('span', 'reason', t().reasons[entry.reason] || entry.reason),
        el('span', 'language', t().languages[entry.language] || entry.language),
      );
      const waited = el('span', 'waited');
      waited.dataset.seconds = String(entry.waitingSeconds);
      waited.dataset.ticking = entry.status === 'waiting' ? 'yes' : 'no';
      button.append(waited);
      item.append(button);
      list.append(item);
    }
    tickWaiting();
  }

  /** Waiting times count up between pushes (the server does not push a change every second). */
  function tickWaiting() {
    const elapsed = Math.floor((Date.now() - state.queueReceivedAt) / 1000);
    for (const node of document.querySelectorAll('#queue-list .waited')) {
      const seconds = Number(node.dataset.seconds) + (node.dataset.ticking === 'yes' ? elapsed : 0);
      node.textContent = t().waited(duration(seconds));
    }
  }
  setInterval(tickWaiting, 1000);

  // ── The conversation ──────────────────────────────────────────────────────────────────────────────────────────

  function openConversation(id) {
    if (state.openId === id) return;
    state.openId = id;
    state.handoff = null;
    state.ticketNumber = null;
    // The previous consumer's tickets must not linger beside the next consumer's conversation.
    $('ticket-list').replaceChildren();
    $('ticket-detail').hidden = true;
    $('tickets-empty').hidden = true;
    renderQueue();
    renderConversation();
    void loadTickets();
    connect();
  }

  function renderLines(listId, lines) {
    const list = $(listId);
    list.replaceChildren(
      ...lines.map((line) => {
        const item = el('li', `line from-${line.from}`);
        const time = new Date(line.at).toLocaleTimeString(state.language === 'hi' ? 'hi-IN' : 'en-IN', { hour: '2-digit', minute: '2-digit' });
        item.append(el('span', 'who', `${t().from[line.from] || line.from} · ${time}`), el('p', 'text', line.text));
        return item;
      }),
    );
    list.scrollTop = list.scrollHeight;
  }

  function renderConversation() {
    const handoff = state.handoff;
    $('conversation-empty').hidden = Boolean(state.openId);
    if (!state.openId) $('tickets-empty').hidden = true;
    $('conversation').hidden = !handoff;
    $('ticket-form').hidden = !handoff;
    if (!handoff) return;
    const parts = [t().statuses[handoff.status] || handoff.status, handoff.channel, t().reasons[handoff.reason] || handoff.reason];
    if (handoff.language) parts.push(t().languages[handoff.language]);
    if (handoff.agent) parts.push(t().withAgent(handoff.agent.name));
    $('conversation-meta').textContent = parts.join(' · ');
    renderLines('transcript', handoff.transcript);
    renderLines('messages', handoff.messages);
    const mine = handoff.agent && state.user && handoff.agent.username === state.user.username;
    $('accept').hidden = handoff.status !== 'waiting';
    $('complete').hidden = !(handoff.status === 'accepted' && (mine || state.user.role === 'supervisor'));
    $('reply-form').hidden = !(handoff.status === 'accepted' && mine);
  }

  async function act(path, body) {
    showError('conversation-error');
    try {
      await api('POST', `/api/handoffs/${encodeURIComponent(state.openId)}/${path}`, body);
    } catch (error) {
      showError('conversation-error', error);
      return false;
    }
    return true;
  }

  $('accept').addEventListener('click', () => act('accept', {}));
  $('complete').addEventListener('click', () => act('complete', {}));

  const replyText = $('reply-text');
  const updateCount = () => {
    $('reply-count').textContent = `${replyText.value.length} / 2000`;
  };
  replyText.addEventListener('input', updateCount);
  replyText.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('reply-form').requestSubmit();
    }
  });
  $('reply-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = replyText.value.trim();
    if (!text) return;
    if (await act('messages', { text })) {
      replyText.value = '';
      updateCount();
    }
  });

  // ── The ticket panel ──────────────────────────────────────────────────────────────────────────────────────────

  async function loadTickets() {
    const id = state.openId;
    if (!id) return;
    try {
      const { tickets } = await api('GET', `/api/handoffs/${encodeURIComponent(id)}/tickets`);
      if (id !== state.openId) return;
      $('tickets-empty').hidden = tickets.length > 0;
      $('ticket-list').replaceChildren(
        ...tickets.map((ticket) => {
          const item = el('li', ticket.emergency ? 'ticket emergency' : 'ticket');
          const label = `${ticket.number} · ${t()[`cat_${ticket.category}`] || ticket.category} · ${t().ticketStatuses[ticket.status] || ticket.status}`;
          const button = el('button', null, ticket.emergency ? `🚨 ${t().emergency} · ${label}` : label);
          button.type = 'button';
          button.dataset.number = ticket.number;
          button.addEventListener('click', () => loadTicket(ticket.number));
          item.append(button);
          return item;
        }),
      );
      if (state.ticketNumber) await loadTicket(state.ticketNumber);
      else $('ticket-detail').hidden = true;
    } catch (error) {
      showError('ticket-error', error);
    }
  }

  // The area incident a consumer's ticket is linked to, beside their chat: what is known, as text only.
  async function showIncident(incidentId) {
    const line = $('ticket-incident');
    line.hidden = true;
    if (!incidentId) return;
    try {
      const { incident } = await api('GET', `/api/incidents/${encodeURIComponent(incidentId)}`);
      const place = [incident.place.transformer || incident.place.feeder, incident.place.locality, incident.place.subDivision].filter(Boolean).join(', ');
      const eta = incident.etaAt ? ` · ${t().incidentEta} ${new Date(incident.etaAt).toLocaleString(undefined, { timeZone: 'Asia/Kolkata' })}` : '';
      const status = t().incidentStatuses[incident.status] || incident.status.replace(/_/g, ' ');
      line.textContent = `${t().incident}: ${place} · ${status} · ${incident.reportCount} ${t().incidentReports}${eta}`;
      line.dataset.incident = incident._id;
      line.hidden = false;
    } catch {
      // An incident the agent may not read (or one just merged away): the ticket itself is still shown.
    }
  }

  async function loadTicket(number) {
    state.ticketNumber = number;
    const { ticket } = await api('GET', `/api/tickets/${encodeURIComponent(number)}`);
    $('ticket-detail').hidden = false;
    const status = t().ticketStatuses[ticket.status] || ticket.status;
    $('ticket-heading').textContent = `${ticket.number} · ${status} · ${ticket.level}${ticket.officer ? ` · ${ticket.officer.name}` : ''}`;
    $('ticket-description').textContent = ticket.description;
    await showIncident(ticket.incidentId);
    await showMedia(ticket.number);
    $('ticket-events').replaceChildren(
      ...ticket.events.map((event) => {
        const item = el('li', 'event');
        const type = event.type.replace('ticket.', '');
        item.dataset.type = type;
        const when = new Date(event.at).toLocaleString(state.language === 'hi' ? 'hi-IN' : 'en-IN');
        item.append(el('span', 'event-type', t().events[type] || type), el('span', 'muted', ` ${when} · ${t().by} ${event.actor.name || event.actor.id}`));
        const evidence = event.evidence || {};
        if (evidence.note) item.append(el('p', 'text', evidence.note));
        for (const fileId of evidence.files || []) {
          const link = el('button', 'link', `${t().download} ${fileId}`);
          link.type = 'button';
          link.addEventListener('click', () => download(fileId));
          item.append(link);
        }
        return item;
      }),
    );
  }

  /** A file of the staff API fetched with the session, as a blob: URL released when the next ticket is shown. */
  const mediaUrls = [];
  async function blobUrlOf(path) {
    const response = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
    if (!response.ok) throw new Error(String(response.status));
    const url = URL.createObjectURL(await response.blob());
    mediaUrls.push(url);
    return url;
  }

  /** The ticket's photos as thumbnails the server re-encoded and its voice notes in a player (GET /api/tickets/{n}/media). */
  let mediaShown = 0;
  async function showMedia(number) {
    // Two refreshes can overlap: only the latest one fills the list. The previous one's blob URLs are released a
    // little later, not now: an image of it may still be loading from one, and a revoked URL fails its load.
    const shown = ++mediaShown;
    const previous = mediaUrls.splice(0);
    setTimeout(() => previous.forEach((url) => URL.revokeObjectURL(url)), 10000);
    const list = $('ticket-media');
    list.replaceChildren();
    let media = [];
    try {
      media = (await api('GET', `/api/tickets/${encodeURIComponent(number)}/media`)).media;
    } catch (error) {
      showError('ticket-error', error);
      return;
    }
    if (shown !== mediaShown) return;
    for (const file of media.filter((entry) => entry.kind !== 'document')) {
      if (shown !== mediaShown) return;
      const item = el('li');
      item.dataset.evidence = file.id;
      item.dataset.kind = file.kind;
      const from = file.uploadedBy.role === 'consumer' ? t().consumer : file.uploadedBy.name || file.uploadedBy.id;
      list.append(item);
      try {
        if (file.kind === 'photo') {
          const image = el('img');
          image.alt = `${t().photo} — ${from}`;
          image.src = await blobUrlOf(file.thumbnailUrl);
          const open = el('button', 'thumbnail');
          open.type = 'button';
          open.append(image);
          open.addEventListener('click', () => download(file.id));
          item.append(open);
        } else {
          const audio = el('audio');
          audio.controls = true;
          audio.preload = 'metadata';
          audio.setAttribute('aria-label', `${t().voice} — ${from}`);
          audio.src = await blobUrlOf(file.url);
          item.append(audio);
        }
      } catch {
        // Not shown inline (e.g. the server would not make a thumbnail of it): it can still be saved.
        const link = el('button', 'link', `${t().download} ${file.id}`);
        link.type = 'button';
        link.addEventListener('click', () => download(file.id));
        item.replaceChildren(link);
      }
    }
  }

  /** The file needs the Authorization header, so it is fetched, then saved from a blob URL. */
  async function download(fileId) {
    const response = await fetch(`/api/evidence/${encodeURIComponent(fileId)}`, { headers: { authorization: `Bearer ${state.token}` } });
    if (!response.ok) return showError('ticket-error', new Error(String(response.status)));
    const name = /filename="([^"]*)"/.exec(response.headers.get('content-disposition') || '');
    const url = URL.createObjectURL(await response.blob());
    const anchor = el('a');
    anchor.href = url;
    anchor.download = name ? name[1] : fileId;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  $('ticket-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    showError('ticket-error');
    const optional = (value) => (value.trim() ? value.trim() : undefined);
    try {
      const opened = await api('POST', `/api/handoffs/${encodeURIComponent(state.openId)}/tickets`, {
        category: form.category.value,
        description: form.description.value,
        place: { district: form.district.value, locality: optional(form.locality.value) },
        mobile: form.mobile.value,
        accountNumber: optional(form.accountNumber.value),
      });
      $('ticket-error').textContent = opened.duplicate ? t().ticketExisting(opened.ticket.number) : t().ticketOpened(opened.ticket.number);
      form.description.value = '';
      state.ticketNumber = opened.ticket.number;
      await loadTickets();
    } catch (error) {
      showError('ticket-error', error);
    }
  });

  $('note-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const number = state.ticketNumber;
    showError('ticket-error');
    try {
      const files = [];
      for (const file of form.files.files) {
        const { evidence } = await api('POST', `/api/tickets/${encodeURIComponent(number)}/evidence`, file, {
          'content-type': file.type || 'application/octet-stream',
          'x-evidence-filename': encodeURIComponent(file.name),
        });
        files.push(evidence.id);
      }
      const route = form.kind.value === 'resolution' ? 'resolution' : 'progress';
      await api('POST', `/api/tickets/${encodeURIComponent(number)}/${route}`, {
        note: form.note.value,
        ...(files.length > 0 ? { evidence: { files } } : {}),
      });
      form.note.value = '';
      form.files.value = '';
      $('ticket-error').textContent = t().recorded;
      await loadTickets();
    } catch (error) {
      showError('ticket-error', error);
    }
  });

  // ── Language ──────────────────────────────────────────────────────────────────────────────────────────────────

  function applyLanguage() {
    document.documentElement.lang = state.language;
    document.title = t().title;
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t()[node.dataset.i18n];
    const toggle = $('language-toggle');
    toggle.textContent = t().toggle;
    toggle.lang = state.language === 'hi' ? 'en' : 'hi';
    setConnection(state.connection, state.retryInSeconds);
    renderQueue();
    renderConversation();
    renderWaiting();
    if (state.openId && state.token) void loadTickets();
  }

  $('language-toggle').addEventListener('click', () => {
    state.language = state.language === 'hi' ? 'en' : 'hi';
    localStorage.setItem('santushti.agent.language', state.language);
    applyLanguage();
  });

  applyLanguage();
  if (state.token && state.user) startConsole();
})();
