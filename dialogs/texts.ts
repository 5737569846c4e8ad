// Everything the bot says, in Hindi (Devanagari), English and Hinglish (Hindi in Latin letters, 'hl'): one place, so a
// consumer never meets a sentence outside their language and script. A key missing from one set is a compile error.
import type { ConsumerLanguage } from '../models/consumerLanguage.js';
import type { OfficerLevel, TicketCategory, TicketStatus } from '../models/ticketTypes.js';

export type Language = ConsumerLanguage;

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
  /** The field's latest progress note and expected time (while the work is still open). */
  progressNote?: string;
  expectedBy?: Date;
}

export interface ComplaintDraft {
  category: TicketCategory;
  description: string;
  accountNumber?: string;
  mobile?: string;
  locality?: string;
  district?: string;
  /** Sector, block, house number or landmark as the consumer gave them ("sector 14 ke paas"). */
  placeDetail?: string;
  /** A new connection's application number (a new connection is asked for this instead of a bill's account). */
  applicationNumber?: string;
  /** Other problems named with it: each becomes a complaint of its own. */
  alsoCategories?: TicketCategory[];
  /** Each problem's own words when several were named: shown beside each in the read-back. */
  problemWords?: Partial<Record<TicketCategory, string>>;
}

/** The read-back's place, identity and closing lines, which differ by category (see summary). */
function summaryLines(language: Language, draft: ComplaintDraft): string[] {
  const l = summaryLabels[language];
  const place = `${draft.locality ?? '—'}${draft.placeDetail ? ` (${draft.placeDetail})` : ''}${draft.district ? `, ${draft.district}` : ''}`;
  const words = (category: TicketCategory) => (draft.problemWords?.[category] ? ` — "${draft.problemWords[category]}"` : '');
  const lines = [l.check, `• ${l.about}: ${categoryNames[language][draft.category]}${words(draft.category)}`];
  for (const other of draft.alsoCategories ?? []) lines.push(`• ${l.also}: ${categoryNames[language][other]}${words(other)}`);
  lines.push(`• ${l.details}: ${draft.description}`, `• ${l.locality}: ${place}`);
  lines.push(`• ${l.mobile}: ${draft.mobile ?? '—'}`);
  if (draft.category === 'new_connection') lines.push(`• ${l.application}: ${draft.applicationNumber ?? '—'}`);
  else if (draft.category !== 'theft') lines.push(`• ${l.account}: ${draft.accountNumber ?? '—'}`);
  if (draft.category === 'theft') lines.push(l.confidential);
  lines.push(l.question);
  return lines;
}

const summaryLabels: Record<Language, Record<'check' | 'about' | 'also' | 'details' | 'locality' | 'mobile' | 'account' | 'application' | 'confidential' | 'question', string>> = {
  hi: {
    check: 'कृपया जाँच लें:',
    about: 'विषय',
    also: 'साथ में अलग शिकायत',
    details: 'विवरण',
    locality: 'इलाका',
    mobile: 'मोबाइल',
    account: 'खाता संख्या',
    application: 'आवेदन संख्या',
    confidential: '🔒 आपकी पहचान गोपनीय रहेगी: अधिकारियों को यह नहीं दिखेगा कि सूचना किसने दी।',
    question: 'क्या शिकायत दर्ज कर दूँ?',
  },
  en: {
    check: 'Please check:',
    about: 'About',
    also: 'Also, as a separate complaint',
    details: 'Details',
    locality: 'Locality',
    mobile: 'Mobile',
    account: 'Account number',
    application: 'Application number',
    confidential: '🔒 Your identity stays confidential: officers will not see who reported this.',
    question: 'Shall I register the complaint?',
  },
  hl: {
    check: 'Kripya jaanch lijiye:',
    about: 'Vishay',
    also: 'Saath mein alag shikayat',
    details: 'Vivran',
    locality: 'Ilaka',
    mobile: 'Mobile',
    account: 'Khata sankhya',
    application: 'Aavedan sankhya',
    confidential: '🔒 Aapki pehchaan gopniya rahegi: adhikariyon ko yeh nahi dikhega ki suchna kisne di.',
    question: 'Kya shikayat darj kar doon?',
  },
};

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
  hl: {
    bill: 'Bijli bill',
    meter: 'Meter',
    new_connection: 'Naya connection',
    supply: 'Bijli supply (bijli nahi aa rahi)',
    theft: 'Bijli chori',
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
  hl: {
    registered: 'Darj',
    assigned: 'Adhikari ko saunpi gayi',
    in_progress: 'Kaam chal raha hai',
    awaiting_confirmation: 'Aapki pushti ka intezaar',
    reopened: 'Phir se kholi gayi',
    unconfirmed: 'Pushti nahi mili — hum phone karenge',
    closed: 'Band (aapki pushti se)',
  },
};

const closedOnCallbackNames: Record<Language, string> = {
  hi: 'बंद (फ़ोन कॉल पर आपकी पुष्टि से)',
  en: 'Closed (confirmed by you on a phone call)',
  hl: 'Band (phone call par aapki pushti se)',
};

function statusName(language: Language, ticket: TicketSummary): string {
  return ticket.closedOnCallback && ticket.status === 'closed' ? closedOnCallbackNames[language] : statusNames[language][ticket.status];
}

