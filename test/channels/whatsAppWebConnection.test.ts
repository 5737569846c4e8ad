// The linked phone's session as a state machine around a fake whatsapp-web.js client: states and health, reconnects
// with backoff after a disconnect or a failed start (on a fake clock), and a client that throws, rejects, hangs or
// emits errors never reaching the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppWebConnection, WhatsAppWebNotReadyError, type WhatsAppWebConnectionOptions } from '../../bot/adapters/whatsAppWebConnection.js';
import { eventually, FakeWhatsAppWebClients, ManualScheduler } from '../support/fakeWhatsAppWebClient.js';

const processFailures: unknown[] = [];
const recordFailure = (error: unknown) => processFailures.push(error);
beforeAll(() => {
  process.on('uncaughtException', recordFailure);
  process.on('unhandledRejection', recordFailure);
});
afterAll(() => {
  process.off('uncaughtException', recordFailure);
  process.off('unhandledRejection', recordFailure);
  // Nothing any fake did in this file escaped the boundary.
  expect(processFailures).toEqual([]);
});

function setUp(options: Partial<WhatsAppWebConnectionOptions> = {}) {
  const clients = new FakeWhatsAppWebClients();
  const clock = new ManualScheduler();
  const lines: string[] = [];
  const qrs: string[] = [];
  const connection = new WhatsAppWebConnection({
    clientFactory: () => clients.factory('/tmp/unused'),
    log: (line) => lines.push(line),
    schedule: clock.schedule,
    // The top of each jitter range, so the delays are exact.
    random: () => 0.999_999,
    watchdogIntervalMs: 0,
    handlers: { qr: (qr) => qrs.push(qr) },
    ...options,
  });
  return { clients, clock, lines, qrs, connection };
}

describe('states', () => {
  it('goes starting → qr_required → authenticated → ready, keeping the QR out of health', async () => {
    const { clients, connection, qrs } = setUp();
    expect(connection.state).toBe('stopped');
    connection.start();
    expect(connection.state).toBe('starting');
    await eventually(() => expect(clients.current.initializeCalls).toBe(1));
    expect(() => connection.readyClient()).toThrow(WhatsAppWebNotReadyError);

    const qr = clients.current.showQr();
    expect(connection.state).toBe('qr_required');
    expect(qrs).toEqual([qr]);
    expect(connection.linkingCodes().qr?.text).toBe(qr);
    const health = connection.health();
    expect(health).toMatchObject({ state: 'qr_required', linkingCodeAvailable: true, reconnectAttempts: 0 });
    expect(JSON.stringify(health)).not.toContain(qr);

    // The QR rotates every ~20 s: the newest one counts.
    const newer = clients.current.showQr();
    expect(connection.linkingCodes().qr?.text).toBe(newer);

    clients.current.emit('authenticated');
    expect(connection.state).toBe('authenticated');
    expect(connection.linkingCodes()).toEqual({});
    clients.current.emit('ready');
    expect(connection.state).toBe('ready');
    expect(connection.readyClient()).toBe(clients.current);
    expect(connection.health()).toMatchObject({ state: 'ready', linkingCodeAvailable: false });

    await connection.stop();
    expect(connection.state).toBe('stopped');
    expect(clients.current.destroyed).toBe(true);
  });

  it('keeps a pairing code (link by phone number) for the supervisors and out of health', async () => {
    const { clients, connection } = setUp();
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    const code = clients.current.showPairingCode('K7QW2M9X');
    expect(connection.state).toBe('qr_required');
    expect(connection.linkingCodes().pairingCode?.code).toBe(code);
    expect(JSON.stringify(connection.health())).not.toContain(code);
    await connection.stop();
  });

  it('records WhatsApp Web\'s own state from change_state', async () => {
    const { clients, connection } = setUp();
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    clients.current.link();
    clients.current.emit('change_state', 'TIMEOUT');
    expect(connection.health().whatsAppState).toBe('TIMEOUT');
    await connection.stop();
  });
});

