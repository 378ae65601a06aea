import { logger } from '../logger.ts';

/** How often to look at the outbox: just after this process published, and otherwise. */
const POLL_MS = { busy: 20, idle: 250 };
/** How long after this process's last publish to keep polling at the busy rate. */
const BUSY_WINDOW_MS = 250;

/**
 * Runs `dispatchOnce` in a loop: at once again while it finds full rounds, every few milliseconds
 * for a moment after a local publish (whose transaction commits a little later), and a few times
 * a second otherwise, to pick up what other processes published or a crash left behind.
 */
export class Dispatcher {
  private running: Promise<void> | undefined;
  private stopping = false;
  private lastPokeAt = 0;
  private wake: (() => void) | undefined;
  private readonly dispatchOnce: () => Promise<number>;
  private readonly roundSize: number;

  /** `dispatchOnce` queues up to `roundSize` outbox entries and says how many it found. */
  constructor(dispatchOnce: () => Promise<number>, roundSize: number) {
    this.dispatchOnce = dispatchOnce;
    this.roundSize = roundSize;
  }

  start(): void {
    this.stopping = false;
    this.running ??= this.loop();
  }

  /** A local publish is about to commit: look soon and often. */
  poke(): void {
    this.lastPokeAt = Date.now();
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let dispatched = 0;
      try {
        dispatched = await this.dispatchOnce();
      } catch (error) {
        logger.error({ err: error }, 'dispatching the outbox failed; retrying');
      }
      if (dispatched < this.roundSize) await this.pause();
    }
  }

  private pause(): Promise<void> {
    const busy = Date.now() - this.lastPokeAt < BUSY_WINDOW_MS;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, busy ? POLL_MS.busy : POLL_MS.idle);
      this.wake = busy ? undefined : () => setTimeout(done, POLL_MS.busy);
    });
  }
}