const levelNames: Record<Language, Record<OfficerLevel, string>> = {
  hi: { JE: 'अवर अभियंता (JE)', SDO: 'उपखंड अधिकारी (SDO)', XEN: 'अधिशासी अभियंता (XEN)', SE: 'अधीक्षण अभियंता (SE)', CE: 'मुख्य अभियंता (CE)' },
  en: { JE: 'Junior Engineer (JE)', SDO: 'Sub-Divisional Officer (SDO)', XEN: 'Executive Engineer (XEN)', SE: 'Superintending Engineer (SE)', CE: 'Chief Engineer (CE)' },
  hl: { JE: 'Avar Abhiyanta (JE)', SDO: 'Upkhand Adhikari (SDO)', XEN: 'Adhishasi Abhiyanta (XEN)', SE: 'Adheekshan Abhiyanta (SE)', CE: 'Mukhya Abhiyanta (CE)' },
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

/**
 * Office hours as a phrase that reads right in a sentence: "सोम-शनि 09:00 से 18:00 बजे तक" / "Mon-Sat 09:00-18:00",
 * and a whole day as "24 घंटे" / "round the clock" (never "00:00-24:00 बजे तक").
 */
export function hoursPhrase(language: Language, hours: string): string {
  const match = /^(?:(.*?)\s+)?(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(hours.trim());
  if (!match) return language === 'hi' ? hours.replace(/Mon|Tue|Wed|Thu|Fri|Sat|Sun/g, (day) => hindiDays[day]!) : hours;
  const days = match[1] ? (language === 'hi' ? match[1].replace(/Mon|Tue|Wed|Thu|Fri|Sat|Sun/g, (day) => hindiDays[day]!) : match[1]) : undefined;
  const wholeDay = match[2] === '00:00' && match[3] === '24:00';
  if (language === 'hi') {
    if (wholeDay) return days ? `${days} 24 घंटे` : 'हर दिन 24 घंटे';
    return `${days ? `${days} ` : ''}${match[2]} से ${match[3]} बजे तक`;
  }
  if (language === 'hl' && wholeDay) return days ? `${days} 24 ghante` : 'har din 24 ghante';
  if (wholeDay) return days ? `${days}, round the clock` : 'round the clock, every day';
  return `${days ? `${days} ` : ''}${match[2]}-${match[3]}`;
}

function formatDate(language: Language, date: Date): string {
  return new Intl.DateTimeFormat(language === 'hi' ? 'hi-IN' : 'en-IN', { dateStyle: 'medium', timeZone: 'Asia/Kolkata' }).format(date);
}

/** What is known about an area's power cut (services/incidentService.ts IncidentNews), in a consumer's language. */
export interface IncidentNotice {
  locality: string;
  since: Date;
  reports: number;
  status: 'reported' | 'crew_assigned' | 'work_in_progress' | 'restored' | 'merged';
  etaAt?: Date;
  note?: string;
}

function formatTime(language: Language, date: Date): string {
  return new Intl.DateTimeFormat(language === 'hi' ? 'hi-IN' : 'en-IN', { timeStyle: 'short', hourCycle: 'h23', timeZone: 'Asia/Kolkata' }).format(date);
}

const incidentStatusNames: Record<Language, Record<IncidentNotice['status'], string>> = {
  hi: { reported: 'सूचना दर्ज है', crew_assigned: 'टीम लगा दी गई है', work_in_progress: 'मरम्मत चल रही है', restored: 'बिजली बहाल बताई गई है', merged: 'सूचना दर्ज है' },
  en: { reported: 'reported to the JE', crew_assigned: 'crew assigned', work_in_progress: 'repair under way', restored: 'reported restored', merged: 'reported to the JE' },
  hl: { reported: 'suchna darj hai', crew_assigned: 'team laga di gayi hai', work_in_progress: 'marammat chal rahi hai', restored: 'bijli bahaal batayi gayi hai', merged: 'suchna darj hai' },
};

function incidentSentence(language: Language, notice: IncidentNotice): string {
  const status = incidentStatusNames[language][notice.status];
  const note = notice.note ? ` (${notice.note})` : '';
  if (language === 'hi') {
    const eta = notice.etaAt ? `, बिजली ${formatTime('hi', notice.etaAt)} तक आने की उम्मीद है` : '';
    return `${notice.locality} में बिजली कटौती की जानकारी ${formatTime('hi', notice.since)} से है, ${notice.reports} शिकायतें, ${status}${eta}।${note}`;
  }
  if (language === 'hl') {
    const eta = notice.etaAt ? `, bijli ${formatTime('hl', notice.etaAt)} tak aane ki ummeed hai` : '';
    return `${notice.locality} mein bijli katauti ki jaankari ${formatTime('hl', notice.since)} se hai, ${notice.reports} shikayatein, ${status}${eta}.${note}`;
  }
  const eta = notice.etaAt ? `, expected back by ${formatTime('en', notice.etaAt)}` : '';
  return `Power cut in ${notice.locality} known since ${formatTime('en', notice.since)}, ${notice.reports} reports, ${status}${eta}.${note}`;
}

/** A day and time in India, e.g. "4 दिस॰ 2026, 6:00 pm" / "4 Dec 2026, 6:00 pm". */
export function formatDateTime(language: Language, date: Date): string {
  return new Intl.DateTimeFormat(language === 'hi' ? 'hi-IN' : 'en-IN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Kolkata' }).format(date);
}

/** The field's word on a ticket: the officer's note quoted as written, and the expected time if one was given. */
function progressPhrase(language: Language, note: string | undefined, expectedBy: Date | undefined): string {
  const parts: string[] = [];
  if (language === 'hi') {
    if (note) parts.push(`अधिकारी का संदेश: "${note}"।`);
    if (expectedBy) parts.push(`काम पूरा होने का अनुमानित समय: ${formatDateTime('hi', expectedBy)}।`);
  } else if (language === 'hl') {
    if (note) parts.push(`Adhikari ka sandesh: "${note}".`);
    if (expectedBy) parts.push(`Kaam poora hone ka anumanit samay: ${formatDateTime('hl', expectedBy)}.`);
  } else {
    if (note) parts.push(`The officer writes: "${note}".`);
    if (expectedBy) parts.push(`Expected to be done by: ${formatDateTime('en', expectedBy)}.`);
  }
  return parts.length ? ` ${parts.join(' ')}` : '';
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
    askWhichMobile: (numbers: string[]) =>
      `आपने दो नंबर लिखे: ${numbers.join(' और ')}। इनमें से आपका मोबाइल नंबर कौन-सा है? (दूसरा खाता संख्या के रूप में दर्ज होगा)`,
    askWhatToChange: 'क्या बदलना है? नीचे से चुनें, या सीधे सही जानकारी लिखें (जैसे "मोबाइल 9876543210")।',
    changeChoices: ['विषय', 'विवरण', 'इलाका', 'मोबाइल', 'खाता संख्या', 'शिकायत दर्ज न करें'],
    askMobileTheft:
      'चोरी की सूचना गोपनीय रहती है: अधिकारियों को यह नहीं दिखेगा कि सूचना किसने दी। मोबाइल नंबर देना ज़रूरी नहीं — हम आपसे संपर्क कर सकें तो लिखें, नहीं तो "छोड़ें"।',
    askApplication: 'नए कनेक्शन की आवेदन संख्या (रसीद पर लिखी) है? लिखें, या न हो तो "छोड़ें"।',
    badApplication: 'आवेदन संख्या 4 से 30 अक्षरों/अंकों की होती है (रसीद पर लिखी)। फिर से लिखें, या "छोड़ें"।',
    theftRegistered: '🔒 आपकी सूचना गोपनीय है: अधिकारियों को आपका नाम या नंबर नहीं दिखेगा, केवल हमारे पर्यवेक्षक देख सकते हैं।',
    outsideDirectory: (covered: string) =>
      `आपका पता हमारी सूची के किसी इलाके से नहीं मिला। यह सेवा अभी इन ज़िलों के लिए है: ${covered}। आपकी शिकायत आपके शब्दों में हमारे पर्यवेक्षक के पास भेज दी गई है; वे इसे सही दफ़्तर तक पहुँचाएँगे। इलाका इनसे बाहर है तो अपने क्षेत्र की बिजली हेल्पलाइन 1912 पर भी कॉल करें।`,
    confirmCancel: 'आपकी अधूरी शिकायत हटा दूँ? "हाँ" लिखें तो रद्द हो जाएगी; "नहीं" लिखें तो वहीं से आगे बढ़ेंगे।',
    badMobile: 'यह सही मोबाइल नंबर नहीं लगता। 10 अंकों का नंबर लिखें, जैसे 9876543210।',
    askLocality: 'समस्या कहाँ है? मोहल्ला/इलाका लिखें (जैसे गोमती नगर, आलमबाग, चिनहट)।',
    unknownLocality: (text: string) => `"${text}" हमारी सूची में नहीं मिला। पास का कोई जाना-पहचाना इलाका लिखें, या वही पता दोबारा भेजें तो मैं उसे ऐसे ही दर्ज कर दूँगा।`,
    summary: (draft: ComplaintDraft) => summaryLines('hi', draft).join('\n'),
    yesNoChoices: ['हाँ', 'नहीं'],
    registered: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `✅ आपकी शिकायत दर्ज हो गई। शिकायत संख्या: ${number}\nयह ${officerPhrase('hi', level, officerName)} को सौंपी गई है। काम की हर प्रगति पर हम आपको यहीं संदेश भेजेंगे, और समस्या ठीक होने पर आपसे पूछेंगे — आपकी "हाँ" के बिना शिकायत बंद नहीं होगी।`,
    registeredUnassigned: (number: string) =>
      `✅ आपकी शिकायत दर्ज हो गई। शिकायत संख्या: ${number}\nहमारे कर्मचारी इसे सही अधिकारी को सौंपेंगे; हर प्रगति पर आपको यहीं संदेश मिलेगा। आपकी "हाँ" के बिना शिकायत बंद नहीं होगी।`,
    duplicate: (number: string, status: TicketStatus) =>
      `इसी समस्या की आपकी एक शिकायत पहले से खुली है: ${number} (${statusNames.hi[status]})। नई शिकायत की ज़रूरत नहीं — हम उसी पर काम कर रहे हैं।`,
    notRegistered: 'ठीक है, शिकायत दर्ज नहीं की। जब चाहें फिर से लिखें।',
    askTicketNumber: 'अपनी शिकायत संख्या लिखें (जैसे UP-261128-00042), या "मेरी शिकायतें" लिखें।',
    ticketNotFound: (number: string) =>
      `शिकायत ${number} इस चैट से दर्ज आपकी शिकायतों में नहीं मिली। संख्या जाँच लें, या "मेरी शिकायतें" लिखें। अगर यह शिकायत किसी दूसरे फ़ोन से दर्ज की थी, तो वह मोबाइल नंबर लिखें जिससे दर्ज की थी।`,
    recoverAskCode: 'अगर यह नंबर उस शिकायत का है, तो उस नंबर के WhatsApp पर एक कोड भेजा गया है। वह कोड यहाँ लिखें।',
    recoverBadCode: 'यह कोड सही नहीं है। उस नंबर के WhatsApp पर आया कोड फिर से लिखें।',
    recoverFailed: 'कोड की पुष्टि नहीं हो सकी। उस नंबर के WhatsApp से हमें लिखें, या 1912 पर कॉल करें।',
    recoverUnavailable: 'इस चैट से मैं उस नंबर की पुष्टि नहीं कर सकता, इसलिए शिकायत का ब्योरा यहाँ नहीं दिखा सकता। उसी नंबर के WhatsApp से हमें लिखें, या 1912 पर कॉल करें।',
    whichTicket: (sequence: string) => `आपकी एक से ज़्यादा शिकायतें ${sequence} पर ख़त्म होती हैं। कौन-सी? पूरी संख्या चुनें।`,
    sequenceNotFound: (sequence: string) => `आपकी कोई शिकायत ${sequence} पर ख़त्म नहीं होती। पूरी शिकायत संख्या (जैसे UP-261128-00042) लिखें, या "मेरी शिकायतें" लिखें।`,
    ticketStatus: (ticket: TicketSummary) =>
      `शिकायत ${ticket.number} (${categoryNames.hi[ticket.category]}${ticket.locality ? `, ${ticket.locality}` : ''}) — ${statusName('hi', ticket)}। ज़िम्मेदार: ${officerPhrase('hi', ticket.level, ticket.officerName)}। दर्ज: ${formatDate('hi', ticket.createdAt)}।${progressPhrase('hi', ticket.progressNote, ticket.expectedBy)}`,
    noComplaints: 'आपकी कोई शिकायत दर्ज नहीं है। समस्या लिखें तो मैं दर्ज कर दूँगा।',
    yourComplaints: (count: number) => (count === 1 ? 'आपकी 1 शिकायत:' : `आपकी ${count} शिकायतें:`),
    // Live handoff (bot/liveHandoff.ts)
    handoffQueued: (queue: QueueNotice) =>
      [
        `ठीक है, मैं आपको हमारे कर्मचारी से जोड़ रहा हूँ। कतार में आपका नंबर ${queue.position} है।`,
        queue.expectedWaitMinutes !== undefined
          ? `अनुमानित इंतज़ार: लगभग ${queue.expectedWaitMinutes} मिनट (हाल के इंतज़ार के आधार पर)।`
          : 'अभी इंतज़ार के समय का अनुमान नहीं है।',
        `कर्मचारी ${hoursPhrase('hi', queue.officeHours)} उपलब्ध रहते हैं। ${queue.callbackAfterMinutes} मिनट में कोई न जुड़े तो हम आपको वापस कॉल करने का विकल्प देंगे।`,
        'कर्मचारी यहीं इसी चैट में जवाब देंगे; तब तक आप जो लिखेंगे, वह उन्हें भेज दिया जाएगा। तुरंत मदद के लिए 1912 पर कॉल करें। वापस मुझसे बात करने के लिए "रद्द" लिखें।',
      ].join('\n'),
    handoffUpset: 'हमें सचमुच खेद है कि आपको परेशानी हुई। मैं आपकी बात सीधे हमारे कर्मचारी तक पहुँचा रहा हूँ।',
    handoffNotUnderstood: 'माफ़ कीजिए, मैं फिर भी समझ नहीं पाया।',
    handoffOffHours: (officeHours: string, maskedMobile: string | undefined) =>
      `अभी हमारे कर्मचारी उपलब्ध नहीं हैं (वे ${hoursPhrase('hi', officeHours)} काम करते हैं)। ` +
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
    tooManyRegistrations:
      'एक व्यक्ति से एक दिन में जितनी शिकायतें ली जा सकती हैं, आप उतनी दर्ज कर चुके हैं, इसलिए यह शिकायत दर्ज नहीं हुई। अपनी शिकायतें देखने के लिए "स्थिति" लिखें; ज़रूरी हो तो 1912 पर कॉल करें।',
    tooManyMessages: 'आप बहुत तेज़ी से संदेश भेज रहे हैं। कृपया एक मिनट रुककर अपना संदेश फिर भेजें; अभी भेजे गए संदेश पढ़े नहीं जाएँगे। ज़रूरी हो तो 1912 पर कॉल करें।',
    /** To an officer's own WhatsApp number (given on /officer for alerts): nothing sent from it is a consumer's message. */
    officerNumberNotice: 'यह नंबर एक अधिकारी के नाम पर अलर्ट के लिए दर्ज है, इसलिए इससे भेजे गए संदेश शिकायत या उपभोक्ता के जवाब नहीं माने जाते। शिकायतों पर काम /officer पेज पर करें।',
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
      workStarted: (number: string, note?: string, expectedBy?: Date) => `शिकायत ${number}: काम शुरू हो गया है।${progressPhrase('hi', note, expectedBy)}`,
      progressNoted: (number: string, note?: string, expectedBy?: Date) => `शिकायत ${number} पर नई जानकारी:${progressPhrase('hi', note, expectedBy)}`,
      openedByStaff: (number: string, category: TicketCategory, level: OfficerLevel, officerName?: string) =>
        `हमारे कर्मचारी ने आपकी ${categoryNames.hi[category]} की शिकायत दर्ज की है। शिकायत संख्या: ${number}। यह ${officerPhrase('hi', level, officerName)} को सौंपी गई है; हर प्रगति पर आपको यहीं संदेश मिलेगा, और आपकी "हाँ" के बिना शिकायत बंद नहीं होगी।`,
      escalated: (number: string, level: OfficerLevel, officerName?: string) =>
        `शिकायत ${number}: समय पर हल न होने से अब ${officerPhrase('hi', level, officerName)} को भेजी गई है।`,
      reopened: (number: string) => `शिकायत ${number}: फिर से खोली गई है; काम जारी है।`,
      unconfirmed: (number: string) => `शिकायत ${number}: आपका जवाब नहीं मिला, इसलिए यह बंद नहीं की गई। हमारे कर्मचारी आपको फ़ोन करेंगे; आप यहाँ "हाँ" या "नहीं" भी लिख सकते हैं।`,
      confirmed: (number: string) => `शिकायत ${number} आपकी पुष्टि से बंद हुई। धन्यवाद!`,
      incident: (number: string, notice: IncidentNotice) => `शिकायत ${number} — नई जानकारी: ${incidentSentence('hi', notice)}`,
    },
    /** A complaint registered into a known area incident (or "light kab aayegi" from that area): what is known. */
    incidentKnown: (notice: IncidentNotice) => `${incidentSentence('hi', notice)} आपकी शिकायत भी इसी से जुड़ी है; बिजली आने पर हम आपसे पूछेंगे।`,
    incidentAnswer: (notice: IncidentNotice) => incidentSentence('hi', notice),
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
    askWhichMobile: (numbers: string[]) =>
      `You wrote two numbers: ${numbers.join(' and ')}. Which one is your mobile number? (The other will be recorded as the account number.)`,
    askWhatToChange: 'What should I change? Choose below, or just type the right detail (e.g. "mobile 9876543210").',
    changeChoices: ['Subject', 'Details', 'Locality', 'Mobile', 'Account number', 'Do not register'],
    askMobileTheft:
      'Theft reports are confidential: officers will not see who reported it. A mobile number is optional — type it if we may contact you, otherwise "skip".',
    askApplication: 'Do you have the application number of your new connection (on the receipt)? Type it, or "skip".',
    badApplication: 'An application number has 4 to 30 letters or digits (on the receipt). Type it again, or "skip".',
    theftRegistered: '🔒 Your report is confidential: officers will not see your name or number; only our supervisors can.',
    outsideDirectory: (covered: string) =>
      `Your address did not match any locality in our list. This service currently covers these districts: ${covered}. Your complaint has gone, in your own words, to our supervisor, who will pass it to the right office. If your area is outside these, please also call 1912 for your own region.`,
    confirmCancel: 'Discard the complaint you started? Type "yes" to discard it, or "no" to carry on where we were.',
    badMobile: 'That does not look like a mobile number. Type a 10-digit number, e.g. 9876543210.',
    askLocality: 'Where is the problem? Type your locality (e.g. Gomti Nagar, Alambagh, Chinhat).',
    unknownLocality: (text: string) => `I could not find "${text}" in our list. Type a nearby well-known locality, or send the same address again and I will record it as it is.`,
    summary: (draft: ComplaintDraft) => summaryLines('en', draft).join('\n'),
    yesNoChoices: ['Yes', 'No'],
    registered: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `✅ Your complaint is registered. Complaint number: ${number}\nIt is assigned to ${officerPhrase('en', level, officerName)}. We will message you here at every step, and ask you when it is fixed — it will not be closed without your "yes".`,
    registeredUnassigned: (number: string) =>
      `✅ Your complaint is registered. Complaint number: ${number}\nOur staff will assign it to the right officer; you will get a message here at every step. It will not be closed without your "yes".`,
    duplicate: (number: string, status: TicketStatus) =>
      `You already have an open complaint about this: ${number} (${statusNames.en[status]}). No need for a new one — we are working on it.`,
    notRegistered: 'All right, I have not registered it. Write again whenever you like.',
    askTicketNumber: 'Type your complaint number (e.g. UP-261128-00042), or "my complaints".',
    ticketNotFound: (number: string) =>
      `I could not find complaint ${number} among the ones registered from this chat. Check the number, or type "my complaints". If you registered it from another phone, type the mobile number you registered it with.`,
    recoverAskCode: 'If that number is the one on the complaint, a code has been sent to its WhatsApp. Type the code here.',
    recoverBadCode: 'That code is not right. Type the code that came to that number\'s WhatsApp again.',
    recoverFailed: 'The code could not be confirmed. Write to us from that number\'s WhatsApp, or call 1912.',
    recoverUnavailable: 'From this chat I cannot confirm that number, so I cannot show the complaint here. Write to us from that number\'s WhatsApp, or call 1912.',
    whichTicket: (sequence: string) => `More than one of your complaints ends in ${sequence}. Which one? Choose the full number.`,
    sequenceNotFound: (sequence: string) => `None of your complaints ends in ${sequence}. Type the full complaint number (e.g. UP-261128-00042), or "my complaints".`,
    ticketStatus: (ticket: TicketSummary) =>
      `Complaint ${ticket.number} (${categoryNames.en[ticket.category]}${ticket.locality ? `, ${ticket.locality}` : ''}) — ${statusName('en', ticket)}. Responsible: ${officerPhrase('en', ticket.level, ticket.officerName)}. Registered: ${formatDate('en', ticket.createdAt)}.${progressPhrase('en', ticket.progressNote, ticket.expectedBy)}`,
    noComplaints: 'You have no complaints registered. Describe your problem and I will register it.',
    yourComplaints: (count: number) => (count === 1 ? 'Your 1 complaint:' : `Your ${count} complaints:`),
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
    handoffNotUnderstood: 'Sorry, I still could not understand.',
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
    tooManyRegistrations:
      'You have registered the most complaints we can take from one person in a day, so this one is NOT registered. To check your complaints type "status"; for anything urgent call 1912.',
    tooManyMessages: 'You are sending messages too fast. Please wait a minute and send your message again; messages sent now are not read. For anything urgent call 1912.',
    /** To an officer's own WhatsApp number (given on /officer for alerts): nothing sent from it is a consumer's message. */
    officerNumberNotice: 'This number is registered to an officer for alerts, so messages from it are not taken as complaints or as a consumer\'s answer. Please work on tickets on the /officer page.',
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
      workStarted: (number: string, note?: string, expectedBy?: Date) => `Complaint ${number}: work has started.${progressPhrase('en', note, expectedBy)}`,
      progressNoted: (number: string, note?: string, expectedBy?: Date) => `Complaint ${number}, an update:${progressPhrase('en', note, expectedBy)}`,
      openedByStaff: (number: string, category: TicketCategory, level: OfficerLevel, officerName?: string) =>
        `Our staff registered your complaint (${categoryNames.en[category]}). Complaint number: ${number}. It is with ${officerPhrase('en', level, officerName)}; you will get a message here at every step, and it will not be closed without your "yes".`,
      escalated: (number: string, level: OfficerLevel, officerName?: string) =>
        `Complaint ${number}: not resolved in time, so it is now with ${officerPhrase('en', level, officerName)}.`,
      reopened: (number: string) => `Complaint ${number}: reopened; work continues.`,
      unconfirmed: (number: string) => `Complaint ${number}: we did not hear from you, so it is NOT closed. Our staff will call you; you can also type "yes" or "no" here.`,
      confirmed: (number: string) => `Complaint ${number} is closed on your confirmation. Thank you!`,
      incident: (number: string, notice: IncidentNotice) => `Complaint ${number} — an update: ${incidentSentence('en', notice)}`,
    },
    /** A complaint registered into a known area incident (or "light kab aayegi" from that area): what is known. */
    incidentKnown: (notice: IncidentNotice) => `${incidentSentence('en', notice)} Your complaint is linked to it; we will ask you when supply is back.`,
    incidentAnswer: (notice: IncidentNotice) => incidentSentence('en', notice),
    category: (category: TicketCategory) => categoryNames.en[category],
    categoryChoices: (['supply', 'meter', 'bill', 'new_connection', 'transformer', 'theft'] as TicketCategory[]).map((category) => categoryNames.en[category]),
  },
  hl: {
    code: 'hl' as Language,
    languageName: 'Hinglish',
    welcome: 'Namaste! 🙏 Main Santushti hoon — bijli shikayat sahayak (1912). Apni samasya seedhe likhiye, jaise "5 ghante se bijli nahi hai", ya neeche se chuniye.',
    menuChoices: ['Shikayat darj karein', 'Shikayat ki sthiti', 'Meri shikayatein', 'Kisi vyakti se baat', 'English'],
    help:
      'Main ye kar sakta hoon:\n• bijli, meter, bill, naya connection, chori ya transformer ki shikayat darj karna\n• shikayat sankhya (jaise UP-261128-00042) se sthiti batana\n• "meri shikayatein" — aapki saari shikayatein\n• "vyakti se baat" — hamare karmachari se baat\nKabhi bhi "radd" likhiye to main ruk jaunga, "shuru se" likhiye to naye sire se shuru karunga.',
    didNotUnderstand: 'Maaf kijiye, main samajh nahi paya. Apni samasya ek vakya mein likhiye (jaise "meter jal gaya hai"), ya neeche se chuniye.',
    cancelled: 'Theek hai, rok diya. Jab chahein phir se likhiye.',
    restarted: 'Theek hai, naye sire se shuru karte hain.',
    languageSwitched: 'Theek hai, ab main Hinglish (Roman Hindi) mein baat karunga.',
    turnError: 'Maaf kijiye, hamari taraf kuch gadbad hui. Aapka sandesh surakshit hai — kripya thodi der mein phir likhiye.',
    askCategory: 'Aapki shikayat kis baare mein hai?',
    askDescription: 'Kripya samasya thoda vistaar se bataiye (kya hua, kab se).',
    askAccount: 'Aapka 10 ankon ka upbhokta khata sankhya (bill par likha) bataiye. Na ho to "skip" likhiye.',
    skipWords: ['skip', 'छोड़ें'],
    badAccount: 'Khata sankhya 10 ankon ki hoti hai (bill par upar likhi). Phir se likhiye, ya "skip" likhiye.',
    askMobile: 'Aapka mobile number? (10 ank, jis par hum aapse sampark kar sakein)',
    badMobile: 'Yeh sahi mobile number nahi lagta. 10 ankon ka number likhiye, jaise 9876543210.',
    askLocality: 'Samasya kahan hai? Mohalla/ilaka likhiye (jaise Gomti Nagar, Alambagh, Chinhat).',
    unknownLocality: (text: string) => `"${text}" hamari suchi mein nahi mila. Paas ka koi jaana-pehchana ilaka likhiye, ya wahi pata dobara bhejiye to main use aise hi darj kar dunga.`,
    summary: (draft: ComplaintDraft) => summaryLines('hl', draft).join('\n'),
    yesNoChoices: ['Haan', 'Nahi'],
    registered: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `✅ Aapki shikayat darj ho gayi. Shikayat sankhya: ${number}\nYeh ${officerPhrase('hl', level, officerName)} ko saunpi gayi hai. Kaam ki har pragati par hum aapko yahin sandesh bhejenge, aur samasya theek hone par aapse poochhenge — aapki "haan" ke bina shikayat band nahi hogi.`,
    registeredUnassigned: (number: string) =>
      `✅ Aapki shikayat darj ho gayi. Shikayat sankhya: ${number}\nHamare karmachari ise sahi adhikari ko saunpenge; har pragati par aapko yahin sandesh milega. Aapki "haan" ke bina shikayat band nahi hogi.`,
    duplicate: (number: string, status: TicketStatus) =>
      `Isi samasya ki aapki ek shikayat pehle se khuli hai: ${number} (${statusNames.hl[status]}). Nayi shikayat ki zaroorat nahi — hum usi par kaam kar rahe hain.`,
    notRegistered: 'Theek hai, shikayat darj nahi ki. Jab chahein phir se likhiye.',
    askTicketNumber: 'Apni shikayat sankhya likhiye (jaise UP-261128-00042), ya "meri shikayatein" likhiye.',
    ticketNotFound: (number: string) => `Shikayat ${number} aapke naam par nahi mili. Sankhya jaanch lijiye, ya "meri shikayatein" likhiye.`,
    ticketStatus: (ticket: TicketSummary) =>
      `Shikayat ${ticket.number} (${categoryNames.hl[ticket.category]}${ticket.locality ? `, ${ticket.locality}` : ''}) — ${statusName('hl', ticket)}. Zimmedar: ${officerPhrase('hl', ticket.level, ticket.officerName)}. Darj: ${formatDate('hl', ticket.createdAt)}.${progressPhrase('hl', ticket.progressNote, ticket.expectedBy)}`,
    noComplaints: 'Aapki koi shikayat darj nahi hai. Samasya likhiye to main darj kar dunga.',
    yourComplaints: (count: number) => (count === 1 ? 'Aapki 1 shikayat:' : `Aapki ${count} shikayatein:`),
    // Live handoff (bot/liveHandoff.ts)
    handoffQueued: (queue: QueueNotice) =>
      [
        `Theek hai, main aapko hamare karmachari se jod raha hoon. Katar mein aapka number ${queue.position} hai.`,
        queue.expectedWaitMinutes !== undefined
          ? `Anumanit intezaar: lagbhag ${queue.expectedWaitMinutes} minute (haal ke intezaar ke aadhar par).`
          : 'Abhi intezaar ke samay ka anumaan nahi hai.',
        `Karmachari ${hoursPhrase('hl', queue.officeHours)} (India time) uplabdh rehte hain. ${queue.callbackAfterMinutes} minute mein koi na jude to hum aapko wapas call karne ka vikalp denge.`,
        'Karmachari yahin isi chat mein jawab denge; tab tak aap jo likhenge, woh unhe bhej diya jayega. Turant madad ke liye 1912 par call kijiye. Wapas mujhse baat karne ke liye "radd" likhiye.',
      ].join('\n'),
    handoffUpset: 'Humein sachmuch khed hai ki aapko pareshani hui. Main aapki baat seedhe hamare karmachari tak pahuncha raha hoon.',
    handoffNotUnderstood: 'Maaf kijiye, main phir bhi samajh nahi paya.',
    handoffOffHours: (officeHours: string, maskedMobile: string | undefined) =>
      `Abhi hamare karmachari uplabdh nahi hain (woh ${hoursPhrase('hl', officeHours)}, India time, kaam karte hain). ` +
      (maskedMobile ? `Kya hum aapko ${maskedMobile} par wapas call karein?` : 'Kya hum aapko wapas call karein? Haan kahiye ya apna 10 ankon ka mobile number likhiye.'),
    callbackOffer: (maskedMobile: string | undefined) =>
      'Abhi koi karmachari khaali nahi hai. ' +
      (maskedMobile ? `Kya hum aapko ${maskedMobile} par wapas call karein? "nahi" likhiye to aap katar mein bane rahenge.` : 'Kya hum aapko wapas call karein? Apna 10 ankon ka mobile number likhiye, ya katar mein bane rehne ke liye "nahi".'),
    offHoursWayBack: 'Call nahi chahiye to "nahi" likhiye; wapas mujhse baat karne ke liye "radd".',
    callbackAskMobile: 'Kis number par call karein? Apna 10 ankon ka mobile number likhiye.',
    callbackBadMobile: 'Yeh sahi mobile number nahi lagta. 10 ankon ka number likhiye (jaise 9876543210), ya "nahi".',
    callbackRequested: (maskedMobile: string) => `Theek hai, hamare karmachari aapko ${maskedMobile} par call karenge. Tab tak main (Santushti) yahin aapki madad ke liye hoon.`,
    callbackDeclinedWaiting: 'Theek hai, aap katar mein bane hue hain; karmachari yahin jawab denge.',
    callbackDeclinedOffHours: 'Theek hai. Karmachariyon ke samay mein phir se "vyakti se baat" likhiye; tab tak main aapki madad kar sakta hoon.',
    callbackClosed: (number: string, until: Date) =>
      `Shikayat ${number}: hamare supervisor ne phone call par darj kiya hai ki aapki samasya hal ho gayi hai, isliye shikayat band ki gayi hai. Agar samasya hal NAHI hui hai to ${formatDate('hl', until)} tak "nahi" likhiye — shikayat phir se khul jayegi aur upar ke adhikari ko bheji jayegi.`,
    callbackClosureKept: (number: string) => `Dhanyavaad! Shikayat ${number} band rahegi. 🙏`,
    callbackRejectTooLate: (number: string) =>
      `Shikayat ${number} ko phone call par darj pushti se band hue kaafi samay ho gaya hai, isliye ab use dobara nahi khola ja sakta. Samasya phir se hai to kripya nayi shikayat darj kijiye — main madad karunga.`,
    handoffPassedOn: 'Aapka sandesh karmachari tak pahuncha diya gaya hai; woh yahin jawab denge. Wapas mujhse baat karne ke liye "radd" likhiye.',
    handoffAccepted: (agentFirstName: string) => `Hamare karmachari ${agentFirstName} ab is chat mein aapse jud gaye hain. Apni baat yahin likhiye.`,
    handoffCancelled: 'Theek hai, karmachari se jodne ka anurodh radd kar diya. Main phir se aapki madad ke liye haazir hoon.',
    handoffCompleted: 'Karmachari ne baatcheet poori kar li hai. Ab main (Santushti) phir se aapki madad ke liye haazir hoon — shikayat darj karne ya uski sthiti jaanne ke liye likhiye.',
    handoffRecorded:
      'Aapki baat hamare karmachariyon ke liye darj kar li gayi hai. Kisi vyakti se yahin baat karni ho to "vyakti se baat" likhiye; turant madad ke liye 1912 par call kijiye.',
    satisfactionQuestion: (number: string, level: OfficerLevel, officerName: string | undefined, note: string) =>
      `Shikayat ${number}: ${officerPhrase('hl', level, officerName)} ke anusaar samasya theek kar di gayi hai — "${note}".\nKya aapki samasya hal ho gayi?`,
    satisfactionReminder: (number: string) => `Yaad dila rahe hain: shikayat ${number} — kya aapki samasya hal ho gayi? "haan" ya "nahi" likhiye.`,
    satisfactionUnclear: 'Maaf kijiye, saaf nahi hua. Samasya hal ho gayi ho to "haan", nahi to "nahi" likhiye.',
    satisfactionLater: 'Koi baat nahi, hum baad mein phir poochhenge. Aap kabhi bhi "haan" ya "nahi" likh sakte hain.',
    closedThanks: (number: string) => `Dhanyavaad! Shikayat ${number} aapki pushti se band kar di gayi hai. 🙏`,
    reopened: (number: string, level: OfficerLevel, officerName: string | undefined) =>
      `Humein khed hai. Shikayat ${number} phir se khol di gayi hai aur ab ${officerPhrase('hl', level, officerName)} ke paas hai. Kaam hone par hum phir poochhenge.`,
    answerNotPossible: 'Yeh shikayat ab pushti ka intezaar nahi kar rahi.',
    askWhichMobile: (numbers: string[]) =>
      `Aapne do number likhe: ${numbers.join(' aur ')}. Inmein aapka mobile number kaun sa hai? (Doosra khata sankhya ke roop mein darj hoga.)`,
    askWhatToChange: 'Kya badalna hai? Neeche se chuniye, ya seedhe sahi jaankari likhiye (jaise "mobile 9876543210").',
    changeChoices: ['Vishay', 'Vivran', 'Ilaka', 'Mobile', 'Khata sankhya', 'Darj na karein'],
    askMobileTheft:
      'Chori ki suchna gopniya rehti hai: adhikariyon ko nahi dikhega ki suchna kisne di. Mobile number dena zaroori nahi — agar hum aapse sampark kar sakte hain to likhiye, varna "skip" likhiye.',
    askApplication: 'Kya aapke paas naye connection ki aavedan sankhya hai (rasid par likhi)? Likhiye, ya "skip" likhiye.',
    badApplication: 'Aavedan sankhya 4 se 30 akshar ya ank ki hoti hai (rasid par). Phir se likhiye, ya "skip" likhiye.',
    theftRegistered: '🔒 Aapki suchna gopniya hai: adhikariyon ko aapka naam ya number nahi dikhega; sirf hamare supervisor dekh sakte hain.',
    outsideDirectory: (covered: string) =>
      `Aapka pata hamari suchi ke kisi ilake se nahi mila. Yeh seva abhi in zilon mein hai: ${covered}. Aapki shikayat aapke apne shabdon mein hamare supervisor ko bhej di gayi hai, jo ise sahi daftar tak pahunchayenge. Agar aapka ilaka inse bahar hai, to apne kshetra ke liye 1912 par bhi call kijiye.`,
    confirmCancel: 'Shuru ki hui shikayat hata doon? Hatane ke liye "haan" likhiye, ya jahan the wahin se aage badhne ke liye "nahi".',
    recoverAskCode: 'Agar yeh wahi number hai jo shikayat mein hai, to uske WhatsApp par ek code bheja gaya hai. Woh code yahan likhiye.',
    recoverBadCode: 'Yeh code sahi nahi hai. Us number ke WhatsApp par aaya code phir se likhiye.',
    recoverFailed: 'Code ki pushti nahi ho paayi. Us number ke WhatsApp se hamein likhiye, ya 1912 par call kijiye.',
    recoverUnavailable: 'Is chat se main us number ki pushti nahi kar sakta, isliye shikayat yahan nahi dikha sakta. Us number ke WhatsApp se hamein likhiye, ya 1912 par call kijiye.',
    whichTicket: (sequence: string) => `Aapki ek se zyada shikayatein ${sequence} par khatm hoti hain. Kaun si? Poori sankhya chuniye.`,
    sequenceNotFound: (sequence: string) => `Aapki koi shikayat ${sequence} par khatm nahi hoti. Poori shikayat sankhya likhiye (jaise UP-261128-00042), ya "meri shikayatein".`,
    tooManyRegistrations:
      'Ek vyakti se ek din mein jitni shikayatein li ja sakti hain, aap utni darj kar chuke hain, isliye yeh shikayat darj NAHI hui. Apni shikayatein dekhne ke liye "status" likhiye; zaroori ho to 1912 par call kijiye.',
    tooManyMessages: 'Aap bahut tezi se sandesh bhej rahe hain. Kripya ek minute rukkar apna sandesh phir bhejiye; abhi bheje gaye sandesh padhe nahi jayenge. Zaroori ho to 1912 par call kijiye.',
    /** To an officer's own WhatsApp number (given on /officer for alerts): nothing sent from it is a consumer's message. */
    officerNumberNotice: 'Yeh number ek adhikari ke naam par alert ke liye darj hai, isliye isse bheje gaye sandesh shikayat ya upbhokta ka jawab nahi maane jaate. Shikayaton par kaam /officer page par kijiye.',
    verification: {
      codeSent: (maskedMobile: string) => `Humne WhatsApp ${maskedMobile} par 6 ankon ka code bheja hai. Is number ko is chat se jodne ke liye woh code yahan likhiye (10 minute tak maanya).`,
      codeToSend: (code: string, maskedMobile: string) =>
        `WhatsApp ${maskedMobile} ko is chat se jodne ke liye, usi WhatsApp se helpline number par yeh code bhejiye: ${code} (10 minute tak maanya).`,
      codeMessage: (code: string) => `Santushti (1912): aapka code ${code} hai. Is number ko web chat se jodne ke liye ise wahan likhiye. Yeh code kisi ko na bataiye, hamare karmachariyon ko bhi nahi.`,
      linked: 'Ho gaya: yeh number ab aapki is chat se jud gaya hai. Dono jagah aapki shikayatein dikhengi.',
      wrongCode: 'Yeh code sahi nahi hai. Kripya phir se likhiye.',
      expired: 'Yeh code ab maanya nahi hai. Naya code maangne ke liye "number jodein" aur apna mobile number likhiye.',
      locked: 'Bahut baar galat code likha gaya. Kripya naya code maangiye.',
      rateLimited: 'Abhi bahut se code maange ja chuke hain. Kripya ek ghante baad phir koshish kijiye.',
    },
    incidentKnown: (notice: IncidentNotice) => `${incidentSentence('hl', notice)} Aapki shikayat isse jod di gayi hai; bijli aane par hum aapse poochhenge.`,
    incidentAnswer: (notice: IncidentNotice) => incidentSentence('hl', notice),
    update: {
      assigned: (number: string, level: OfficerLevel, officerName?: string) => `Shikayat ${number}: ${officerPhrase('hl', level, officerName)} ko saunpi gayi.`,
      workStarted: (number: string, note?: string, expectedBy?: Date) => `Shikayat ${number}: kaam shuru ho gaya hai.${progressPhrase('hl', note, expectedBy)}`,
      escalated: (number: string, level: OfficerLevel, officerName?: string) =>
        `Shikayat ${number}: samay par hal na hone se ab ${officerPhrase('hl', level, officerName)} ko bheji gayi hai.`,
      reopened: (number: string) => `Shikayat ${number}: phir se kholi gayi hai; kaam jaari hai.`,
      unconfirmed: (number: string) => `Shikayat ${number}: aapka jawab nahi mila, isliye yeh band NAHI ki gayi. Hamare karmachari aapko phone karenge; aap yahan "haan" ya "nahi" bhi likh sakte hain.`,
      confirmed: (number: string) => `Shikayat ${number} aapki pushti se band hui. Dhanyavaad!`,
      progressNoted: (number: string, note?: string, expectedBy?: Date) => `Shikayat ${number} par nayi jaankari:${progressPhrase('hl', note, expectedBy)}`,
      openedByStaff: (number: string, category: TicketCategory, level: OfficerLevel, officerName?: string) =>
        `Hamare karmachari ne aapki ${categoryNames.hl[category]} ki shikayat darj ki hai. Shikayat sankhya: ${number}. Yeh ${officerPhrase('hl', level, officerName)} ko saunpi gayi hai; har pragati par aapko yahin sandesh milega, aur aapki "haan" ke bina shikayat band nahi hogi.`,
      incident: (number: string, notice: IncidentNotice) => `Shikayat ${number} — nayi jaankari: ${incidentSentence('hl', notice)}`,
    },
    category: (category: TicketCategory) => categoryNames.hl[category],
    categoryChoices: (['supply', 'meter', 'bill', 'new_connection', 'transformer', 'theft'] as TicketCategory[]).map((category) => categoryNames.hl[category]),
  },
} satisfies Record<Language, unknown>;

