import type { MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError, type Client } from "@connectrpc/connect";
import type {
  ChangeEvent,
  MemoryService,
  WatchMemoriesRequestSchema,
  WatchMemoriesResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";

export type WatchRequest = MessageInitShape<typeof WatchMemoriesRequestSchema>;

/** Opens WatchMemories on a client (any transport) and reads it in the background. */
export function watchMemories(client: Client<typeof MemoryService>, req: WatchRequest = {}): WatchedStream {
  return new WatchedStream((signal) => client.watchMemories(req, { signal }));
}

/**
 * A WatchMemories stream read in the background, as a client would hold one: what it delivered
 * so far, how it ended, and waits for what a test expects next.
 */
export class WatchedStream {
  readonly events: WatchMemoriesResponse[] = [];
  error: ConnectError | null = null;
  ended = false;
  readonly done: Promise<void>;
  private readonly abort = new AbortController();

  constructor(open: (signal: AbortSignal) => AsyncIterable<WatchMemoriesResponse>) {
    this.done = (async () => {
      try {
        for await (const event of open(this.abort.signal)) this.events.push(event);
      } catch (err) {
        if (!this.abort.signal.aborted) this.error = ConnectError.from(err);
      } finally {
        this.ended = true;
      }
    })();
  }

  get changes(): ChangeEvent[] {
    return this.events.flatMap((e) => (e.event.case === "change" ? [e.event.value] : []));
  }

  get heartbeats(): string[] {
    return this.events.flatMap((e) => (e.event.case === "heartbeat" ? [e.event.value.cursor] : []));
  }

  /** The cursor of the last event: where a client resumes. */
  get cursor(): string {
    const last = this.events.at(-1)?.event;
    return last?.case === undefined ? "" : last.value.cursor;
  }

  /** Waits until `condition` holds (or the stream ended, or 15 s passed) and says whether it does. */
  async until(condition: (stream: this) => boolean, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this) && !this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return condition(this);
  }

  /** Waits for the stream's first message, the heartbeat that says it is open. */
  async opened(): Promise<void> {
    if (!(await this.until((s) => s.events.length > 0))) {
      throw this.error ?? new Error("the stream sent nothing");
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
