// The time limits as configuration: defaults, SLA_* overrides in the config's duration syntax, and clear refusals.
import { describe, expect, it } from 'vitest';
import type { TicketEvent } from '../../models/ticketTypes.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { breachNote, DEFAULT_SLA_LIMITS_MS, ownerSinceFromHistory, slaClockRuns } from '../../services/slaPolicy.js';

const hour = 3_600_000;
const day = 24 * hour;

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('SLA limits from the environment', () => {
  it('uses the defaults when nothing is set', () => {
    expect(loadConfig({}).slaLimitsMs).toEqual({
      supply: 4 * hour,
      transformer: 24 * hour,
      meter: 7 * day,
      bill: 7 * day,
      new_connection: 7 * day,
      theft: 7 * day,
    });
    expect(loadConfig({}).slaLimitsMs).toEqual(DEFAULT_SLA_LIMITS_MS);
  });

  it('overrides a category with the same duration syntax as the other settings; empty means unset', () => {
    const { slaLimitsMs } = loadConfig({ SLA_SUPPLY: '8h', SLA_TRANSFORMER: '72h', SLA_NEW_CONNECTION: '30d', SLA_BILL: '90m', SLA_METER: '' });
    expect(slaLimitsMs).toEqual({ ...DEFAULT_SLA_LIMITS_MS, supply: 8 * hour, transformer: 72 * hour, new_connection: 30 * day, bill: 90 * 60_000 });
  });

  it('names every bad variable', () => {
    const message = configError({ SLA_SUPPLY: '4 hours', SLA_THEFT: 'soon', SLA_METER: '0d' });
    expect(message).toContain('SLA_SUPPLY: a duration like 90s, 15m, 4h or 2d');
    expect(message).toContain('SLA_THEFT: a duration like 90s, 15m, 4h or 2d');
    expect(message).toContain('SLA_METER: a time limit longer than zero');
  });
});

describe('SLA policy', () => {
  it('runs the clock only while an owner below the CE holds the ticket', () => {
    expect(slaClockRuns({ status: 'registered', level: 'JE' })).toBe(true);
    expect(slaClockRuns({ status: 'assigned', level: 'SE' })).toBe(true);
    expect(slaClockRuns({ status: 'in_progress', level: 'SDO' })).toBe(true);
    expect(slaClockRuns({ status: 'reopened', level: 'XEN' })).toBe(true);
    expect(slaClockRuns({ status: 'assigned', level: 'CE' })).toBe(false);
    for (const status of ['awaiting_confirmation', 'unconfirmed', 'closed'] as const) {
      expect(slaClockRuns({ status, level: 'JE' })).toBe(false);
    }
  });

  it('derives the owner\'s start from the last hand-over in the history', () => {
    const createdAt = new Date('2025-01-01T00:00:00Z');
    const event = (type: TicketEvent['type'], at: string) => ({ type, at: new Date(at) }) as TicketEvent;
    expect(ownerSinceFromHistory({ createdAt, events: [event('ticket.registered', '2025-01-01T00:00:00Z')] })).toEqual(createdAt);
    expect(
      ownerSinceFromHistory({
        createdAt,
        events: [
          event('ticket.assigned', '2025-01-01T00:00:00Z'),
          event('ticket.escalated', '2025-01-01T04:00:00Z'),
          event('ticket.work_started', '2025-01-01T05:00:00Z'),
          event('ticket.rejected', '2025-01-01T09:00:00Z'),
          event('ticket.progress_noted', '2025-01-01T10:00:00Z'),
        ],
      }),
    ).toEqual(new Date('2025-01-01T09:00:00Z'));
  });

  it('names the limit in the escalation note', () => {
    expect(breachNote('supply', 4 * hour)).toBe('Time limit for supply (4 h) exceeded');
    expect(breachNote('new_connection', 7 * day)).toBe('Time limit for new connection (7 d) exceeded');
    expect(breachNote('bill', 90 * 60_000)).toBe('Time limit for bill (90 min) exceeded');
  });
});

describe('EMERGENCY_SLA', () => {
  it('is read as a duration, unset by default (the timers then use 1 h), and refuses zero', () => {
    expect(loadConfig({ EMERGENCY_SLA: '30m' }).EMERGENCY_SLA).toBe(30 * 60_000);
    expect(loadConfig({}).EMERGENCY_SLA).toBeUndefined();
    expect(() => loadConfig({ EMERGENCY_SLA: '0h' })).toThrow(ConfigError);
  });
});