export type Texts = (typeof texts)['hi'];
/** Every set has every key of the Hindi one, with the same types: a sentence missing in one language fails to compile. */
const everySetComplete: Record<Language, Texts> = texts;
export const textsFor = (language: Language): Texts => everySetComplete[language];

/** The order of `categoryChoices`, so a chosen button maps back to its category. */
export const categoryChoiceOrder: TicketCategory[] = ['supply', 'meter', 'bill', 'new_connection', 'transformer', 'theft'];

/**
 * Emergencies (live wire, sparking, fire, shock): the safety advice that comes before anything else, and the few
 * questions of the emergency report. Kept as their own set so that other text sets can be merged beside them; a
 * language without its own entry here falls back to Hindi.
 */
export const emergencyTexts = {
  hi: {
    safety:
      '⚠️ ख़तरा! तार, खंभे, ट्रांसफॉर्मर या मीटर से दूर रहें और दूसरों (ख़ासकर बच्चों और जानवरों) को भी दूर रखें। कुछ भी न छुएँ — न तार, न खंभा, न उनसे छूती कोई चीज़ या पानी। करंट लगे व्यक्ति को हाथ से न छुएँ; हो सके तो सूखी लकड़ी से या मेन स्विच बंद करके ही अलग करें। आग लगी हो या कोई घायल हो तो तुरंत 112 पर कॉल करें; बिजली की आग पर पानी न डालें।',
    askPlace: 'यह ठीक कहाँ है? मोहल्ला/इलाका और पास की कोई पहचान लिखें (जैसे "गोमती नगर, मंदिर के पास"), ताकि टीम तुरंत पहुँच सके।',
    askMobile: 'आपका मोबाइल नंबर? (10 अंक) — टीम रास्ते में आपको फ़ोन कर सके।',
    registered: (number: string, officerName: string | undefined) =>
      `🚨 आपातकालीन शिकायत दर्ज: ${number}\nयह तुरंत ${officerName ? `अवर अभियंता (JE) ${officerName}` : 'अवर अभियंता (JE)'} और उप-खंड अधिकारी (SDO) को भेजी गई है, सबसे पहले ठीक करने के लिए। टीम आने तक वहाँ से दूर रहें।`,
    registeredUnassigned: (number: string) =>
      `🚨 आपातकालीन शिकायत दर्ज: ${number}\nहमारे कर्मचारी इसे तुरंत सही अधिकारी को भेज रहे हैं। टीम आने तक वहाँ से दूर रहें।`,
  },
  en: {
    safety:
      '⚠️ Danger! Stay away from the wire, pole, transformer or meter, and keep others (especially children and animals) away. Do not touch anything — not the wire, the pole, nor anything or any water touching them. Do not touch a person who got a shock with your hands; separate them only with dry wood or by switching off the main switch. If there is a fire or anyone is hurt, call 112 now; never pour water on an electrical fire.',
    askPlace: 'Where exactly is it? Write the locality and a landmark (e.g. "Gomti Nagar, near the temple") so the crew can find it at once.',
    askMobile: 'Your mobile number? (10 digits) — so the crew can call you on the way.',
    registered: (number: string, officerName: string | undefined) =>
      `🚨 Emergency complaint registered: ${number}\nIt has gone at once to ${officerName ? `Junior Engineer (JE) ${officerName}` : 'the Junior Engineer (JE)'} and to the Sub-Divisional Officer (SDO), to be made safe first. Keep away from it until the crew arrives.`,
    registeredUnassigned: (number: string) =>
      `🚨 Emergency complaint registered: ${number}\nOur staff are sending it to the right officer at once. Keep away from it until the crew arrives.`,
  },
  hl: {
    safety:
      '⚠️ Khatra! Taar, khambhe, transformer ya meter se door rahiye aur doosron (khaaskar bachchon aur jaanvaron) ko bhi door rakhiye. Kuch bhi na chhuiye — na taar, na khambha, na unse chhooti koi cheez ya paani. Current lage vyakti ko haath se na chhuiye; ho sake to sookhi lakdi se ya main switch band karke hi alag kijiye. Aag lagi ho ya koi ghayal ho to turant 112 par call kijiye; bijli ki aag par paani na daaliye.',
    askPlace: 'Yeh theek kahan hai? Mohalla/ilaka aur paas ki koi pehchaan likhiye (jaise "Gomti Nagar, mandir ke paas"), taaki team turant pahunch sake.',
    askMobile: 'Aapka mobile number? (10 ank) — team raaste mein aapko phone kar sake.',
    registered: (number: string, officerName: string | undefined) =>
      `🚨 Aapatkalin shikayat darj: ${number}\nYeh turant ${officerName ? `Avar Abhiyanta (JE) ${officerName}` : 'Avar Abhiyanta (JE)'} aur Upkhand Adhikari (SDO) ko bheji gayi hai, sabse pehle theek karne ke liye. Team aane tak wahan se door rahiye.`,
    registeredUnassigned: (number: string) =>
      `🚨 Aapatkalin shikayat darj: ${number}\nHamare karmachari ise turant sahi adhikari ko bhej rahe hain. Team aane tak wahan se door rahiye.`,
  },
};

