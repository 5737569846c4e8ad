// The reports dashboard: logs in against POST /api/auth/login (the token stays in this tab's sessionStorage), then
// reads /api/reports/hotspots and /api/reports/satisfaction-register. What a user may see is decided by the API
// (supervisors everything, officers their own area). Every value from the server is written with textContent.
(function () {
  'use strict';

  var tokenKey = 'santushti.dashboard.token';
  var languageKey = 'santushti.dashboard.lang';

  var texts = {
    en: {
      title: 'Santushti — reports', logout: 'Log out', loginIntro: 'Supervisors and officers: log in with your staff account.',
      username: 'Username', password: 'Password', login: 'Log in', by: 'Group by', district: 'District', division: 'Division',
      subdivision: 'Sub-division', locality: 'Locality', feeder: 'Feeder', officer: 'Officer', category: 'Category',
      from: 'From', to: 'To', categoryFilter: 'Category', allCategories: 'All', show: 'Show', hotspots: 'Hotspots',
      downloadCsv: 'Download CSV', h_place: 'Place / officer', h_complaints: 'Complaints', h_open: 'Open now',
      h_breaches: 'SLA breaches', h_reopens: 'Reopens', h_rejectedRate: 'Rejected-resolution rate',
      h_median: 'Median time to confirmed closure', register: 'Satisfaction register (संतुष्टि रजिस्टर)', r_ticket: 'Ticket',
      r_category: 'Category', r_place: 'Place', r_provenance: 'Confirmation', r_claimedBy: 'Claimed by', r_confirmedBy: 'Confirmed by',
      r_closedAt: 'Closed at', r_channel: 'Channel', more: 'More',
      metricsNote: 'Complaints: registered in the range (officers: handed to them in the range). Open now: of those, not closed now. ' +
        'Breaches, reopens and answers: happened in the range. Rejected-resolution rate: share of answered claims answered "no". ' +
        'Median: registration to confirmed closure, within ±19 %. ' +
        'Faults: an area incident is one fault however many complaints it links (faults = complaints − complaints in incidents + incidents).',
      cat_supply: 'Supply', cat_bill: 'Bill', cat_meter: 'Meter', cat_new_connection: 'New connection', cat_theft: 'Theft', cat_transformer: 'Transformer',
      consumer_confirmed: 'consumer-confirmed', callback_confirmed: 'callback-confirmed', consumer: 'consumer',
      loginFailed: 'Login failed: check the username and password.', forbidden: 'Reports are for supervisors and officers.',
      expired: 'Your session has ended; please log in again.', failed: 'Could not load the report: ', hours: 'h', minutes: 'min', days: 'd',
      chartComplaints: 'Complaints', chartOpen: 'Open now', none: 'Nothing in this range.', languageButton: 'हिन्दी',
      h_planned: 'During planned shutdowns', shutdowns: 'Planned shutdowns', s_area: 'Area', s_starts: 'From', s_ends: 'Until',
      s_reason: 'Reason', s_state: 'State', running: 'running', upcoming: 'upcoming', ended: 'ended', cancelled: 'cancelled',
      noShutdowns: 'No planned shutdown now or ahead.',
      incidents: 'Open area outages (incidents)', i_area: 'Area', i_status: 'Status', i_reports: 'Reports', i_linked: 'Linked complaints',
      i_since: 'Known since', i_eta: 'Expected back', noIncidents: 'No open incident.', reported: 'reported', crew_assigned: 'crew assigned',
      work_in_progress: 'work in progress',
      h_faults: 'Faults', h_incidents: 'Area incidents', h_inIncident: 'Complaints in incidents', s_complaints: 'Complaints during it',
    },
    hi: {
      title: 'संतुष्टि — रिपोर्ट', logout: 'लॉग आउट', loginIntro: 'पर्यवेक्षक और अधिकारी: अपने स्टाफ खाते से लॉग इन करें।',
      username: 'उपयोगकर्ता नाम', password: 'पासवर्ड', login: 'लॉग इन', by: 'इसके अनुसार', district: 'जिला', division: 'खंड',
      subdivision: 'उपखंड', locality: 'मोहल्ला', feeder: 'फीडर', officer: 'अधिकारी', category: 'श्रेणी',
      from: 'से', to: 'तक', categoryFilter: 'श्रेणी', allCategories: 'सभी', show: 'दिखाएँ', hotspots: 'हॉटस्पॉट',
      downloadCsv: 'CSV डाउनलोड करें', h_place: 'स्थान / अधिकारी', h_complaints: 'शिकायतें', h_open: 'अभी खुली',
      h_breaches: 'समय-सीमा उल्लंघन', h_reopens: 'दोबारा खुली', h_rejectedRate: 'अस्वीकृत समाधान दर',
      h_median: 'पुष्टि सहित बंद होने का माध्य समय', register: 'संतुष्टि रजिस्टर', r_ticket: 'टिकट',
      r_category: 'श्रेणी', r_place: 'स्थान', r_provenance: 'पुष्टि', r_claimedBy: 'दावा किसने किया', r_confirmedBy: 'पुष्टि किसने की',
      r_closedAt: 'बंद होने का समय', r_channel: 'माध्यम', more: 'और',
      metricsNote: 'शिकायतें: अवधि में दर्ज (अधिकारी: अवधि में उन्हें सौंपी गई)। अभी खुली: उनमें से जो अभी बंद नहीं हैं। ' +
        'उल्लंघन, दोबारा खुलना और उत्तर: अवधि में हुए। अस्वीकृत समाधान दर: उत्तर दिए गए दावों में "नहीं" का हिस्सा। ' +
        'माध्य समय: दर्ज होने से पुष्टि सहित बंद होने तक, ±19 % के भीतर। ' +
        'खराबियाँ: क्षेत्र की एक घटना एक ही खराबी है, उससे कितनी भी शिकायतें जुड़ी हों (खराबियाँ = शिकायतें − घटनाओं से जुड़ी शिकायतें + घटनाएँ)।',
      cat_supply: 'बिजली आपूर्ति', cat_bill: 'बिल', cat_meter: 'मीटर', cat_new_connection: 'नया कनेक्शन', cat_theft: 'बिजली चोरी', cat_transformer: 'ट्रांसफॉर्मर',
      consumer_confirmed: 'उपभोक्ता द्वारा पुष्टि', callback_confirmed: 'कॉलबैक द्वारा पुष्टि', consumer: 'उपभोक्ता',
      loginFailed: 'लॉग इन नहीं हुआ: उपयोगकर्ता नाम और पासवर्ड जाँचें।', forbidden: 'रिपोर्ट पर्यवेक्षकों और अधिकारियों के लिए हैं।',
      expired: 'आपका सत्र समाप्त हो गया है; कृपया फिर से लॉग इन करें।', failed: 'रिपोर्ट लोड नहीं हुई: ', hours: 'घं', minutes: 'मि', days: 'दि',
      chartComplaints: 'शिकायतें', chartOpen: 'अभी खुली', none: 'इस अवधि में कुछ नहीं।', languageButton: 'English',
      h_planned: 'नियोजित कटौती के दौरान', shutdowns: 'नियोजित बिजली कटौती', s_area: 'क्षेत्र', s_starts: 'से', s_ends: 'तक',
      s_reason: 'कारण', s_state: 'स्थिति', running: 'चल रही है', upcoming: 'आने वाली', ended: 'समाप्त', cancelled: 'रद्द',
      noShutdowns: 'अभी या आगे कोई नियोजित कटौती नहीं।',
      incidents: 'क्षेत्र की खुली बिजली कटौतियाँ (घटनाएँ)', i_area: 'क्षेत्र', i_status: 'स्थिति', i_reports: 'रिपोर्ट', i_linked: 'जुड़ी शिकायतें',
      i_since: 'कब से पता', i_eta: 'वापसी की उम्मीद', noIncidents: 'कोई खुली घटना नहीं।', reported: 'सूचना मिली', crew_assigned: 'टीम लगी',
      work_in_progress: 'काम चल रहा है',
      h_faults: 'खराबियाँ', h_incidents: 'क्षेत्र की घटनाएँ', h_inIncident: 'घटनाओं से जुड़ी शिकायतें', s_complaints: 'इस दौरान शिकायतें',
    },
  };

  var lang = sessionStorage.getItem(languageKey) === 'hi' ? 'hi' : 'en';
  var chart = null;
  var lastHotspots = null;
  var registerRows = [];
  var registerCursor = null;

  function byId(id) { return document.getElementById(id); }
  function t(key) { return texts[lang][key] || key; }
  function token() { return sessionStorage.getItem(tokenKey); }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-text]').forEach(function (element) {
      element.textContent = t(element.getAttribute('data-text'));
    });
    byId('language').textContent = t('languageButton');
    if (lastHotspots) renderHotspots(lastHotspots);
    renderRegister();
  }

  function say(text) { byId('message').textContent = text || ''; }

  function showLoggedIn(loggedIn) {
    byId('login').hidden = loggedIn;
    byId('reports').hidden = !loggedIn;
    byId('logout').hidden = !loggedIn;
    if (!loggedIn) byId('who').textContent = '';
  }

  function query(extra) {
    var form = byId('filters');
    var params = new URLSearchParams();
    ['from', 'to', 'category'].forEach(function (name) {
      if (form.elements[name].value) params.set(name, form.elements[name].value);
    });
    Object.keys(extra || {}).forEach(function (name) { params.set(name, extra[name]); });
    return params;
  }

  function api(path) {
    return fetch(path, { headers: { authorization: 'Bearer ' + token() } }).then(function (response) {
      if (response.status === 401) {
        sessionStorage.removeItem(tokenKey);
        showLoggedIn(false);
        throw new Error(t('expired'));
      }
      if (response.status === 403) throw new Error(t('forbidden'));
      if (!response.ok) {
        return response.json().then(function (body) {
          throw new Error(t('failed') + (body && body.error ? body.error.message : response.status));
        });
      }
      return response;
    });
  }

  function cell(row, text, numeric) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (numeric) td.className = 'number';
    row.appendChild(td);
  }

  function duration(minutes) {
    if (minutes === null || minutes === undefined) return '—';
    if (minutes < 120) return Math.round(minutes) + ' ' + t('minutes');
    if (minutes < 48 * 60) return (minutes / 60).toFixed(1) + ' ' + t('hours');
    return (minutes / 1440).toFixed(1) + ' ' + t('days');
  }

  function rowLabel(report, row) {
    if (report.by === 'category') return t('cat_' + row.label);
    return lang === 'hi' && row.labelHi ? row.labelHi : row.label;
  }

  function renderHotspots(report) {
    var body = document.querySelector('#hotspots tbody');
    body.replaceChildren();
    report.rows.forEach(function (row) {
      var tr = document.createElement('tr');
      cell(tr, rowLabel(report, row));
      cell(tr, row.complaints, true);
      cell(tr, row.open, true);
      cell(tr, row.breaches, true);
      cell(tr, row.reopens, true);
      cell(tr, row.rejectedRate === null ? '—' : (row.rejectedRate * 100).toFixed(1) + ' %', true);
      cell(tr, duration(row.medianClosureMinutes), true);
      // Last, so the columns before it keep their places: not faults, so apart from complaints and open.
      cell(tr, row.plannedShutdown || 0, true);
      // An area incident is one fault with many reports: counted apart from the complaints it links.
      cell(tr, row.faults === undefined ? row.complaints : row.faults, true);
      cell(tr, row.incidents || 0, true);
      cell(tr, row.inIncident || 0, true);
      body.appendChild(tr);
    });
    if (report.rows.length === 0) say(t('none'));
    var top = report.rows.slice(0, 15);
    var data = {
      labels: top.map(function (row) { return rowLabel(report, row); }),
      datasets: [
        { label: t('chartComplaints'), data: top.map(function (row) { return row.complaints; }), backgroundColor: '#0b4f8a' },
        { label: t('chartOpen'), data: top.map(function (row) { return row.open; }), backgroundColor: '#e07a1f' },
      ],
    };
    if (typeof window.Chart !== 'function') return;
    if (chart) {
      chart.data = data;
      chart.update();
    } else {
      chart = new window.Chart(byId('chart'), { type: 'bar', data: data, options: { responsive: true, maintainAspectRatio: false, animation: false } });
    }
  }

  function person(who) {
    if (!who) return '';
    if (who.role === 'consumer') return t('consumer');
    return who.name && who.id ? who.name + ' (' + who.id + ')' : who.name || who.id || who.role;
  }

  function renderRegister() {
    var body = document.querySelector('#register tbody');
    body.replaceChildren();
    registerRows.forEach(function (entry) {
      var tr = document.createElement('tr');
      cell(tr, entry.ticket);
      cell(tr, t('cat_' + entry.category));
      cell(tr, [entry.locality, entry.subDivision, entry.district].filter(Boolean).join(', '));
      cell(tr, t(entry.provenance));
      cell(tr, person(entry.claimedBy));
      cell(tr, person(entry.confirmedBy));
      cell(tr, new Date(entry.closedAt).toLocaleString(lang === 'hi' ? 'hi-IN' : 'en-IN', { timeZone: 'Asia/Kolkata' }));
      cell(tr, entry.channel);
      body.appendChild(tr);
    });
    byId('more').hidden = !registerCursor;
  }

  // Planned shutdowns now or ahead (GET /api/shutdowns), by area; consumer and staff text only ever as textContent.
  function loadShutdowns() {
    return api('/api/shutdowns')
      .then(function (response) { return response.json(); })
      .then(function (result) {
        var body = document.querySelector('#shutdowns tbody');
        body.replaceChildren();
        var when = function (at) { return new Date(at).toLocaleString(lang === 'hi' ? 'hi-IN' : 'en-IN', { timeZone: 'Asia/Kolkata' }); };
        result.shutdowns.forEach(function (shutdown) {
          var tr = document.createElement('tr');
          tr.className = 'shutdown ' + shutdown.state;
          cell(tr, [shutdown.area.locality, shutdown.area.subDivision, shutdown.area.district].filter(Boolean).join(', '));
          cell(tr, when(shutdown.startsAt));
          cell(tr, when(shutdown.endsAt));
          cell(tr, shutdown.reason);
          cell(tr, t(shutdown.state));
          cell(tr, shutdown.complaints === undefined ? '—' : shutdown.complaints, true);
          body.appendChild(tr);
        });
        byId('noShutdowns').hidden = result.shutdowns.length > 0;
      });
  }

  // Open incidents by area (GET /api/incidents?status=open): reports counted into each, and what is known.
  function loadIncidents() {
    return api('/api/incidents?status=open')
      .then(function (response) { return response.json(); })
      .then(function (result) {
        var body = document.querySelector('#incidents tbody');
        body.replaceChildren();
        var when = function (at) { return at ? new Date(at).toLocaleString(lang === 'hi' ? 'hi-IN' : 'en-IN', { timeZone: 'Asia/Kolkata' }) : '—'; };
        result.incidents.forEach(function (incident) {
          var tr = document.createElement('tr');
          // A feeder's or transformer's incident names it first, then the localities it supplies.
          cell(tr, [incident.place.transformer || incident.place.feeder, incident.place.locality, incident.place.subDivision, incident.place.district].filter(Boolean).join(', '));
          cell(tr, t(incident.status));
          cell(tr, incident.reportCount, true);
          cell(tr, when(incident.openedAt));
          cell(tr, when(incident.etaAt));
          body.appendChild(tr);
        });
        byId('noIncidents').hidden = result.incidents.length > 0;
      });
  }

  function loadHotspots() {
    var by = byId('filters').elements.by.value;
    return api('/api/reports/hotspots?' + query({ by: by, limit: 100 }))
      .then(function (response) { return response.json(); })
      .then(function (report) {
        lastHotspots = report;
        var form = byId('filters');
        if (!form.elements.from.value) form.elements.from.value = report.from;
        if (!form.elements.to.value) form.elements.to.value = report.to;
        renderHotspots(report);
      });
  }

  function loadRegister(more) {
    var extra = { limit: 50 };
    if (more && registerCursor) extra.cursor = registerCursor;
    return api('/api/reports/satisfaction-register?' + query(extra))
      .then(function (response) { return response.json(); })
      .then(function (page) {
        registerRows = more ? registerRows.concat(page.entries) : page.entries;
        registerCursor = page.nextCursor;
        renderRegister();
      });
  }

  function loadAll() {
    say('');
    return Promise.all([loadHotspots(), loadRegister(false), loadShutdowns(), loadIncidents()]).catch(function (error) { say(error.message); });
  }

  function download(path, extra) {
    api(path + '?' + query(Object.assign({ format: 'csv', lang: lang }, extra)))
      .then(function (response) {
        var disposition = response.headers.get('content-disposition') || '';
        var match = /filename="([^"]+)"/.exec(disposition);
        return response.blob().then(function (blob) { return { blob: blob, name: match ? match[1] : 'report.csv' }; });
      })
      .then(function (file) {
        var link = document.createElement('a');
        link.href = URL.createObjectURL(file.blob);
        link.download = file.name;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      })
      .catch(function (error) { say(error.message); });
  }

  byId('login').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    say('');
    fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.elements.username.value, password: form.elements.password.value }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error(t('loginFailed'));
        return response.json();
      })
      .then(function (session) {
        sessionStorage.setItem(tokenKey, session.token);
        form.elements.password.value = '';
        byId('who').textContent = session.user.name + ' (' + session.user.role + ')';
        showLoggedIn(true);
        return loadAll();
      })
      .catch(function (error) { say(error.message); });
  });

  byId('logout').addEventListener('click', function () {
    fetch('/api/auth/logout', { method: 'POST', headers: { authorization: 'Bearer ' + token() } }).finally(function () {
      sessionStorage.removeItem(tokenKey);
      showLoggedIn(false);
    });
  });

  byId('filters').addEventListener('submit', function (event) {
    event.preventDefault();
    loadAll();
  });
  byId('more').addEventListener('click', function () { loadRegister(true).catch(function (error) { say(error.message); }); });
  byId('hotspotsCsv').addEventListener('click', function () { download('/api/reports/hotspots', { by: byId('filters').elements.by.value, limit: 500 }); });
  byId('registerCsv').addEventListener('click', function () { download('/api/reports/satisfaction-register', {}); });
  byId('language').addEventListener('click', function () {
    lang = lang === 'hi' ? 'en' : 'hi';
    sessionStorage.setItem(languageKey, lang);
    applyLanguage();
  });

  applyLanguage();
  if (token()) {
    showLoggedIn(true);
    loadAll();
  } else {
    showLoggedIn(false);
  }
})();