describe('reconnecting', () => {
  it('after a disconnect: destroys the old client, builds a new one after the backoff, and resets it once ready', async () => {
    const { clients, clock, connection } = setUp();
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    clients.current.link();

    clients.current.disconnect('NAVIGATION');
    expect(connection.state).toBe('disconnected');
    expect(() => connection.readyClient()).toThrow(/not connected \(state: disconnected\)/);
    expect(connection.health()).toMatchObject({ lastDisconnectReason: 'NAVIGATION', reconnectAttempts: 1 });
    expect(connection.health().nextReconnectAt).toBeDefined();
    const [reconnect] = clock.pending('reconnect');
    expect(reconnect?.delayMs).toBe(5_000);
    expect(clients.created).toHaveLength(1);

    clock.runNext('reconnect');
    await eventually(() => expect(clients.created).toHaveLength(2));
    expect(clients.created[0]!.destroyCalls).toBe(1);
    await eventually(() => expect(clients.current.initializeCalls).toBe(1));
    expect(connection.state).toBe('starting');
    clients.current.link();
    expect(connection.health()).toMatchObject({ state: 'ready', reconnectAttempts: 0 });
    expect(connection.health().nextReconnectAt).toBeUndefined();

    // Ready again, the next disconnect starts the backoff from the bottom.
    clients.current.disconnect('CONFLICT');
    expect(clock.pending('reconnect').map((task) => task.delayMs)).toEqual([5_000]);
    await connection.stop();
    expect(clock.pending('reconnect')).toEqual([]);
  });

  it('after failing starts: doubles the delay (5 s → 5 min, jittered) and destroys each failed client first', async () => {
    const { clients, clock, connection, lines } = setUp();
    clients.plan(...Array.from({ length: 9 }, () => ({ initialize: new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/') })));
    connection.start();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 9; attempt++) {
      await eventually(() => expect(connection.state).toBe('failed'));
      expect(connection.health().lastError).toContain('ERR_NAME_NOT_RESOLVED');
      const next = clock.runNext('reconnect');
      delays.push(next.delayMs);
      await eventually(() => expect(clients.created).toHaveLength(attempt + 1));
      expect(clients.created[attempt - 1]!.destroyCalls).toBe(1);
    }
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(lines.some((line) => line.includes('initialize() failed'))).toBe(true);

    // The tenth start works.
    await eventually(() => expect(clients.current.initializeCalls).toBe(1));
    clients.current.link();
    expect(connection.health()).toMatchObject({ state: 'ready', reconnectAttempts: 0 });
    expect(connection.health().lastError).toBeUndefined();
    await connection.stop();
  });

  it('jitters within the upper half of each backoff step', async () => {
    const { clients, clock, connection } = setUp({ random: () => 0 });
    clients.plan({ initialize: new Error('boom') });
    connection.start();
    await eventually(() => expect(clock.pending('reconnect')).toHaveLength(1));
    expect(clock.pending('reconnect')[0]?.delayMs).toBe(2_500);
    await connection.stop();
  });

  it('when the client cannot even be built, fails and retries', async () => {
    const { clients, clock, connection } = setUp();
    clients.failFactory(new Error('Cannot find module puppeteer'));
    connection.start();
    await eventually(() => expect(connection.state).toBe('failed'));
    expect(connection.health().lastError).toContain('Cannot find module puppeteer');
    clock.runNext('reconnect');
    await eventually(() => expect(clients.created).toHaveLength(1));
    await connection.stop();
  });

  it('after auth_failure: failed, and a new client later', async () => {
    const { clients, clock, connection } = setUp();
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    clients.current.emit('auth_failure', 'Unable to restore the session');
    expect(connection.state).toBe('failed');
    expect(connection.health().lastError).toContain('auth_failure');
    clock.runNext('reconnect');
    await eventually(() => expect(clients.created).toHaveLength(2));
    await connection.stop();
  });

  it('a client that logs out and shows a new QR by itself is kept (the pending reconnect is called off)', async () => {
    const { clients, clock, connection } = setUp();
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    clients.current.link();
    clients.current.disconnect('LOGOUT');
    expect(clock.pending('reconnect')).toHaveLength(1);
    clients.current.showQr();
    expect(connection.state).toBe('qr_required');
    expect(clock.pending('reconnect')).toEqual([]);
    expect(clients.created).toHaveLength(1);
    await connection.stop();
  });

  it('ignores whatever an old client still emits after it was replaced', async () => {
    const { clients, clock, connection } = setUp();
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    const old = clients.current;
    old.link();
    old.disconnect();
    clock.runNext('reconnect');
    await eventually(() => expect(clients.created).toHaveLength(2));
    old.emit('ready');
    old.emit('qr', 'stale-qr');
    expect(connection.state).toBe('starting');
    expect(connection.linkingCodes()).toEqual({});
    await connection.stop();
  });
});

describe('a misbehaving client', () => {
  it('never crashes the process: error events, throwing handlers, rejecting and hanging destroy()', async () => {
    const { clients, clock, connection, lines } = setUp({
      destroyTimeoutMs: 50,
      handlers: {
        qr: () => {
          throw new Error('a QR printer that breaks');
        },
      },
    });
    clients.plan({ destroy: 'hang' }, { destroy: new Error('Target closed') });
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));

    // An EventEmitter 'error' with no listener would throw out of emit().
    expect(() => clients.current.emit('error', new Error('Protocol error: Target closed'))).not.toThrow();
    expect(() => clients.current.showQr()).not.toThrow();
    expect(connection.state).toBe('qr_required');
    expect(lines.some((line) => line.includes('handling "qr" failed'))).toBe(true);
    // A malformed event is ignored rather than believed.
    clients.current.emit('qr', { not: 'a string' });
    clients.current.emit('message_ack', undefined, 'three');

    clients.current.disconnect();
    clock.runNext('reconnect');
    // The first client's destroy() never returns: after the timeout a new one starts all the same.
    await eventually(() => expect(clients.created).toHaveLength(2));
    expect(lines.some((line) => line.includes('destroy() did not finish'))).toBe(true);

    clients.current.disconnect();
    clock.runNext('reconnect');
    await eventually(() => expect(clients.created).toHaveLength(3));
    expect(lines.some((line) => line.includes('Target closed'))).toBe(true);

    // Even discarded clients may still emit errors.
    expect(() => clients.created[0]!.emit('error', new Error('late'))).not.toThrow();
    await connection.stop();
  });

  it('the watchdog treats a client that stops answering as disconnected', async () => {
    const { clients, clock, connection } = setUp({ watchdogIntervalMs: 60_000, watchdogTimeoutMs: 50 });
    clients.plan({ getState: 'ok' });
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    clients.current.link();
    expect(clock.pending('watchdog').map((task) => task.delayMs)).toEqual([60_000]);

    clock.runNext('watchdog');
    // Answered: checked again later.
    await eventually(() => expect(clock.pending('watchdog')).toHaveLength(1));
    expect(connection.health().whatsAppState).toBe('CONNECTED');
    expect(connection.state).toBe('ready');

    // The browser died: getState() never answers.
    (clients.current as unknown as { behaviour: { getState: string } }).behaviour.getState = 'hang';
    clock.runNext('watchdog');
    await eventually(() => expect(connection.state).toBe('disconnected'));
    expect(connection.health().lastDisconnectReason).toContain('getState() did not finish');
    expect(clock.pending('reconnect')).toHaveLength(1);
    await connection.stop();
  });

  it('stops cleanly while a start is still under way, and destroys what that start built', async () => {
    const { clients, connection } = setUp();
    clients.plan({ initialize: 'hang' });
    connection.start();
    await eventually(() => expect(clients.created).toHaveLength(1));
    await connection.stop();
    expect(connection.state).toBe('stopped');
    expect(clients.current.destroyCalls).toBe(1);
    clients.current.emit('ready');
    expect(connection.state).toBe('stopped');
  });
});