export type EmergencyTexts = (typeof emergencyTexts)['hi'];
/** Hindi, Hinglish (Latin letters) or English; any other code gets Hindi, the helpline's default. */
export const emergencyTextsFor = (language: string): EmergencyTexts => (language === 'en' ? emergencyTexts.en : language === 'hl' ? emergencyTexts.hl : emergencyTexts.hi);

/** Planned shutdowns (services/shutdownService.ts): what a consumer who reports no supply during one is told. */
export const shutdownTexts = {
  hi: {
    planned: (endsAt: Date) =>
      `ℹ️ आपके इलाके में यह बिजली कटौती पहले से तय (नियोजित) है — रखरखाव का काम चल रहा है। बिजली ${formatDateTime('hi', endsAt)} तक वापस आने की उम्मीद है। तब तक न आए तो यहीं लिखें; आपकी शिकायत दर्ज है।`,
  },
  en: {
    planned: (endsAt: Date) =>
      `ℹ️ This power cut in your area is a planned shutdown for maintenance work. Supply is expected back by ${formatDateTime('en', endsAt)}. If it is not back by then, write here; your complaint is registered.`,
  },
  hl: {
    planned: (endsAt: Date) =>
      `ℹ️ Aapke ilake mein yeh bijli katauti pehle se tay (niyojit) hai — rakhrakhav ka kaam chal raha hai. Bijli ${formatDateTime('hl', endsAt)} tak wapas aane ki ummeed hai. Tab tak na aaye to yahin likhiye; aapki shikayat darj hai.`,
  },
};
export const shutdownTextsFor = (language: string): (typeof shutdownTexts)['hi'] =>
  language === 'en' ? shutdownTexts.en : language === 'hl' ? shutdownTexts.hl : shutdownTexts.hi;

