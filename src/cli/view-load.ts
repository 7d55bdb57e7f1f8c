// View events as many browsers' beacons send them (public/js/view-count.js), for the fault
// and cluster tests: each event has its own idempotency key and is retried with that same key
// until it is acknowledged, so that the stored count can be compared with what was acknowledged.
import { randomBytes } from 'node:crypto';

export const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';

export interface LoadOptions {
  /** Where to send (nginx, or one app server). */
  url: string;
  /** The site's origin, sent as Origin. */
  origin: string;
  /** The page counted. */
  path: string;
  clients: number;
  /** The clients stop once this resolves, each after finishing the event in hand. */
  stop: Promise<void>;
  /** How often one event is tried before it is given up. */
  tries: number;
  /** The pause after a failed attempt. */
  retryDelayMs?: number;
  /** After a 503, wait as its Retry-After says (at most 10 s) instead of retryDelayMs. */
  honourRetryAfter?: boolean;
}

export interface LoadResult {
  /** Events acknowledged with 200 (each key once: a client moves on only after its 200). */
  acknowledged: number;
  /** Of those, answers saying the key had been counted already: a retry of an event whose first answer was lost. */
  replays: number;
  /** Attempts that got no answer or one other than 200 (then retried with the same key). */
  failures: number;
  /** Events given up after `tries` attempts. */
  abandoned: number;
  attempts: number;
  /** How many answers had each status (0: no answer: the connection failed). */
  statuses: Record<number, number>;
  /** 503 answers without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** The last key each client had acknowledged. */
  lastKeys: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A new page-load key, as the beacon makes it: the time, then 96 random bits. */
export const eventKey = () => `${Date.now().toString(36)}-${randomBytes(12).toString('hex')}`;

/** Sends one view event; resolves with the answer (its body read). */
export async function sendViewEvent(url: string, origin: string, path: string, key: string) {
  const res = await fetch(`${url}/api/views/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, 'user-agent': BROWSER },
    body: JSON.stringify({ path, key }),
  });
  const body = (await res.json().catch(() => ({}))) as { counted?: unknown };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), counted: body.counted };
}

/**
 * Starts the load. `result` fills in as it runs (a test may watch it); `finished` resolves
 * with it once every client has stopped.
 */
export function startViewLoad(options: LoadOptions): { result: LoadResult; finished: Promise<LoadResult> } {
  const { url, origin, path, clients, stop, tries, retryDelayMs = 50, honourRetryAfter = false } = options;
  const result: LoadResult = {
    acknowledged: 0,
    replays: 0,
    failures: 0,
    abandoned: 0,
    attempts: 0,
    statuses: {},
    unavailableWithoutRetryAfter: 0,
    lastKeys: [],
  };
  let stopped = false;
  void stop.then(() => (stopped = true));
  const client = async (index: number) => {
    while (!stopped) {
      const key = eventKey();
      let done = false;
      for (let attempt = 0; attempt < tries && !done; attempt++) {
        result.attempts += 1;
        let pause = retryDelayMs;
        try {
          const answer = await sendViewEvent(url, origin, path, key);
          result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
          if (answer.status === 200 && typeof answer.counted === 'boolean') {
            done = true;
            result.acknowledged += 1;
            result.lastKeys[index] = key;
            if (!answer.counted) result.replays += 1;
            continue;
          }
          if (answer.status === 503 && answer.retryAfter === null) result.unavailableWithoutRetryAfter += 1;
          const seconds = Number(answer.retryAfter);
          if (honourRetryAfter && answer.status === 503 && seconds > 0) pause = Math.min(seconds, 10) * 1000;
        } catch {
          result.statuses[0] = (result.statuses[0] ?? 0) + 1;
        }
        result.failures += 1;
        await sleep(pause);
      }
      if (!done) result.abandoned += 1;
    }
  };
  const finished = Promise.all(Array.from({ length: clients }, (_, index) => client(index))).then(() => result);
  return { result, finished };
}
