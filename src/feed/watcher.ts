import type { DomainError } from "../errors/domain-error.js";

/**
 * One open WatchMemories stream as the feed sees it: rung when its workspace has news (with
 * the workspace's new head, when the news says it), ended (with the error the client gets)
 * when its key is revoked or the server shuts down.
 */
export class Watcher {
  private rung = false;
  private waiting: (() => void) | null = null;
  ended: DomainError | null = null;
  /** The latest head the news named; null when news came without one (read the head then). */
  head: bigint | null = null;

  constructor(
    readonly workspaceId: string,
    readonly keyId: string,
  ) {}

  ring(head?: bigint): void {
    if (head === undefined) this.head = null;
    else if (this.head !== null && head > this.head) this.head = head;
    this.rung = true;
    this.waiting?.();
  }

  /** Makes the next round read the head from the log. */
  forgetHead(): void {
    this.head = null;
  }

  /** The head as read from the log. */
  know(head: bigint): void {
    this.head = this.head === null || head > this.head ? head : this.head;
  }

  end(reason: DomainError): void {
    this.ended ??= reason;
    this.ring();
  }

  /** Ends the stream with the reason it was ended for, if it was. */
  throwIfEnded(): void {
    if (this.ended !== null) throw this.ended;
  }

  /** Forgets earlier news: what follows reads the log afresh. */
  listen(): void {
    this.rung = false;
  }

  /**
   * Waits for news (true) or until `ms` pass (false), whichever first; news that came since
   * listen() returns at once. An aborted signal ends the wait too.
   */
  async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.rung || signal.aborted) return this.rung;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.waiting?.();
    await new Promise<void>((resolve) => {
      this.waiting = resolve;
      timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    this.waiting = null;
    return this.rung;
  }
}
