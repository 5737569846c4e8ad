// When agents work (HANDOFF_OFFICE_HOURS), read in India's time zone: "08:00-20:00" every day, or with days first,
// "Mon-Sat 08:00-20:00". Outside these hours a consumer who asks for a person is offered a callback at once instead
// of a place in a queue nobody is serving.
import { z } from 'zod';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
type DayName = (typeof DAY_NAMES)[number];

export interface OfficeHours {
  /** Days of the week agents work, 0 = Sunday (in India's time zone). */
  days: ReadonlySet<number>;
  /** Minutes after midnight, India time; `end` is exclusive. */
  startMinute: number;
  endMinute: number;
  /** As configured, e.g. "Mon-Sat 08:00-20:00": what the consumer is told. */
  label: string;
}

const pattern = /^(?:(Sun|Mon|Tue|Wed|Thu|Fri|Sat)(?:-(Sun|Mon|Tue|Wed|Thu|Fri|Sat))?\s+)?([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

export const officeHoursSchema = z
  .string()
  .trim()
  .transform((value, context): OfficeHours => {
    const match = pattern.exec(value);
    const start = match ? Number(match[3]) * 60 + Number(match[4]) : 0;
    const end = match ? Number(match[5]) * 60 + Number(match[6]) : 0;
    if (!match || end <= start || end > 24 * 60) {
      context.addIssue({ code: 'custom', message: 'office hours like 08:00-20:00 or Mon-Sat 09:00-18:00 (India time, start before end)' });
      return z.NEVER;
    }
    return { days: daysBetween(match[1] as DayName | undefined, match[2] as DayName | undefined), startMinute: start, endMinute: end, label: value };
  });

export const ALWAYS_OPEN: OfficeHours = { days: new Set([0, 1, 2, 3, 4, 5, 6]), startMinute: 0, endMinute: 24 * 60, label: '00:00-24:00' };

function daysBetween(first: DayName | undefined, last: DayName | undefined): Set<number> {
  if (!first) return new Set([0, 1, 2, 3, 4, 5, 6]);
  const from = DAY_NAMES.indexOf(first);
  const to = DAY_NAMES.indexOf(last ?? first);
  const days = new Set<number>();
  for (let day = from; ; day = (day + 1) % 7) {
    days.add(day);
    if (day === to) break;
  }
  return days;
}

const indiaClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export function isWithinOfficeHours(hours: OfficeHours, at: Date): boolean {
  const parts = Object.fromEntries(indiaClock.formatToParts(at).map((part) => [part.type, part.value]));
  const day = DAY_NAMES.indexOf(parts.weekday as DayName);
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return hours.days.has(day) && minute >= hours.startMinute && minute < hours.endMinute;
}
