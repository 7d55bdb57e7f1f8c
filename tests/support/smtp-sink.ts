// A real SMTP server in the test process (the `smtp-server` package) that keeps every message it
// accepts. It can be stopped and started again on the same port (the mail server is down, then
// back), and tests wait on it by polling with a bounded deadline, never by sleeping a set time.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  messageId: string;
  to: string;
  subject: string;
  raw: string;
}

export interface SmtpSink {
  port: number;
  /** SMTP_URL for the site. */
  url: string;
  messages: SinkMessage[];
  /** Called for each message as it is received, before the server accepts it. */
  onMessage?: (message: SinkMessage) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once `predicate` holds (checked every 50 ms), or rejects after `timeoutMs`. */
  waitFor(predicate: (messages: SinkMessage[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: *(.*)$`, 'mi').exec(unfolded)?.[1]?.trim() ?? '';
}

/** Starts a sink on a free port of 127.0.0.1. */
export async function startSmtpSink(): Promise<SmtpSink> {
  let server: SMTPServer | undefined;
  const sink: SmtpSink = {
    port: 0,
    url: '',
    messages: [],
    async start() {
      if (server) return;
      const created = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, _session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            const message = { messageId: header(raw, 'Message-ID'), to: header(raw, 'To'), subject: header(raw, 'Subject'), raw };
            sink.messages.push(message);
            sink.onMessage?.(message);
            callback();
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(sink.port, '127.0.0.1', () => {
          created.off('error', reject);
          created.on('error', () => undefined); // a client that goes away mid-message
          resolve();
        });
      });
      server = created;
      sink.port = (created.server.address() as AddressInfo).port;
      sink.url = `smtp://127.0.0.1:${sink.port}`;
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    async waitFor(predicate, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(sink.messages)) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: timed out waiting for ${what} (${sink.messages.length} received)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
  await sink.start();
  return sink;
}
