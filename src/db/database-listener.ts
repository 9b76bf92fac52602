import pg from "pg";
import type { Logger } from "pino";
import { loggableError } from "../logger.js";

const CHANNEL = /^[a-z_][a-z0-9_]*$/;
const MAX_RECONNECT_MS = 30_000;

/**
 * Notifications from the other servers on the same Postgres, on one connection of its own (a
 * pooled connection drops its LISTEN when it goes back to the pool). While that connection is
 * down notifications are lost, so `live` turns false and every `onReset` handler runs, and runs
 * again once it is back: whatever a server caches on the strength of notifications must be
 * dropped at both moments, and not trusted in between.
 */
export class DatabaseListener {
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectMs = 1_000;
  private readonly handlers = new Map<string, ((payload: string) => void)[]>();
  private readonly resetHandlers: (() => void)[] = [];

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  /** Whether notifications are being received now. */
  get live(): boolean {
    return this.client !== null;
  }

  /** Subscribes before start(): the channels are listened to on every (re)connect. */
  on(channel: string, handler: (payload: string) => void): void {
    if (!CHANNEL.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  onReset(handler: () => void): void {
    this.resetHandlers.push(handler);
  }

  /** Connects, or keeps trying in the background: a server runs (uncached) without it. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 10_000 });
    client.on("notification", (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? "");
    });
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, undefined));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`listen ${channel}`);
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      this.logger.warn({ error: loggableError(err) }, "cannot listen for notifications from other servers; retrying");
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.reconnectMs = 1_000;
    this.reset();
  }

  private lost(client: pg.Client, err: Error | undefined): void {
    if (client !== this.client) return;
    this.client = null;
    this.reset();
    if (this.closed) return;
    this.logger.warn({ error: err && loggableError(err) }, "lost the notification connection; reconnecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectMs);
    this.reconnectMs = Math.min(MAX_RECONNECT_MS, this.reconnectMs * 2);
  }

  private reset(): void {
    for (const handler of this.resetHandlers) handler();
  }
}
