// The consumer page: asks /webchat/session for a Direct Line token (the consumer's identity lives in an httpOnly cookie,
// so a reload resumes the same conversation) and renders the official Web Chat over our /v3/directline (its WebSocket stream).
// Consumer text is rendered by Web Chat alone; this script only ever writes its own fixed strings, as textContent.
(function () {
  'use strict';

  // Web Chat puts its styles in <style> elements; the page's CSP admits them only with this request's nonce.
  var styleNonce = document.currentScript ? document.currentScript.nonce : undefined;

  var connectionStatus = { online: 2, expiredToken: 3, failedToConnect: 4, ended: 5 };
  var languageKey = 'santushti.webchat.locale';

  var texts = {
    'hi-IN': {
      htmlLang: 'hi',
      toggleLabel: 'English',
      toggleLang: 'en',
      failed: 'चैट से जुड़ नहीं पाए। कृपया थोड़ी देर बाद पेज दोबारा खोलें।',
      ended: 'यह बातचीत बंद हो गई है। नई बातचीत के लिए पेज दोबारा खोलें।',
      forgetLabel: 'मुझे भूल जाएँ',
      forgetConfirm: 'इस डिवाइस पर आपकी पहचान और बातचीत हटा दी जाएगी (आपकी शिकायतें दर्ज रहेंगी)। जारी रखें?',
      forgetFailed: 'अभी नहीं हो पाया। कृपया फिर कोशिश करें।',
      locationLabel: '📍 मेरी लोकेशन भेजें',
      locationFailed: 'लोकेशन नहीं मिल पाई (अनुमति नहीं दी गई या GPS बंद है)। कृपया इलाके का नाम लिखें।',
      locationUnsupported: 'यह ब्राउज़र लोकेशन नहीं बता सकता। कृपया इलाके का नाम लिखें।',
    },
    'en-US': {
      htmlLang: 'en',
      toggleLabel: 'हिन्दी',
      toggleLang: 'hi',
      failed: 'Could not connect to the chat. Please reload the page in a little while.',
      ended: 'This conversation has ended. Reload the page to start a new one.',
      forgetLabel: 'Forget me',
      forgetConfirm: 'Your identity and this conversation will be removed from this device (your complaints stay registered). Continue?',
      forgetFailed: 'That did not work just now. Please try again.',
      locationLabel: '📍 Share my location',
      locationFailed: 'Could not get your location (permission refused or GPS off). Please write the name of the locality.',
      locationUnsupported: 'This browser cannot tell your location. Please write the name of the locality.',
    },
  };

  var chatElement = document.getElementById('webchat');
  var statusElement = document.getElementById('chat-status');
  var toggleButton = document.getElementById('language-toggle');
  var forgetButton = document.getElementById('forget-me');
  var locationButton = document.getElementById('share-location');

  var locale = readSavedLocale();
  var directLine;
  var statusSubscription;
  var conversationId;
  var userId;
  var renewing = false;

  // The language picked on this page before, else the one the server chose from the browser's languages (the
  // page's lang): Web Chat sends it as the locale of every activity, and the bot's welcome follows it.
  function readSavedLocale() {
    var pageLocale = document.documentElement.lang === 'en' ? 'en-US' : 'hi-IN';
    try {
      var saved = window.localStorage.getItem(languageKey);
      return saved === 'en-US' || saved === 'hi-IN' ? saved : pageLocale;
    } catch (error) {
      return pageLocale;
    }
  }

  function saveLocale(value) {
    try {
      window.localStorage.setItem(languageKey, value);
    } catch (error) {
      // Private browsing may refuse storage; the choice then lasts until the page is closed.
    }
  }

  function setStatus(text) {
    statusElement.textContent = text || '';
  }

  function applyLanguage() {
    var current = texts[locale];
    document.documentElement.lang = current.htmlLang;
    toggleButton.textContent = current.toggleLabel;
    toggleButton.lang = current.toggleLang;
    forgetButton.textContent = current.forgetLabel;
    locationButton.textContent = current.locationLabel;
  }

  function render() {
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        locale: locale,
        nonce: styleNonce,
        styleOptions: {
          // Photos, PDFs (a bill) and voice notes go up through Direct Line's upload and are checked by the server.
          hideUploadButton: false,
          uploadAccept: 'image/jpeg,image/png,image/webp,application/pdf,audio/*',
          uploadMultiple: false,
          botAvatarInitials: 'स',
          accent: '#0b5394',
        },
      },
      chatElement,
    );
  }

  function openSession() {
    return fetch('/webchat/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ locale: locale }),
    }).then(function (response) {
      if (!response.ok) throw new Error('session request failed with ' + response.status);
      return response.json();
    });
  }

  function connect(session) {
    var previous = directLine;
    if (statusSubscription) statusSubscription.unsubscribe();
    conversationId = session.conversationId;
    userId = session.userId;
    directLine = window.WebChat.createDirectLine({
      domain: window.location.origin + session.directLinePath,
      token: session.token,
      conversationId: session.conversationId,
      // Web Chat's default transport: the server's WebSocket stream (replies arrive as soon as they are stored).
    });
    statusSubscription = directLine.connectionStatus$.subscribe({ next: onConnectionStatus });
    // Stops the old connection's token refresh timer; Web Chat has already let go of it.
    if (previous) previous.end();
    render();
  }

  // An expired token (a laptop that slept past the token's life) ends Web Chat's connection for good, so the page
  // starts a new one to the same conversation; Web Chat keeps the transcript and drops the activities it already has.
  function renewConnection() {
    if (renewing) return;
    renewing = true;
    openSession()
      .then(function (session) {
        if (session.conversationId !== conversationId) {
          window.location.reload();
          return;
        }
        connect(session);
      })
      .catch(function () {
        setStatus(texts[locale].failed);
      })
      .then(function () {
        renewing = false;
      });
  }

  function onConnectionStatus(status) {
    if (status === connectionStatus.online) setStatus('');
    else if (status === connectionStatus.expiredToken) renewConnection();
    else if (status === connectionStatus.failedToConnect) setStatus(texts[locale].failed);
    else if (status === connectionStatus.ended && !renewing) setStatus(texts[locale].ended);
  }

  toggleButton.addEventListener('click', function () {
    locale = locale === 'hi-IN' ? 'en-US' : 'hi-IN';
    saveLocale(locale);
    applyLanguage();
    if (directLine) render();
  });

  // "Forget me" on a shared device: the server ends this identity (its cookie never works again), then a fresh page.
  forgetButton.addEventListener('click', function () {
    if (!window.confirm(texts[locale].forgetConfirm)) return;
    fetch('/webchat/forget', { method: 'POST', credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('forget failed');
        window.location.reload();
      })
      .catch(function () {
        setStatus(texts[locale].forgetFailed);
      });
  });

  // "Share my location": the browser's position goes to the bot as a Place entity, like a WhatsApp pin; the bot reads
  // the nearest locality back for confirmation before anything is registered there.
  locationButton.addEventListener('click', function () {
    if (!navigator.geolocation) {
      setStatus(texts[locale].locationUnsupported);
      return;
    }
    if (!directLine || !userId) return;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setStatus('');
        directLine
          .postActivity({
            type: 'message',
            from: { id: userId, role: 'user' },
            locale: locale,
            text: '',
            entities: [{ type: 'Place', geo: { type: 'GeoCoordinates', latitude: position.coords.latitude, longitude: position.coords.longitude } }],
          })
          .subscribe({ error: function () { setStatus(texts[locale].locationFailed); } });
      },
      function () {
        setStatus(texts[locale].locationFailed);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  applyLanguage();

  if (!window.WebChat) {
    setStatus(texts[locale].failed);
    return;
  }

  openSession()
    .then(connect)
    .catch(function () {
      setStatus(texts[locale].failed);
    });
})();
