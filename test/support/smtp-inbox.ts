import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  message: string;
}

/**
 * A real SMTP server on loopback that keeps what it is sent. `refuse()` closes its port, as a
 * mail server that is down does; `accept()` opens the same port again.
 */
export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  private server = this.create();
  private port = 0;

  private create() {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
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
  }

  async accept(): Promise<string> {
    this.server = this.create();
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  refuse(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
