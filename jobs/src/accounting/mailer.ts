import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';

export interface Mail {
  /** Names the .eml file in the outbox: the same mail twice overwrites itself. */
  id: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
}

export interface Mailer {
  /** Resolves once the SMTP server accepted the mail (or the file is written): where it went. */
  send(mail: Mail): Promise<string>;
}

export interface MailerOptions {
  /** `smtp://user:pass@host:port` (or `smtps://`); without it mails are written to `outbox`. */
  smtpUrl?: string;
  outbox: string;
}

const DEFAULT_FROM = 'aTES payroll <payroll@popug.inc>';

/**
 * nodemailer over SMTP when `smtpUrl` is set, else one .eml file per mail in the outbox folder.
 * The sender is `ATES_MAIL_FROM`, else the payroll address.
 */
export function createMailer(options: MailerOptions): Mailer {
  const from = process.env.ATES_MAIL_FROM ?? DEFAULT_FROM;
  return options.smtpUrl ? smtpMailer(options.smtpUrl, from) : outboxMailer(options.outbox, from);
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = createTransport(smtpUrl);
  const server = new URL(smtpUrl);
  const destination = `${server.protocol}//${server.host}`;
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      return `${destination} ${info.messageId}`;
    },
  };
}

function outboxMailer(outbox: string, from: string): Mailer {
  const transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      await mkdir(outbox, { recursive: true, mode: 0o700 });
      const path = join(outbox, `${mail.id}.eml`);
      const partial = `${path}.${randomUUID()}.tmp`;
      await writeFile(partial, info.message as Buffer, { mode: 0o600 });
      await rename(partial, path);
      return path;
    },
  };
}
