// Everything the bot says, in Hindi and English: one place, so a consumer never meets an English-only sentence.
import type { OfficerLevel, TicketCategory, TicketStatus } from '../models/ticketTypes.js';

export type Language = 'hi' | 'en';

export interface TicketSummary {
  number: string;
  category: TicketCategory;
  status: TicketStatus;
  level: OfficerLevel;
  officerName?: string;
  locality?: string;
  createdAt: Date;
  /** Closed on a supervisor's phone call, not on the consumer's own answer in the chat. */
  closedOnCallback?: boolean;
}

export interface ComplaintDraft {
  category: TicketCategory;
  description: string;
  accountNumber?: string;
  mobile?: string;
  locality?: string;
  district?: string;
}

const categoryNames: Record<Language, Record<TicketCategory, string>> = {
  hi: {
    bill: 'बिजली बिल',
    meter: 'मीटर',
    new_connection: 'नया कनेक्शन',
    supply: 'बिजली आपूर्ति (बिजली नहीं आ रही)',
    theft: 'बिजली चोरी',
    transformer: 'ट्रांसफॉर्मर',
  },
  en: {
    bill: 'Electricity bill',
    meter: 'Meter',
    new_connection: 'New connection',
    supply: 'Power supply (no electricity)',
    theft: 'Electricity theft',
    transformer: 'Transformer',
  },
};

const statusNames: Record<Language, Record<TicketStatus, string>> = {
  hi: {
    registered: 'दर्ज',
    assigned: 'अधिकारी को सौंपी गई',
    in_progress: 'काम चल रहा है',
    awaiting_confirmation: 'आपकी पुष्टि का इंतज़ार',
    reopened: 'फिर से खोली गई',
    unconfirmed: 'पुष्टि नहीं मिली — हम फ़ोन करेंगे',
    closed: 'बंद (आपकी पुष्टि से)',
  },

  en: {
    registered: 'Registered',
    assigned: 'Assigned to an officer',
    in_progress: 'Work in progress',
    awaiting_confirmation: 'Waiting for your confirmation',
    reopened: 'Reopened',
    unconfirmed: 'Not confirmed — we will call you',
    closed: 'Closed (confirmed by you)',
  },
};

const closedOnCallbackNames: Record<Language, string> = { hi: 'बंद (फ़ोन कॉल पर आपकी पुष्टि से)', en: 'Closed (confirmed by you on a phone call)' };

function statusName(language: Language, ticket: TicketSummary): string {
  return ticket.closedOnCallback && ticket.status === 'closed' ? closedOnCallbackNames[language] : statusNames[language][ticket.status];
}

const levelNames: Record<Language, Record<OfficerLevel, string>> = {
  hi: { JE: 'अवर अभियंता (JE)', SDO: 'उपखंड अधिकारी (SDO)', XEN: 'अधिशासी अभियंता (XEN)', SE: 'अधीक्षण अभियंता (SE)', CE: 'मुख्य अभियंता (CE)' },
  en: { JE: 'Junior Engineer (JE)', SDO: 'Sub-Divisional Officer (SDO)', XEN: 'Executive Engineer (XEN)', SE: 'Superintending Engineer (SE)', CE: 'Chief Engineer (CE)' },
};

function officerPhrase(language: Language, level: OfficerLevel, name: string | undefined): string {
  const title = levelNames[language][level];
  return name ? `${title} ${name}` : title;
}

/** What a consumer waiting for a person is told (bot/liveHandoff.ts). */
export interface QueueNotice {
  position: number;
  /** Undefined: too few recent accepts to estimate honestly. */
  expectedWaitMinutes?: number;
  /** Office hours as configured, e.g. "Mon-Sat 09:00-18:00" (India time). */
  officeHours: string;
  callbackAfterMinutes: number;
}

const hindiDays: Record<string, string> = { Mon: 'सोम', Tue: 'मंगल', Wed: 'बुध', Thu: 'गुरु', Fri: 'शुक्र', Sat: 'शनि', Sun: 'रवि' };

