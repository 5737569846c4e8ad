// CSV exports of the reports, in English or Hindi: UTF-8 with a byte-order mark (so Excel reads Devanagari), every
// cell quoted, and cells that a spreadsheet would run as a formula (= + - @, tab, carriage return) prefixed with '.
import type { RegisterEntry, RegisterPerson } from '../models/reportModels.js';
import type { HotspotReport, HotspotRow } from './reportService.js';

export type ReportLanguage = 'en' | 'hi';

export const CSV_BOM = '\uFEFF';
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvLine(cells: Array<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const CATEGORY_HI: Record<string, string> = {
  bill: 'बिल',
  meter: 'मीटर',
  new_connection: 'नया कनेक्शन',
  supply: 'बिजली आपूर्ति',
  theft: 'बिजली चोरी',
  transformer: 'ट्रांसफॉर्मर',
};
const PROVENANCE = {
  en: { consumer_confirmed: 'consumer-confirmed', callback_confirmed: 'callback-confirmed' },
  hi: { consumer_confirmed: 'उपभोक्ता द्वारा पुष्टि', callback_confirmed: 'कॉलबैक द्वारा पुष्टि' },
} as const;

const REGISTER_HEADERS = {
  en: ['Ticket', 'Category', 'District', 'Sub-division', 'Locality', 'Confirmation', 'Claimed by', 'Claimed at (IST)', 'Confirmed by', 'Closed at (IST)', 'Channel'],
  hi: ['टिकट', 'श्रेणी', 'जिला', 'उपखंड', 'मोहल्ला', 'पुष्टि', 'दावा किसने किया', 'दावे का समय (IST)', 'पुष्टि किसने की', 'बंद होने का समय (IST)', 'माध्यम'],
} as const;

const HOTSPOT_HEADERS = {
  en: ['Place / officer', 'District', 'Complaints', 'Open now', 'SLA breaches', 'Escalations', 'Reopens', 'Claims', 'Rejected', 'Consumer-confirmed', 'Callback-confirmed', 'Rejected-resolution rate', 'Median hours to confirmed closure'],
  hi: ['स्थान / अधिकारी', 'जिला', 'शिकायतें', 'अभी खुली', 'समय-सीमा उल्लंघन', 'एस्केलेशन', 'दोबारा खुली', 'समाधान के दावे', 'अस्वीकृत', 'उपभोक्ता द्वारा पुष्टि', 'कॉलबैक द्वारा पुष्टि', 'अस्वीकृत समाधान दर', 'पुष्टि सहित बंद होने का माध्य समय (घंटे)'],
} as const;

const istTime = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function formatIst(at: Date | string | undefined): string {
  return at === undefined ? '' : istTime.format(new Date(at)).replace(',', '');
}

function person(who: RegisterPerson, lang: ReportLanguage): string {
  if (who.role === 'consumer') return lang === 'hi' ? 'उपभोक्ता' : 'consumer';
  return who.name && who.id ? `${who.name} (${who.id})` : (who.name ?? who.id ?? who.role);
}

export function registerCsvHeader(lang: ReportLanguage): string {
  return CSV_BOM + csvLine([...REGISTER_HEADERS[lang]]);
}

export function registerCsvLines(entries: RegisterEntry[], lang: ReportLanguage, hindiNameOf: (name: string) => string | undefined): string {
  const place = (name: string | undefined) => (name && lang === 'hi' ? (hindiNameOf(name) ?? name) : name);
  return entries
    .map((entry) =>
      csvLine([
        entry.ticket,
        lang === 'hi' ? (CATEGORY_HI[entry.category] ?? entry.category) : entry.category,
        place(entry.district),
        place(entry.subDivision),
        place(entry.locality),
        PROVENANCE[lang][entry.provenance],
        person(entry.claimedBy, lang),
        formatIst(entry.claimedAt),
        person(entry.confirmedBy, lang),
        formatIst(entry.closedAt),
        entry.channel,
      ]),
    )
    .join('');
}

export function hotspotsCsv(report: HotspotReport, lang: ReportLanguage): string {
  const label = (row: HotspotRow) => (report.by === 'category' && lang === 'hi' ? (CATEGORY_HI[row.label] ?? row.label) : lang === 'hi' ? (row.labelHi ?? row.label) : row.label);
  return (
    CSV_BOM +
    csvLine([...HOTSPOT_HEADERS[lang]]) +
    report.rows
      .map((row) =>
        csvLine([
          label(row),
          row.district,
          row.complaints,
          row.open,
          row.breaches,
          row.escalations,
          row.reopens,
          row.claims,
          row.rejected,
          row.consumerConfirmed,
          row.callbackConfirmed,
          row.rejectedRate === null ? '' : row.rejectedRate.toFixed(3),
          row.medianClosureMinutes === null ? '' : (row.medianClosureMinutes / 60).toFixed(1),
        ]),
      )
      .join('')
  );
}
