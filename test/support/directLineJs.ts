// The official Direct Line client (botframework-directlinejs, what Web Chat runs in the browser) inside a Node test, in
// its default WebSocket mode. Node 20 has neither XMLHttpRequest (directlinejs' default `ajax`) nor a global WebSocket
// (directlinejs only streams when `typeof WebSocket !== 'undefined'`): `ajax` is given on top of fetch, and the `ws`
// library is made the global WebSocket while the client lives (restore() puts the global back).
import { createRequire } from 'node:module';
import type { Activity as DirectLineActivity, ConnectionStatus, DirectLine, DirectLineOptions } from 'botframework-directlinejs';
import { WebSocket as NodeWebSocket } from 'ws';

const require = createRequire(import.meta.url);
const directLineJs = require('botframework-directlinejs') as {
  DirectLine: new (options: DirectLineOptions & Record<string, unknown>) => DirectLine;
  ConnectionStatus: typeof ConnectionStatus;
};
// The rxjs 5 that directlinejs itself uses (its Observable is what `ajax` must return).
const { Observable } = require('rxjs/Observable') as { Observable: { create(subscribe: (subscriber: Subscriber) => () => void): unknown } };

interface Subscriber {
  next(value: unknown): void;
  error(error: unknown): void;
  complete(): void;
}

/** An activity as received (the fields the tests read). */
export interface Activity {
  id?: string;
  type: string;
  text?: string;
  replyToId?: string;
  from?: { id: string; role?: string };
}

interface AjaxRequest {
  method?: string;
  url?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What directlinejs reads of an rxjs AjaxResponse / AjaxError: `response`, `status`, and Retry-After on a 429. */
function fetchAjax(requests: string[]) {
  return (request: AjaxRequest) => {
  requests.push(`${request.method ?? 'GET'} ${new URL(request.url ?? '').pathname}${new URL(request.url ?? '').search ? '?' : ''}`);
  return Observable.create((subscriber: Subscriber) => {
    const controller = new AbortController();
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    fetch(request.url ?? '', { method: request.method ?? 'GET', headers: request.headers, body, signal: controller.signal })
      .then(async (response) => {
        const text = await response.text();
        const parsed = text ? (JSON.parse(text) as unknown) : null;
        const xhr = { getResponseHeader: (name: string) => response.headers.get(name) };
        if (response.status >= 200 && response.status < 300) {
          subscriber.next({ status: response.status, response: parsed, xhr });
          subscriber.complete();
        } else {
          subscriber.error({ status: response.status, response: parsed, xhr });
        }
      })
      .catch((error: unknown) => subscriber.error({ status: 0, error }));
    return () => controller.abort();
  });
  };
}

export interface DirectLineJsClient {
  directLine: DirectLine;
  /** Every activity the client received, in order. */
  activities: Activity[];
  /** Every HTTP request it made, as "METHOD /path" (with "?" when it had a query). */
  requests: string[];
  /** Connection statuses seen, in order (2 = Online). */
  statuses: ConnectionStatus[];
  /** Waits for an activity after the first `from` received that satisfies `match`. */
  waitFor(match: (activity: Activity) => boolean, timeoutMs?: number, from?: number): Promise<Activity>;
  /** Posts a message as the consumer; resolves with its id. */
  say(text: string): Promise<string>;
  end(): void;
}

let globalsTaken = 0;
let previousWebSocket: unknown;

/** A directlinejs client on `domain` (…/v3/directline) with a token; WebSocket mode unless `webSocket: false`. */
export function connectDirectLineJs(options: { domain: string; token: string; conversationId?: string; webSocket?: boolean; userId: string }): DirectLineJsClient {
  const requests: string[] = [];
  const scope = globalThis as { WebSocket?: unknown };
  if (globalsTaken++ === 0) previousWebSocket = scope.WebSocket;
  scope.WebSocket = NodeWebSocket;
  const directLine = new directLineJs.DirectLine({
    domain: options.domain,
    token: options.token,
    conversationId: options.conversationId,
    webSocket: options.webSocket ?? true,
    WebSocket: NodeWebSocket,
    ajax: fetchAjax(requests),
  });
  const activities: Activity[] = [];
  const statuses: ConnectionStatus[] = [];
  const waiters = new Set<() => void>();
  const activitySubscription = directLine.activity$.subscribe({
    next: (received) => {
      activities.push(received as unknown as Activity);
      for (const wake of waiters) wake();
    },
  });
  const statusSubscription = directLine.connectionStatus$.subscribe({ next: (status) => statuses.push(status) });
  let ended = false;
  return {
    directLine,
    activities,
    requests,
    statuses,
    waitFor(match, timeoutMs = 15_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = activities.slice(from).find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const said = activities.slice(-3).map((activity) => activity.text ?? activity.type).join(' | ');
          reject(new Error(`no matching activity within ${timeoutMs} ms (last: ${said})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    say(text) {
      return new Promise((resolve, reject) => {
        directLine.postActivity({ type: 'message', text, from: { id: options.userId } } as DirectLineActivity).subscribe({
          next: (id) => (id === 'retry' ? reject(new Error(`"${text}" was not accepted`)) : resolve(id)),
          error: reject,
        });
      });
    },
    end() {
      if (ended) return;
      ended = true;
      activitySubscription.unsubscribe();
      statusSubscription.unsubscribe();
      directLine.end();
      if (--globalsTaken === 0) scope.WebSocket = previousWebSocket;
    },
  };
}

export const directLineConnectionStatus = directLineJs.ConnectionStatus;
