import type { DomainError } from "../errors/domain-error.js";

/**
 * One open WatchMemories stream as the feed sees it: rung when its workspace has news, ended
 * (with the error the client gets) when its key is revoked or the server shuts down.
 */
export class Watcher {
  private rung = false;
  private waiting: (() => void) | null = null;
  ended: DomainError | null = null;

  constructor(
    readonly workspaceId: string,
    readonly keyId: string,
  ) {}

  ring(): void {
    this.rung = true;
    this.waiting?.();
  }

  end(reason: DomainError): void {
    this.ended ??= reason;
    this.ring();
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
