import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  to: string[];
  raw: string;
  /** The body with quoted-printable soft breaks and escapes undone. */
  text: string;
}

/** A real SMTP server inside the test: every message Rampart sends arrives here. */
export async function startSmtp() {
  const inbox: Mail[] = [];
  const waiting: { to: string; match: (m: Mail) => boolean; resolve: (m: Mail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        const mail = { to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw, text: decodeQp(raw) };
        inbox.push(mail);
        for (const w of waiting.filter((x) => mail.to.includes(x.to) && x.match(mail))) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(mail);
        }
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    inbox,
    /** The first message to `to` (already received, or when it arrives); with `match`, the first such message it accepts. */
    mailTo(to: string, timeoutMs = 20_000, match: (m: Mail) => boolean = () => true): Promise<Mail> {
      const have = inbox.find((m) => m.to.includes(to.toLowerCase()) && match(m));
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No mail to ${to} within ${timeoutMs} ms; received: ${inbox.map((m) => m.to.join(',')).join('; ') || 'nothing'}`)), timeoutMs);
        waiting.push({ to: to.toLowerCase(), match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const decodeQp = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
