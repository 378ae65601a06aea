import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

interface Received {
  to: string[];
  message: string;
}

/** A real SMTP server on a free port that keeps what it is sent, and can refuse a recipient once. */
export class Inbox {
  readonly received: Received[] = [];
  readonly refuseOnce = new Set<string>();
  readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      if (this.refuseOnce.delete(address.address)) {
        callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 450 }));
      } else callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        this.received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          message: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });

  /** Listens on `port` (a free one by default: pass the old one to come back after `close`). */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  for(email: string): Received[] {
    return this.received.filter((r) => r.to.includes(email));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
