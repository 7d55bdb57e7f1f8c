// The baseline of `npm run bench`: a bare Node `http` server that reads the request body
// and answers with exactly the status, headers and body it is given (the bytes the site
// answered for the same request), and nothing else. Run by src/cli/bench.ts as a child
// process, so that it competes with autocannon for the CPU the way the site does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const reply = JSON.parse(process.argv[2] ?? '') as Reply;
const body = Buffer.from(reply.body);
const headers = { ...reply.headers, 'content-length': String(body.length) };

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(reply.status, headers);
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`raw server ready at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
