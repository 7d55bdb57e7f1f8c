// The tail floor of `npm run bench` (src/cli/bench-raw-server.ts with `spend`): it must answer
// the site's bytes and spend at least the CPU time it was told per request, or the p99 read
// against it would flatter the site. CPU time, not wall time: the figures hold on a busy machine.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mainThreadCpuUs } from '../../src/cli/bench/load.ts';
import { whenReady } from '../../src/cli/site-process.ts';
import { root } from '../support/site.ts';

const reply = {
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: Buffer.from('<span>12</span>').toString('base64'),
};
const child = spawn(process.execPath, [join(root, 'src/cli/bench-raw-server.ts'), JSON.stringify(reply), 'spend'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
afterAll(() => void child.kill('SIGTERM'));

describe('the tail floor', () => {
  it("spends at least the CPU time it is told on each request, then answers the site's bytes", async () => {
    const { url } = await whenReady(child, /ready at (http:\/\/\S+)/, 30_000);
    expect((await fetch(`${url}/.bench/spend`, { method: 'POST', body: '40000' })).status).toBe(204);
    const before = mainThreadCpuUs(child.pid)!;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(url + '/');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('<span>12</span>');
    }
    // 5 × 40 ms, less one clock tick (10 ms) of rounding at each end.
    expect(mainThreadCpuUs(child.pid)! - before).toBeGreaterThanOrEqual(5 * 40_000 - 20_000);
  });

  it('reads no CPU time for a process that is not there', () => {
    expect(mainThreadCpuUs(2 ** 30)).toBeUndefined();
  });
});
