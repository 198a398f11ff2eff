import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Tx } from './db.ts';

/**
 * Outgoing mail. With SMTP_URL: nodemailer over SMTP with pooled connections. Without it, every
 * message is written as an .eml file under <DATA_DIR>/outbox, so nothing is lost in a demo.
 */
export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(msg: MailMessage): Promise<{ messageId: string }>;
  close(): void;
  readonly mode: 'smtp' | 'outbox';
}

export function createMailer(opts: { smtpUrl?: string; from: string; outboxDir: string }): Mailer {
  if (opts.smtpUrl) {
    const url = new URL(opts.smtpUrl);
    const insecureLocal = url.searchParams.get('tls') === 'off' || ['127.0.0.1', 'localhost', '::1'].includes(url.hostname);
    const transport: Transporter = nodemailer.createTransport({
      pool: true,
      maxConnections: Number(url.searchParams.get('pool') ?? 5),
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      ignoreTLS: insecureLocal && url.protocol === 'smtp:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    });
    return {
      mode: 'smtp',
      async send(msg) {
        const info = await transport.sendMail({ from: opts.from, ...msg });
        return { messageId: info.messageId as string };
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    mode: 'outbox',
    async send(msg) {
      const info = await transport.sendMail({ from: opts.from, ...msg });
      await mkdir(opts.outboxDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const id = String(info.messageId).replace(/[<>@/\\]/g, '_');
      await writeFile(path.join(opts.outboxDir, `${stamp}-${id}.eml`), info.message as Buffer);
      return { messageId: info.messageId as string };
    },
    close: () => transport.close(),
  };
}

/**
 * Mail as a durable job (outbox): `queue(tx, msg)` enqueues in the caller's transaction, so a message
 * exists exactly when the change that caused it commits; a worker sends it, with retries.
 */
export const MAIL_JOB = 'core.mail';
export interface MailQueue {
  queue(tx: Tx, msg: MailMessage): Promise<void>;
}