/** A ticket waiting for the consumer's "is it solved?" answer, as the "which complaint?" question names it. */
export interface OpenQuestionTicket {
  number: string;
  category: TicketCategory;
}

/**
 * Place detail in a large locality, and "which complaint is your yes/no for?" when more than one "is it solved?"
 * question is open (issue 12 items 4 and 7). Kept as their own set so other text sets can be merged beside them.
 */
export const followUpTexts = {
  hi: {
    askLandmark: (locality: string) =>
      `${locality} बड़ा इलाका है। लाइनमैन सही जगह जल्दी पहुँच सके, इसलिए सेक्टर/ब्लॉक, मकान नंबर या पास की कोई पहचान लिखें (जैसे "सेक्टर 14, हनुमान मंदिर के पास")। न बताना चाहें तो "छोड़ें" लिखें — शिकायत फिर भी दर्ज होगी।`,
    whichTicketButton: (ticket: OpenQuestionTicket) => `${ticket.number} (${categoryNames.hi[ticket.category]})`,
    askWhichTicket: (answer: 'yes' | 'no', tickets: OpenQuestionTicket[]) =>
      `आपकी ${tickets.length} शिकायतों पर "क्या समस्या हल हो गई?" का जवाब बाकी है:\n${tickets.map((ticket) => `• ${ticket.number} (${categoryNames.hi[ticket.category]})`).join('\n')}\nआपका "${answer === 'yes' ? 'हाँ' : 'नहीं'}" किस शिकायत के लिए है? नीचे से चुनें।`,
  },
  en: {
    askLandmark: (locality: string) =>
      `${locality} is a large area. So that the lineman finds the spot quickly, write the sector/block, house number or a landmark nearby (e.g. "Sector 14, near the Hanuman temple"). If you would rather not, type "skip" — the complaint will still be registered.`,
    whichTicketButton: (ticket: OpenQuestionTicket) => `${ticket.number} (${categoryNames.en[ticket.category]})`,
    askWhichTicket: (answer: 'yes' | 'no', tickets: OpenQuestionTicket[]) =>
      `${tickets.length} of your complaints are waiting for your answer to "is the problem solved?":\n${tickets.map((ticket) => `• ${ticket.number} (${categoryNames.en[ticket.category]})`).join('\n')}\nWhich complaint is your "${answer}" for? Choose below.`,
  },
  hl: {
    askLandmark: (locality: string) =>
      `${locality} bada ilaka hai. Lineman sahi jagah jaldi pahunch sake, isliye sector/block, makan number ya paas ki koi pehchaan likhiye (jaise "sector 14, Hanuman mandir ke paas"). Na batana chahein to "skip" likhiye — shikayat phir bhi darj hogi.`,
    whichTicketButton: (ticket: OpenQuestionTicket) => `${ticket.number} (${categoryNames.hl[ticket.category]})`,
    askWhichTicket: (answer: 'yes' | 'no', tickets: OpenQuestionTicket[]) =>
      `Aapki ${tickets.length} shikayaton par "kya samasya hal ho gayi?" ka jawab baaki hai:\n${tickets.map((ticket) => `• ${ticket.number} (${categoryNames.hl[ticket.category]})`).join('\n')}\nAapka "${answer === 'yes' ? 'haan' : 'nahi'}" kis shikayat ke liye hai? Neeche se chuniye.`,
  },
};
export type FollowUpTexts = (typeof followUpTexts)['hi'];
/** Every set has every key of the Hindi one: a sentence missing in one language fails to compile. */
const everyFollowUpSetComplete: Record<Language, FollowUpTexts> = followUpTexts;
export const followUpTextsFor = (language: Language): FollowUpTexts => everyFollowUpSetComplete[language];
/**
 * Consumers' photos, bills, voice notes and location pins (dialogs/consumerMedia.ts): what they are told when a file is
 * kept, refused, or needs a ticket chosen, and what a pin was read as. Its own set, beside the others, so that merges
 * stay simple; every language has every key (a missing one fails to compile).
 */
