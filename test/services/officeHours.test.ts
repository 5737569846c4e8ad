// HANDOFF_OFFICE_HOURS: read in India's time zone, days optional, end exclusive; bad values named at start-up.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { isWithinOfficeHours, officeHoursSchema } from '../../services/officeHours.js';

/** A moment given in India time (UTC+05:30). */
const ist = (isoLocal: string) => new Date(`${isoLocal}+05:30`);

describe('office hours', () => {
  it('every day by default; the end is exclusive; India time, whatever the server runs in', () => {
    const hours = officeHoursSchema.parse('08:00-20:00');
    expect(isWithinOfficeHours(hours, ist('2026-11-29T08:00:00'))).toBe(true); // a Sunday
    expect(isWithinOfficeHours(hours, ist('2026-11-30T19:59:00'))).toBe(true);
    expect(isWithinOfficeHours(hours, ist('2026-11-30T20:00:00'))).toBe(false);
    expect(isWithinOfficeHours(hours, ist('2026-11-30T07:59:00'))).toBe(false);
    expect(isWithinOfficeHours(hours, new Date('2026-11-30T02:45:00Z'))).toBe(true); // 08:15 in India
  });

  it('days as a range, also one that wraps past Sunday', () => {
    const weekdays = officeHoursSchema.parse('Mon-Sat 09:00-18:00');
    expect(isWithinOfficeHours(weekdays, ist('2026-11-28T10:00:00'))).toBe(true); // Saturday
    expect(isWithinOfficeHours(weekdays, ist('2026-11-29T10:00:00'))).toBe(false); // Sunday
    const weekend = officeHoursSchema.parse('Sat-Mon 10:00-14:00');
    expect([...weekend.days].sort()).toEqual([0, 1, 6]);
    expect(officeHoursSchema.parse('00:00-24:00').endMinute).toBe(24 * 60);
  });

  it('refuses what it cannot read, naming the variable', () => {
    for (const value of ['20:00-08:00', '8-20', 'Monday 09:00-18:00', '09:00-25:00']) {
      expect(() => loadConfig({ HANDOFF_OFFICE_HOURS: value }), value).toThrow(/HANDOFF_OFFICE_HOURS/);
    }
    expect(() => loadConfig({ HANDOFF_CALLBACK_AFTER: '0s' })).toThrow(/HANDOFF_CALLBACK_AFTER/);
    const config = loadConfig({});
    expect(config).toMatchObject({ HANDOFF_CALLBACK_AFTER: 5 * 60_000, CALLBACK_REJECT_WINDOW: 7 * 86_400_000, HANDOFF_OFFICE_HOURS: { label: '08:00-20:00' } });
  });
});
