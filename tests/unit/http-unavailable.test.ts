import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  reportUnavailable,
  RETRY_AFTER_SECONDS,
  UNAVAILABLE_MESSAGE,
  unavailableAnswer,
  unavailableResponse,
  unavailableShape,
} from '../../src/lib/http/unavailable.ts';

describe('the answer while the database is unavailable', () => {
  it('takes the shape the request expects', () => {
    const html = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
    expect(unavailableShape('/account', html)).toBe('html');
    expect(unavailableShape('/forgot-password', html)).toBe('html');
    expect(unavailableShape('/account', '*/*')).toBe('text');
    expect(unavailableShape('/account', undefined)).toBe('text');
    expect(unavailableShape('/_actions/auth.signIn', html)).toBe('action');
    expect(unavailableShape('/api/views/event', '*/*')).toBe('json');
    expect(unavailableShape('/account/export.json', html)).toBe('json');
    // An island keeps its fallback on any answer but 200: plain text, whatever it asked for.
    expect(unavailableShape('/_server-islands/ViewCountIsland', html)).toBe('text');
    expect(unavailableShape('/admin/audit.csv', '*/*')).toBe('text');
  });

  it('is a 503 with Retry-After that no cache keeps, and says what happened in each shape', () => {
    for (const shape of ['html', 'action', 'json', 'text'] as const) {
      const { status, headers, body } = unavailableAnswer(shape);
      expect(status).toBe(503);
      expect(headers['Retry-After']).toBe(String(RETRY_AFTER_SECONDS));
      expect(headers['Cache-Control']).toBe('no-store');
      expect(body).toContain(UNAVAILABLE_MESSAGE);
    }
    expect(unavailableAnswer('html').headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(unavailableAnswer('html').body).toMatch(/^<!DOCTYPE html>[\s\S]*<h1>Back in a moment<\/h1>/);
    // astro:actions callers get an ActionError they can tell apart.
    expect(JSON.parse(unavailableAnswer('action').body)).toEqual({
      type: 'AstroActionError',
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      message: UNAVAILABLE_MESSAGE,
    });
    expect(JSON.parse(unavailableAnswer('json').body)).toEqual({ error: UNAVAILABLE_MESSAGE });
    expect(unavailableAnswer('text').headers['Content-Type']).toBe('text/plain; charset=utf-8');
  });

  it('as a web Response, without a body for HEAD', async () => {
    const get = unavailableResponse('/account', 'text/html');
    expect(get.status).toBe(503);
    expect(get.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
    expect(await get.text()).toContain(UNAVAILABLE_MESSAGE);
    const head = unavailableResponse('/account', 'text/html', 'HEAD');
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
  });
});

describe('reportUnavailable', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs an outage once, then at most every 10 s with how many requests met it meanwhile', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    // Far from any earlier report (the module's state lives as long as the process).
    const t = Date.now() + 3_600_000;
    reportUnavailable('GET /account answered 503', error, t);
    reportUnavailable('GET /account answered 503', error, t + 1000);
    reportUnavailable('POST /api/views/event answered 503', error, t + 9999);
    reportUnavailable('POST /api/views/event answered 503', error, t + 10_000);
    expect(lines).toEqual([
      'database unavailable: GET /account answered 503: connect ECONNREFUSED 127.0.0.1:5432',
      'database unavailable: POST /api/views/event answered 503: connect ECONNREFUSED 127.0.0.1:5432 (and 2 more requests since the last report)',
    ]);
  });
});