export interface MediaTexts {
  kindName: Record<'photo' | 'document' | 'voice', string>;
  attached: (kind: string, ticketNumber: string) => string;
  /** A voice note is kept for staff to hear, never turned into text by us. */
  voiceKept: string;
  heldForRegistration: (kind: string) => string;
  heldNoTicket: (kind: string) => string;
  whichTicket: (kind: string) => string;
  whichTicketAgain: string;
  heldDropped: string;
  refused: Record<'too_large' | 'unsupported_type' | 'unreadable_image' | 'empty', string>;
  downloadFailed: string;
  pinOutside: (covered: string) => string;
  pinRead: (locality: string, subDivision: string, distanceKm: string) => string;
  pinNotNow: string;
  /** Passed to the agent in a live handoff (staff read it in the console). */
  agentLine: (kind: string, ticketNumber: string | undefined) => string;
}

const mediaTextSets: Record<Language, MediaTexts> = {
  hi: {
    kindName: { photo: 'फ़ोटो', document: 'दस्तावेज़', voice: 'वॉइस नोट' },
    attached: (kind, number) => `✅ आपका ${kind} शिकायत ${number} में जोड़ दिया गया है; अधिकारी इसे देख सकेंगे।`,
    voiceKept: 'आपका वॉइस नोट रख लिया गया है और हमारे कर्मचारी इसे सुन सकेंगे, पर मैं इसे पढ़कर लिख नहीं सकता। कृपया मुख्य बात एक पंक्ति में लिखकर भी भेजें (क्या हुआ, कहाँ, कब से)।',
    heldForRegistration: (kind) => `आपका ${kind} रख लिया है; शिकायत दर्ज होते ही उसमें जुड़ जाएगा।`,
    heldNoTicket: (kind) => `आपका ${kind} रख लिया है, पर आपकी कोई खुली शिकायत नहीं है। समस्या लिखें (जैसे "मीटर जल गया है"); शिकायत दर्ज होते ही यह उसमें जुड़ जाएगा।`,
    whichTicket: (kind) => `आपकी एक से ज़्यादा शिकायतें खुली हैं। यह ${kind} किस शिकायत के लिए है? नीचे से संख्या चुनें।`,
    whichTicketAgain: 'कृपया नीचे दी गई शिकायत संख्याओं में से एक चुनें, या "रद्द" लिखें।',
    heldDropped: 'ठीक है, वह फ़ाइल किसी शिकायत में नहीं जोड़ी गई।',
    refused: {
      too_large: 'यह फ़ाइल बहुत बड़ी है (8 MB तक की फ़ोटो, 2 MB तक का PDF या वॉइस नोट ले सकते हैं)। कृपया छोटी फ़ाइल भेजें। कुछ भी रखा नहीं गया।',
      unsupported_type: 'यह फ़ाइल मैं नहीं रख सकता। केवल फ़ोटो (JPEG, PNG, WebP), PDF (जैसे बिल) और वॉइस नोट लिए जाते हैं। कुछ भी रखा नहीं गया।',
      unreadable_image: 'यह फ़ोटो खुल नहीं पाई। कृपया दोबारा फ़ोटो खींचकर भेजें। कुछ भी रखा नहीं गया।',
      empty: 'यह फ़ाइल खाली है। कृपया दोबारा भेजें।',
    },
    downloadFailed: 'माफ़ कीजिए, आपकी फ़ाइल हम तक नहीं पहुँच पाई। कृपया थोड़ी देर में दोबारा भेजें।',
    pinOutside: (covered) => `यह लोकेशन हमारे सेवा क्षेत्र से बाहर है (यह सेवा अभी ${covered} के लिए है)। लोकेशन सही है तो अपने क्षेत्र की हेल्पलाइन 1912 पर कॉल करें; नहीं तो इलाके का नाम लिखें।`,
    pinRead: (locality, subDivision, km) => `📍 आपकी लोकेशन ${locality} (उपखंड ${subDivision}) के पास है, लगभग ${km} किमी। आगे पुष्टि के लिए यह पढ़कर सुनाई जाएगी।`,
    pinNotNow: 'लोकेशन मिल गई, पर अभी मैं दूसरे सवाल का जवाब माँग रहा हूँ। पहले उसका जवाब दें; फिर लोकेशन दोबारा भेजें।',
    agentLine: (kind, number) => (number ? `[उपभोक्ता ने ${kind} भेजा — शिकायत ${number} में जोड़ा गया]` : `[उपभोक्ता ने ${kind} भेजा — अभी किसी शिकायत में नहीं जोड़ा गया]`),
  },
  en: {
    kindName: { photo: 'photo', document: 'document', voice: 'voice note' },
    attached: (kind, number) => `✅ Your ${kind} has been added to complaint ${number}; the officer will see it.`,
    voiceKept: 'Your voice note is kept and our staff can listen to it, but I cannot turn it into text. Please also write the main facts in one line (what happened, where, since when).',
    heldForRegistration: (kind) => `I have kept your ${kind}; it will be added to the complaint as soon as it is registered.`,
    heldNoTicket: (kind) => `I have kept your ${kind}, but you have no open complaint. Describe the problem (e.g. "my meter is burnt"); it will be added as soon as the complaint is registered.`,
    whichTicket: (kind) => `You have more than one open complaint. Which one is this ${kind} for? Choose the number below.`,
    whichTicketAgain: 'Please choose one of the complaint numbers below, or write "cancel".',
    heldDropped: 'All right, that file was not added to any complaint.',
    refused: {
      too_large: 'This file is too large (photos up to 8 MB, PDFs and voice notes up to 2 MB). Please send a smaller one. Nothing was kept.',
      unsupported_type: 'I cannot keep this kind of file. Only photos (JPEG, PNG, WebP), PDFs (such as a bill) and voice notes are accepted. Nothing was kept.',
      unreadable_image: 'This picture could not be opened. Please take the photo again and send it. Nothing was kept.',
      empty: 'This file is empty. Please send it again.',
    },
    downloadFailed: 'Sorry, your file did not reach us. Please send it again in a little while.',
    pinOutside: (covered) => `This location is outside the area we serve (this service covers ${covered} for now). If the pin is right, please call your area's helpline 1912; otherwise write the name of the locality.`,
    pinRead: (locality, subDivision, km) => `📍 Your location is near ${locality} (sub-division ${subDivision}), about ${km} km away. It will be read back to you for confirmation.`,
    pinNotNow: 'I got the location, but I am waiting for the answer to another question. Please answer that first, then send the location again.',
    agentLine: (kind, number) => (number ? `[The consumer sent a ${kind} — added to complaint ${number}]` : `[The consumer sent a ${kind} — not added to any complaint yet]`),
  },
  hl: {
    kindName: { photo: 'photo', document: 'document', voice: 'voice note' },
    attached: (kind, number) => `✅ Aapka ${kind} shikayat ${number} mein jod diya gaya hai; adhikari ise dekh sakenge.`,
    voiceKept: 'Aapka voice note rakh liya gaya hai aur hamare karmachari ise sun sakenge, par main ise likhit mein nahi badal sakta. Kripya mukhya baat ek line mein likhkar bhi bhejiye (kya hua, kahan, kab se).',
    heldForRegistration: (kind) => `Aapka ${kind} rakh liya hai; shikayat darj hote hi usmein jud jayega.`,
    heldNoTicket: (kind) => `Aapka ${kind} rakh liya hai, par aapki koi khuli shikayat nahi hai. Samasya likhiye (jaise "meter jal gaya hai"); shikayat darj hote hi yeh usmein jud jayega.`,
    whichTicket: (kind) => `Aapki ek se zyada shikayatein khuli hain. Yeh ${kind} kis shikayat ke liye hai? Neeche se number chuniye.`,
    whichTicketAgain: 'Kripya neeche di gayi shikayat sankhyaon mein se ek chuniye, ya "cancel" likhiye.',
    heldDropped: 'Theek hai, woh file kisi shikayat mein nahi jodi gayi.',
    refused: {
      too_large: 'Yeh file bahut badi hai (8 MB tak ki photo, 2 MB tak ka PDF ya voice note le sakte hain). Kripya chhoti file bhejiye. Kuch bhi rakha nahi gaya.',
      unsupported_type: 'Yeh file main nahi rakh sakta. Sirf photo (JPEG, PNG, WebP), PDF (jaise bill) aur voice note liye jaate hain. Kuch bhi rakha nahi gaya.',
      unreadable_image: 'Yeh photo khul nahi payi. Kripya dobara photo kheench kar bhejiye. Kuch bhi rakha nahi gaya.',
      empty: 'Yeh file khaali hai. Kripya dobara bhejiye.',
    },
    downloadFailed: 'Maaf kijiye, aapki file hum tak nahi pahunch payi. Kripya thodi der mein dobara bhejiye.',
    pinOutside: (covered) => `Yeh location hamare seva kshetra se bahar hai (yeh seva abhi ${covered} ke liye hai). Location sahi hai to apne kshetra ki helpline 1912 par call kijiye; nahi to ilake ka naam likhiye.`,
    pinRead: (locality, subDivision, km) => `📍 Aapki location ${locality} (upkhand ${subDivision}) ke paas hai, lagbhag ${km} km. Aage pushti ke liye yeh padhkar sunayi jayegi.`,
    pinNotNow: 'Location mil gayi, par abhi main doosre sawaal ka jawab maang raha hoon. Pehle uska jawab dijiye; phir location dobara bhejiye.',
    agentLine: (kind, number) => (number ? `[Upbhokta ne ${kind} bheja — shikayat ${number} mein joda gaya]` : `[Upbhokta ne ${kind} bheja — abhi kisi shikayat mein nahi joda gaya]`),
  },
};
export const mediaTextsFor = (language: Language): MediaTexts => mediaTextSets[language];
