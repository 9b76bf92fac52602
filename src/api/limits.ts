import { DomainError } from "../errors/domain-error.js";

/** The longest memory content, in characters (memory.proto's content max_len). */
export const MAX_CONTENT_CHARS = 50_000;

/** The most items one batch holds: BatchWriteMemories, CreateStagedWrite and ImportMemories (their protos' max_items). */
export const MAX_BATCH_ITEMS = 100;

/**
 * The most bytes any request body may hold, compressed or not, on every protocol. The largest
 * valid request, a batch of 100 memories at the content limit in 4-byte characters with full
 * metadata, is about 26 MB; decoding costs several times the body in memory, so the cap is what
 * keeps one request from exhausting the heap.
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * The most request-body bytes all calls in flight may hold at once: many concurrent requests
 * at the per-request cap would exhaust the heap together (a body costs about four times its
 * size in memory while it is decoded and handled).
 */
export const MAX_BUFFERED_REQUEST_BYTES = 256 * 1024 * 1024;

/** Request-body bytes held by calls in flight, against MAX_BUFFERED_REQUEST_BYTES. */
export class BodyBudget {
  private used = 0;

  constructor(private readonly capacity: number = MAX_BUFFERED_REQUEST_BYTES) {}

  /** Counts `bytes` against the budget, or refuses them (RESOURCE_EXHAUSTED, retry shortly). */
  take(bytes: number): void {
    if (this.used + bytes > this.capacity) {
      throw new DomainError(
        "resource_exhausted",
        "SERVER_BUSY",
        "the server is busy reading other large requests; retry shortly",
        [],
        1_000,
      );
    }
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  /**
   * The body's chunks as they arrive, counted; `charge` counts bytes held besides them (a body
   * decompressed); `release` gives back everything counted.
   */
  meter(body: AsyncIterable<Uint8Array>): {
    body: AsyncIterable<Uint8Array>;
    charge: (bytes: number) => void;
    release: () => void;
  } {
    let held = 0;
    const charge = (n: number) => {
      this.take(n);
      held += n;
    };
    return {
      body: (async function* () {
        for await (const chunk of body) {
          charge(chunk.byteLength);
          yield chunk;
        }
      })(),
      charge,
      release: () => {
        this.give(held);
        held = 0;
      },
    };
  }
}
