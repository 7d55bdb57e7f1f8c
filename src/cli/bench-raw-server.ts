// The baseline of `npm run bench`: a bare Node `http` server that answers with exactly the
// status, headers and body it is given (the bytes the site answered for the same request),
// and nothing else: it reads a request's body first when there is one (a POST), as the site
// must, and answers a GET at once, with one writeHead, the fastest way Node's http offers. Run by src/cli/bench.ts as a child
// process, so that it competes with autocannon for the CPU the way the site does.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reply } from './bench/reply.ts';

const reply = JSON.parse(process.argv[2] ?? '') as Reply;
const body = Buffer.from(reply.body, 'base64');
const headers = { ...reply.headers, 'content-length': String(body.length) };

const answer = (res: ServerResponse) => {
  res.writeHead(reply.status, headers);
  res.end(body);
};
const server = createServer((req, res) => {
  if (req.method === 'GET' || req.method === 'HEAD') return answer(res);
  req.on('data', () => {});
  req.on('end', () => answer(res));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`raw server ready at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
