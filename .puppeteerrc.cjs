// whatsapp-web.js brings puppeteer, which would download its own Chrome: we use Debian's chromium instead
// (WHATSAPP_WEB_CHROMIUM, default /usr/bin/chromium), and this machine cannot download browsers anyway.
module.exports = { skipDownload: true };
