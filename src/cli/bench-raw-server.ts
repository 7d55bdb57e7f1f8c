// The baseline of `npm run bench`: a bare Node `http` server that answers with exactly the
// status, headers and body it is given (the bytes the site answered for the same request),
// and nothing else: it reads a request's body first when there is one (a POST), as the site
// must, and answers a GET at once, with one writeHead, the fastest way Node's http offers.
// Run by src/cli/bench.ts as a child process, so that it competes with the load generator for
// the CPU the way the site does.
//
// With `spend` as its second argument it is a tail floor (bench/scenarios.ts, `floorOf`):
// before each answer it spends the CPU time last set by `POST /.bench/spend` (microseconds, in
// the body), so its latency is what any server doing that much work per request gets here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reply } from './bench/reply.ts';

const reply = JSON.parse(process.argv[2] ?? '') as Reply;
const spends = process.argv[3] === 'spend';
const body = Buffer.from(reply.body, 'base64');
const headers = { ...reply.headers, 'content-length': String(body.length) };
let spendUs = 0;

/**
 * Busy until this process has used `us` more microseconds of CPU time. The site is measured on
 * its main thread only, which `process.threadCpuUsage` would match, but that counts in clock
 * ticks (4 ms here, ten times a request's work); this process has no other busy thread.
 */
function spendCpu(us: number) {
  const start = process.cpuUsage();
  for (let used = 0; used < us;) {
    const now = process.cpuUsage(start);
    used = now.user + now.system;
  }
}

const answer = (res: ServerResponse) => {
  if (spendUs > 0) spendCpu(spendUs);
  res.writeHead(reply.status, headers);
  res.end(body);
};

function setSpend(req: IncomingMessage, res: ServerResponse) {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (text += chunk));
  req.on('end', () => {
    spendUs = Math.max(0, Number(text) || 0);
    res.writeHead(204).end();
  });
}

const server = createServer((req, res) => {
  if (spends && req.method === 'POST' && req.url === '/.bench/spend') return setSpend(req, res);
  if (req.method === 'GET' || req.method === 'HEAD') return answer(res);
  req.on('data', () => {});
  req.on('end', () => answer(res));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`raw server ready at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
