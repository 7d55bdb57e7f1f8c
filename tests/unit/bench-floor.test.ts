// The tail floor of `npm run bench` (src/cli/bench-raw-server.ts with `spend`): it must answer
// the site's bytes and spend the CPU time it was told per request, no less (the p99 read
// against it would flatter the site) and no more (it would flatter the floor). CPU time, not
// wall time: the figures hold on a busy machine.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let url = '';
beforeAll(async () => void ({ url } = await whenReady(child, /ready at (http:\/\/\S+)/, 30_000)));
afterAll(() => void child.kill('SIGTERM'));

async function spending(us: number, requests: number): Promise<number> {
  expect((await fetch(`${url}/.bench/spend`, { method: 'POST', body: String(us) })).status).toBe(204);
  const before = mainThreadCpuUs(child.pid)!;
  for (let i = 0; i < requests; i++) {
    const res = await fetch(url + '/');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<span>12</span>');
  }
  return mainThreadCpuUs(child.pid)! - before;
}

describe('the tail floor', () => {
  it("spends at least the CPU time it is told on each request, then answers the site's bytes", async () => {
    // 5 × 40 ms, less one clock tick (10 ms) of rounding at each end.
    expect(await spending(40_000, 5)).toBeGreaterThanOrEqual(5 * 40_000 - 20_000);
  });

  it('spends no more than it is told when that is a fraction of a clock tick', async () => {
    // 200 × 0.3 ms = 60 ms; a spend rounded up to a clock tick (4 ms or more) would be 800 ms.
    const used = await spending(300, 200);
    expect(used).toBeGreaterThanOrEqual(60_000 - 20_000);
    expect(used).toBeLessThan(300_000);
  });

  it('reads no CPU time for a process that is not there', () => {
    expect(mainThreadCpuUs(2 ** 30)).toBeUndefined();
  });
});