function hoursPhrase(language: Language, hours: string): string {
  return language === 'hi' ? hours.replace(/Mon|Tue|Wed|Thu|Fri|Sat|Sun/g, (day) => hindiDays[day]!) : hours;
}

function formatDate(language: Language, date: Date): string {
  return new Intl.DateTimeFormat(language === 'hi' ? 'hi-IN' : 'en-IN', { dateStyle: 'medium', timeZone: 'Asia/Kolkata' }).format(date);
}

export const texts = {
  hi: {
    code: 'hi' as Language,
    languageName: 'हिंदी',
    welcome: 'नमस्ते! 🙏 मैं संतुष्टि हूँ — बिजली शिकायत सहायक (1912)। अपनी समस्या सीधे लिखें, जैसे "5 घंटे से बिजली नहीं है", या नीचे से चुनें।',
    menuChoices: ['शिकायत दर्ज करें', 'शिकायत की स्थिति', 'मेरी शिकायतें', 'किसी व्यक्ति से बात करें', 'English'],
    help:
      'मैं ये कर सकता हूँ:\n• बिजली, मीटर, बिल, नया कनेक्शन, चोरी या ट्रांसफॉर्मर की शिकायत दर्ज करना\n• शिकायत संख्या (जैसे UP-261128-00042) से स्थिति बताना\n• "मेरी शिकायतें" — आपकी सारी शिकायतें\n• "व्यक्ति से बात" — हमारे कर्मचारी से बात\nकभी भी "रद्द" लिखें तो मैं रुक जाऊँगा, "शुरू से" लिखें तो नए सिरे से शुरू करूँगा।',
    didNotUnderstand: 'माफ़ कीजिए, मैं समझ नहीं पाया। अपनी समस्या एक वाक्य में लिखें (जैसे "मीटर जल गया है"), या नीचे से चुनें।',
    cancelled: 'ठीक है, रोक दिया। जब चाहें फिर से लिखें।',
    restarted: 'ठीक है, नए सिरे से शुरू करते हैं।',
    languageSwitched: 'ठीक है, अब मैं हिंदी में बात करूँगा।',
    turnError: 'माफ़ कीजिए, हमारी तरफ़ कुछ गड़बड़ हुई। आपका संदेश सुरक्षित है — कृपया थोड़ी देर में फिर लिखें।',
    askCategory: 'आपकी शिकायत किस बारे में है?',
    askDescription: 'कृपया समस्या थोड़ा विस्तार से बताइए (क्या हुआ, कब से)।',
    askAccount: 'आपका 10 अंकों का उपभोक्ता खाता संख्या (बिल पर लिखा) बताइए। न हो तो "छोड़ें" लिखें।',
    skipWords: ['छोड़ें', 'skip'],
    badAccount: 'खाता संख्या 10 अंकों की होती है (बिल पर ऊपर लिखी)। फिर से लिखें, या "छोड़ें" लिखें।',
    askMobile: 'आपका मोबाइल नंबर? (10 अंक, जिस पर हम आपसे संपर्क कर सकें)',
    badMobile: 'यह सही मोबाइल नंबर नहीं लगता। 10 अंकों का नंबर लिखें, जैसे 9876543210।',
    askLocality: 'समस्या कहाँ है? मोहल्ला/इलाका लिखें (जैसे गोमती नगर, आलमबाग, चिनहट)।',
    unknownLocality: (text: string) => `"${text}" हमारी सूची में नहीं मिला। पास का कोई जाना-पहचाना इलाका लिखें, या वही पता दोबारा भेजें तो मैं उसे ऐसे ही दर्ज कर दूँगा।`,
    summary: (draft: ComplaintDraft) =>
      [
        'कृपया जाँच लें:',
        `• विषय: ${categoryNames.hi[draft.category]}`,
        `• विवरण: ${draft.description}`,
        `• इलाका: ${draft.locality ?? '—'}${draft.district ? `, ${draft.district}` : ''}`,
        `• मोबाइल: ${draft.mobile ?? '—'}`,
        `• खाता संख्या: ${draft.accountNumber ?? '—'}`,
        'क्या शिकायत दर्ज कर दूँ?',
      ].join('\n'),
    yesNoChoices: ['हाँ', 'नहीं'],
    registered: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `✅ आपकी शिकायत दर्ज हो गई। शिकायत संख्या: ${number}\nयह ${officerPhrase('hi', level, officerName)} को सौंपी गई है। काम की हर प्रगति पर हम आपको यहीं संदेश भेजेंगे, और समस्या ठीक होने पर आपसे पूछेंगे — आपकी "हाँ" के बिना शिकायत बंद नहीं होगी।`,
    registeredUnassigned: (number: string) =>
      `✅ आपकी शिकायत दर्ज हो गई। शिकायत संख्या: ${number}\nहमारे कर्मचारी इसे सही अधिकारी को सौंपेंगे; हर प्रगति पर आपको यहीं संदेश मिलेगा। आपकी "हाँ" के बिना शिकायत बंद नहीं होगी।`,
    duplicate: (number: string, status: TicketStatus) =>
      `इसी समस्या की आपकी एक शिकायत पहले से खुली है: ${number} (${statusNames.hi[status]})। नई शिकायत की ज़रूरत नहीं — हम उसी पर काम कर रहे हैं।`,
    notRegistered: 'ठीक है, शिकायत दर्ज नहीं की। जब चाहें फिर से लिखें।',
    askTicketNumber: 'अपनी शिकायत संख्या लिखें (जैसे UP-261128-00042), या "मेरी शिकायतें" लिखें।',
    ticketNotFound: (number: string) => `शिकायत ${number} आपके नाम पर नहीं मिली। संख्या जाँच लें, या "मेरी शिकायतें" लिखें।`,
    ticketStatus: (ticket: TicketSummary) =>
      `शिकायत ${ticket.number} (${categoryNames.hi[ticket.category]}${ticket.locality ? `, ${ticket.locality}` : ''}) — ${statusName('hi', ticket)}। ज़िम्मेदार: ${officerPhrase('hi', ticket.level, ticket.officerName)}। दर्ज: ${formatDate('hi', ticket.createdAt)}।`,
    noComplaints: 'आपकी कोई शिकायत दर्ज नहीं है। समस्या लिखें तो मैं दर्ज कर दूँगा।',
    yourComplaints: (count: number) => `आपकी ${count} शिकायतें:`,
    // Live handoff (bot/liveHandoff.ts)
    handoffQueued: (queue: QueueNotice) =>
      [
        `ठीक है, मैं आपको हमारे कर्मचारी से जोड़ रहा हूँ। कतार में आपका नंबर ${queue.position} है।`,
        queue.expectedWaitMinutes !== undefined
          ? `अनुमानित इंतज़ार: लगभग ${queue.expectedWaitMinutes} मिनट (हाल के इंतज़ार के आधार पर)।`
          : 'अभी इंतज़ार के समय का अनुमान नहीं है।',
        `कर्मचारी ${hoursPhrase('hi', queue.officeHours)} बजे तक उपलब्ध रहते हैं। ${queue.callbackAfterMinutes} मिनट में कोई न जुड़े तो हम आपको वापस कॉल करने का विकल्प देंगे।`,
        'कर्मचारी यहीं इसी चैट में जवाब देंगे; तब तक आप जो लिखेंगे, वह उन्हें भेज दिया जाएगा। तुरंत मदद के लिए 1912 पर कॉल करें। वापस मुझसे बात करने के लिए "रद्द" लिखें।',
      ].join('\n'),
    handoffUpset: 'हमें सचमुच खेद है कि आपको परेशानी हुई। मैं आपकी बात सीधे हमारे कर्मचारी तक पहुँचा रहा हूँ।',
    handoffNotUnderstood: 'माफ़ कीजिए, मैं फिर भी समझ नहीं पाया। मैं आपको हमारे कर्मचारी से जोड़ रहा हूँ।',
    handoffOffHours: (officeHours: string, maskedMobile: string | undefined) =>
      `अभी हमारे कर्मचारी उपलब्ध नहीं हैं (वे ${hoursPhrase('hi', officeHours)} बजे तक काम करते हैं)। ` +
      (maskedMobile ? `क्या हम आपको ${maskedMobile} पर वापस कॉल करें?` : 'क्या हम आपको वापस कॉल करें? हाँ कहें या अपना 10 अंकों का मोबाइल नंबर लिखें।'),
    callbackOffer: (maskedMobile: string | undefined) =>
      `अभी कोई कर्मचारी खाली नहीं है। ` +
      (maskedMobile ? `क्या हम आपको ${maskedMobile} पर वापस कॉल करें? "नहीं" लिखें तो आप कतार में बने रहेंगे।` : 'क्या हम आपको वापस कॉल करें? अपना 10 अंकों का मोबाइल नंबर लिखें, या कतार में बने रहने के लिए "नहीं"।'),
    offHoursWayBack: 'कॉल नहीं चाहिए तो "नहीं" लिखें; वापस मुझसे बात करने के लिए "रद्द"।',
    callbackAskMobile: 'किस नंबर पर कॉल करें? अपना 10 अंकों का मोबाइल नंबर लिखें।',
    callbackBadMobile: 'यह सही मोबाइल नंबर नहीं लगता। 10 अंकों का नंबर लिखें (जैसे 9876543210), या "नहीं"।',
    callbackRequested: (maskedMobile: string) => `ठीक है, हमारे कर्मचारी आपको ${maskedMobile} पर कॉल करेंगे। तब तक मैं (संतुष्टि) यहीं आपकी मदद के लिए हूँ।`,
    callbackDeclinedWaiting: 'ठीक है, आप कतार में बने हुए हैं; कर्मचारी यहीं जवाब देंगे।',
    callbackDeclinedOffHours: 'ठीक है। कर्मचारियों के समय में फिर से "व्यक्ति से बात" लिखें; तब तक मैं आपकी मदद कर सकता हूँ।',
    callbackClosed: (number: string, until: Date) =>
      `शिकायत ${number}: हमारे पर्यवेक्षक ने फ़ोन कॉल पर दर्ज किया है कि आपकी समस्या हल हो गई है, इसलिए शिकायत बंद की गई है। अगर समस्या हल नहीं हुई है तो ${formatDate('hi', until)} तक "नहीं" लिखें — शिकायत फिर से खुल जाएगी और ऊपर के अधिकारी को भेजी जाएगी।`,
    callbackClosureKept: (number: string) => `धन्यवाद! शिकायत ${number} बंद रहेगी। 🙏`,
    callbackRejectTooLate: (number: string) =>
      `शिकायत ${number} को फ़ोन कॉल पर दर्ज पुष्टि से बंद हुए काफ़ी समय हो गया है, इसलिए अब उसे दोबारा नहीं खोला जा सकता। समस्या फिर से है तो कृपया नई शिकायत दर्ज करें — मैं मदद करूँगा।`,
    handoffPassedOn: 'आपका संदेश कर्मचारी तक पहुँचा दिया गया है; वे यहीं जवाब देंगे। वापस मुझसे बात करने के लिए "रद्द" लिखें।',
    handoffAccepted: (agentFirstName: string) => `हमारे कर्मचारी ${agentFirstName} अब इस चैट में आपसे जुड़ गए हैं। अपनी बात यहीं लिखें।`,
    handoffCancelled: 'ठीक है, कर्मचारी से जोड़ने का अनुरोध रद्द कर दिया। मैं फिर से आपकी मदद के लिए हाज़िर हूँ।',
    handoffCompleted: 'कर्मचारी ने बातचीत पूरी कर ली है। अब मैं (संतुष्टि) फिर से आपकी मदद के लिए हाज़िर हूँ — शिकायत दर्ज करने या उसकी स्थिति जानने के लिए लिखें।',
    handoffRecorded:
      'आपकी बात हमारे कर्मचारियों के लिए दर्ज कर ली गई है। किसी व्यक्ति से यहीं बात करनी हो तो "व्यक्ति से बात" लिखें; तुरंत मदद के लिए 1912 पर कॉल करें।',
    satisfactionQuestion: (number: string, level: OfficerLevel, officerName: string | undefined, note: string) =>
      `शिकायत ${number}: ${officerPhrase('hi', level, officerName)} के अनुसार समस्या ठीक कर दी गई है — "${note}"।\nक्या आपकी समस्या हल हो गई?`,
    satisfactionReminder: (number: string) => `याद दिला रहे हैं: शिकायत ${number} — क्या आपकी समस्या हल हो गई? "हाँ" या "नहीं" लिखें।`,
    satisfactionUnclear: 'माफ़ कीजिए, साफ़ नहीं हुआ। समस्या हल हो गई हो तो "हाँ", नहीं तो "नहीं" लिखें।',
    satisfactionLater: 'कोई बात नहीं, हम बाद में फिर पूछेंगे। आप कभी भी "हाँ" या "नहीं" लिख सकते हैं।',
    closedThanks: (number: string) => `धन्यवाद! शिकायत ${number} आपकी पुष्टि से बंद कर दी गई है। 🙏`,
    reopened: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `हमें खेद है। शिकायत ${number} फिर से खोल दी गई है और अब ${officerPhrase('hi', level, officerName)} के पास है। काम होने पर हम फिर पूछेंगे।`,
    answerNotPossible: 'यह शिकायत अब पुष्टि का इंतज़ार नहीं कर रही।',
    // Verifying a mobile for this chat (services/identityService.ts): a code goes to that number's WhatsApp, or comes from it.
    verification: {
      codeSent: (maskedMobile: string) => `हमने व्हाट्सऐप ${maskedMobile} पर 6 अंकों का कोड भेजा है। इस नंबर को इस चैट से जोड़ने के लिए वह कोड यहाँ लिखें (10 मिनट तक मान्य)।`,
      codeToSend: (code: string, maskedMobile: string) =>
        `व्हाट्सऐप ${maskedMobile} को इस चैट से जोड़ने के लिए, उसी व्हाट्सऐप से हेल्पलाइन नंबर पर यह कोड भेजें: ${code} (10 मिनट तक मान्य)।`,
      codeMessage: (code: string) => `संतुष्टि (1912): आपका कोड ${code} है। इस नंबर को वेब चैट से जोड़ने के लिए इसे वहाँ लिखें। यह कोड किसी को न बताएँ, हमारे कर्मचारियों को भी नहीं।`,
      linked: 'हो गया: यह नंबर अब आपकी इस चैट से जुड़ गया है। दोनों जगह आपकी शिकायतें दिखेंगी।',
      wrongCode: 'यह कोड सही नहीं है। कृपया फिर से लिखें।',
      expired: 'यह कोड अब मान्य नहीं है। नया कोड माँगने के लिए "नंबर जोड़ें" और अपना मोबाइल नंबर लिखें।',
      locked: 'बहुत बार गलत कोड लिखा गया। कृपया नया कोड माँगें।',
      rateLimited: 'अभी बहुत से कोड माँगे जा चुके हैं। कृपया एक घंटे बाद फिर कोशिश करें।',
    },
    update: {
      assigned: (number: string, level: OfficerLevel, officerName?: string) => `शिकायत ${number}: ${officerPhrase('hi', level, officerName)} को सौंपी गई।`,
      workStarted: (number: string, note?: string) => `शिकायत ${number}: काम शुरू हो गया है।${note ? ` (${note})` : ''}`,
      escalated: (number: string, level: OfficerLevel, officerName?: string) =>
        `शिकायत ${number}: समय पर हल न होने से अब ${officerPhrase('hi', level, officerName)} को भेजी गई है।`,
      reopened: (number: string) => `शिकायत ${number}: फिर से खोली गई है; काम जारी है।`,
      unconfirmed: (number: string) => `शिकायत ${number}: आपका जवाब नहीं मिला, इसलिए यह बंद नहीं की गई। हमारे कर्मचारी आपको फ़ोन करेंगे; आप यहाँ "हाँ" या "नहीं" भी लिख सकते हैं।`,
      confirmed: (number: string) => `शिकायत ${number} आपकी पुष्टि से बंद हुई। धन्यवाद!`,
    },
    category: (category: TicketCategory) => categoryNames.hi[category],
    categoryChoices: (['supply', 'meter', 'bill', 'new_connection', 'transformer', 'theft'] as TicketCategory[]).map((category) => categoryNames.hi[category]),
  },
  en: {
    code: 'en' as Language,
    languageName: 'English',
    welcome: 'Hello! 🙏 I am Santushti, the electricity complaints assistant (1912). Describe your problem, e.g. "no power for 5 hours", or choose below.',
    menuChoices: ['Register a complaint', 'Complaint status', 'My complaints', 'Talk to a person', 'हिंदी'],
    help:
      'I can:\n• register a complaint about power supply, meter, bill, new connection, theft or a transformer\n• tell you the status by complaint number (e.g. UP-261128-00042)\n• "my complaints" — all your complaints\n• "talk to a person" — reach our staff\nType "cancel" at any time to stop, or "start over" to begin again.',
    didNotUnderstand: 'Sorry, I did not understand. Describe your problem in one sentence (e.g. "my meter is burnt"), or choose below.',
    cancelled: 'All right, stopped. Write again whenever you like.',
    restarted: 'All right, let us start again.',
    languageSwitched: 'All right, I will reply in English now.',
    turnError: 'Sorry, something went wrong on our side. Your message is safe — please write again in a little while.',
    askCategory: 'What is your complaint about?',
    askDescription: 'Please describe the problem a little (what happened, since when).',
    askAccount: 'Your 10-digit consumer account number (printed on the bill)? Type "skip" if you do not have it.',
    skipWords: ['skip', 'छोड़ें'],
    badAccount: 'The account number has 10 digits (at the top of your bill). Type it again, or type "skip".',
    askMobile: 'Your mobile number? (10 digits, where we can reach you)',
    badMobile: 'That does not look like a mobile number. Type a 10-digit number, e.g. 9876543210.',
    askLocality: 'Where is the problem? Type your locality (e.g. Gomti Nagar, Alambagh, Chinhat).',
    unknownLocality: (text: string) => `I could not find "${text}" in our list. Type a nearby well-known locality, or send the same address again and I will record it as it is.`,
    summary: (draft: ComplaintDraft) =>
      [
        'Please check:',
        `• About: ${categoryNames.en[draft.category]}`,
        `• Details: ${draft.description}`,
        `• Locality: ${draft.locality ?? '—'}${draft.district ? `, ${draft.district}` : ''}`,
        `• Mobile: ${draft.mobile ?? '—'}`,
        `• Account number: ${draft.accountNumber ?? '—'}`,
        'Shall I register the complaint?',
      ].join('\n'),
    yesNoChoices: ['Yes', 'No'],
    registered: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `✅ Your complaint is registered. Complaint number: ${number}\nIt is assigned to ${officerPhrase('en', level, officerName)}. We will message you here at every step, and ask you when it is fixed — it will not be closed without your "yes".`,
    registeredUnassigned: (number: string) =>
      `✅ Your complaint is registered. Complaint number: ${number}\nOur staff will assign it to the right officer; you will get a message here at every step. It will not be closed without your "yes".`,
    duplicate: (number: string, status: TicketStatus) =>
      `You already have an open complaint about this: ${number} (${statusNames.en[status]}). No need for a new one — we are working on it.`,
    notRegistered: 'All right, I have not registered it. Write again whenever you like.',
    askTicketNumber: 'Type your complaint number (e.g. UP-261128-00042), or "my complaints".',
    ticketNotFound: (number: string) => `I could not find complaint ${number} under your name. Check the number, or type "my complaints".`,
    ticketStatus: (ticket: TicketSummary) =>
      `Complaint ${ticket.number} (${categoryNames.en[ticket.category]}${ticket.locality ? `, ${ticket.locality}` : ''}) — ${statusName('en', ticket)}. Responsible: ${officerPhrase('en', ticket.level, ticket.officerName)}. Registered: ${formatDate('en', ticket.createdAt)}.`,
    noComplaints: 'You have no complaints registered. Describe your problem and I will register it.',
    yourComplaints: (count: number) => `Your ${count} complaint(s):`,
    // Live handoff (bot/liveHandoff.ts)
    handoffQueued: (queue: QueueNotice) =>
      [
        `All right, I am connecting you to our staff. You are number ${queue.position} in the queue.`,
        queue.expectedWaitMinutes !== undefined
          ? `Expected wait: about ${queue.expectedWaitMinutes} minute(s) (from recent waits).`
          : 'We have no estimate of the wait yet.',
        `Agents work ${hoursPhrase('en', queue.officeHours)} (India time). If nobody joins within ${queue.callbackAfterMinutes} minute(s), we will offer to call you back.`,
        'An agent will reply here in this chat; until then, whatever you write is passed on to them. For urgent help, call 1912. To go back to the bot, type "cancel".',
      ].join('\n'),
    handoffUpset: 'We are truly sorry for the trouble. I am passing you straight to our staff.',
    handoffNotUnderstood: 'Sorry, I still could not understand. I am connecting you to our staff.',
    handoffOffHours: (officeHours: string, maskedMobile: string | undefined) =>
      `Our agents are away right now (they work ${hoursPhrase('en', officeHours)}, India time). ` +
      (maskedMobile ? `Shall we call you back on ${maskedMobile}?` : 'Shall we call you back? Say yes or type your 10-digit mobile number.'),
    callbackOffer: (maskedMobile: string | undefined) =>
      'No agent is free yet. ' +
      (maskedMobile ? `Shall we call you back on ${maskedMobile}? Type "no" to keep your place in the queue.` : 'Shall we call you back? Type your 10-digit mobile number, or "no" to keep your place in the queue.'),
    offHoursWayBack: 'If you do not want a call, type "no"; to go back to the bot, type "cancel".',
    callbackAskMobile: 'Which number should we call? Type your 10-digit mobile number.',
    callbackBadMobile: 'That does not look like a mobile number. Type a 10-digit number (e.g. 9876543210), or "no".',
    callbackRequested: (maskedMobile: string) => `All right, our staff will call you on ${maskedMobile}. Meanwhile I (Santushti) am here to help.`,
    callbackDeclinedWaiting: 'All right, you keep your place in the queue; an agent will reply here.',
    callbackDeclinedOffHours: 'All right. Type "talk to a person" again during office hours; meanwhile I can help you.',
    callbackClosed: (number: string, until: Date) =>
      `Complaint ${number}: our supervisor recorded on a phone call that your problem is solved, so the complaint is closed. If it is NOT solved, reply "no" by ${formatDate('en', until)} — it will be reopened and sent to a senior officer.`,
    callbackClosureKept: (number: string) => `Thank you! Complaint ${number} stays closed. 🙏`,
    callbackRejectTooLate: (number: string) =>
      `Complaint ${number} was closed on a phone call too long ago to reopen it now. If the problem is back, please register a new complaint — I will help.`,
    handoffPassedOn: 'Your message has been passed on to our staff; they will reply here. To go back to the bot, type "cancel".',
    handoffAccepted: (agentFirstName: string) => `${agentFirstName} from our staff has joined this chat. Please write here.`,
    handoffCancelled: 'All right, the request to talk to a person is cancelled. I am here to help again.',
    handoffCompleted: 'The agent has finished this conversation. I (Santushti) am back to help — write to register a complaint or check its status.',
    handoffRecorded:
      'Your message is recorded for our staff. To talk to a person here, type "talk to a person"; for urgent help call 1912.',
    satisfactionQuestion: (number: string, level: OfficerLevel, officerName: string | undefined, note: string) =>
      `Complaint ${number}: ${officerPhrase('en', level, officerName)} reports the problem fixed — "${note}".\nIs your problem solved?`,
    satisfactionReminder: (number: string) => `Reminder: complaint ${number} — is your problem solved? Type "yes" or "no".`,
    satisfactionUnclear: 'Sorry, that was not clear. Type "yes" if the problem is solved, otherwise "no".',
    satisfactionLater: 'No problem, we will ask again later. You can type "yes" or "no" at any time.',
    closedThanks: (number: string) => `Thank you! Complaint ${number} is closed on your confirmation. 🙏`,
    reopened: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `We are sorry. Complaint ${number} is reopened and now with ${officerPhrase('en', level, officerName)}. We will ask you again when it is fixed.`,
    answerNotPossible: 'This complaint is no longer waiting for your confirmation.',
    verification: {
      codeSent: (maskedMobile: string) => `We sent a 6-digit code to WhatsApp ${maskedMobile}. Type it here to link that number to this chat (valid for 10 minutes).`,
      codeToSend: (code: string, maskedMobile: string) =>
        `To link WhatsApp ${maskedMobile} to this chat, send this code from that WhatsApp to the helpline number: ${code} (valid for 10 minutes).`,
      codeMessage: (code: string) => `Santushti (1912): your code is ${code}. Type it in the web chat to link this number. Never share it with anyone, not even our staff.`,
      linked: 'Done: this number is now linked to your chat. Your complaints show in both places.',
      wrongCode: 'That code is not right. Please type it again.',
      expired: 'That code is no longer valid. To get a new one, type "link number" and your mobile number.',
      locked: 'Too many wrong codes. Please ask for a new code.',
      rateLimited: 'Too many codes were asked for just now. Please try again in an hour.',
    },
    update: {
      assigned: (number: string, level: OfficerLevel, officerName?: string) => `Complaint ${number}: assigned to ${officerPhrase('en', level, officerName)}.`,
      workStarted: (number: string, note?: string) => `Complaint ${number}: work has started.${note ? ` (${note})` : ''}`,
      escalated: (number: string, level: OfficerLevel, officerName?: string) =>
        `Complaint ${number}: not resolved in time, so it is now with ${officerPhrase('en', level, officerName)}.`,
      reopened: (number: string) => `Complaint ${number}: reopened; work continues.`,
      unconfirmed: (number: string) => `Complaint ${number}: we did not hear from you, so it is NOT closed. Our staff will call you; you can also type "yes" or "no" here.`,
      confirmed: (number: string) => `Complaint ${number} is closed on your confirmation. Thank you!`,
    },
    category: (category: TicketCategory) => categoryNames.en[category],
    categoryChoices: (['supply', 'meter', 'bill', 'new_connection', 'transformer', 'theft'] as TicketCategory[]).map((category) => categoryNames.en[category]),
  },
} satisfies Record<Language, unknown>;

export type Texts = (typeof texts)['hi'];
export const textsFor = (language: Language): Texts => texts[language];

/** The order of `categoryChoices`, so a chosen button maps back to its category. */
export const categoryChoiceOrder: TicketCategory[] = ['supply', 'meter', 'bill', 'new_connection', 'transformer', 'theft'];
