import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EmbedderStarting, type Embedder } from "./embedder.js";
import { Embeddings } from "./embeddings.js";

/** An embedder whose ready() fails with `failure` until `up` is set. */
class FlakyEmbedder implements Embedder {
  readonly id = "test:flaky";
  readonly dimensions = 384;
  up = false;
  readyCalls = 0;
  constructor(private readonly failure: () => Error) {}
  async ready(): Promise<void> {
    this.readyCalls += 1;
    if (!this.up) throw this.failure();
  }
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map(() => new Array<number>(384).fill(0));
  }
}

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

/** Calls ensureReady once a second for `seconds` seconds of fake time. */
async function poll(embeddings: Embeddings, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    await embeddings.ensureReady();
    vi.advanceTimersByTime(1000);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("an embedder that is not ready", () => {
  it("is tried again with backoff, each failure logged in one line without a stack trace", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const embedder = new FlakyEmbedder(() => new Error("fetch failed", { cause: new Error("connect ECONNREFUSED") }));
    const { logger, lines } = capturedLogger();
    const embeddings = new Embeddings(embedder, { budgetMs: 200, logger });

    await poll(embeddings, 80);
    await new Promise((resolve) => setImmediate(resolve));

    // Tried at 0, 5, 15, 35 and 75 s: the wait doubles after each failure (5 s, 10 s, 20 s, 40 s).
    expect(embedder.readyCalls).toBe(5);
    const failures = lines.filter(
      (l) => l.msg === "embedder unavailable: writes stay PENDING and searches use keywords",
    );
    expect(failures.map((l) => l.retryInSeconds)).toEqual([5, 10, 20, 40, 80]);
    for (const line of failures) {
      expect(line.error).toEqual({ type: "Error", message: "fetch failed: connect ECONNREFUSED" });
    }

    embedder.up = true;
    vi.advanceTimersByTime(80_000);
    expect(await embeddings.ensureReady()).toBe(true);
    expect(embeddings.model).toBe("test:flaky");
  });

  it("while it is starting, is tried every 5 s and logs nothing", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const embedder = new FlakyEmbedder(() => new EmbedderStarting("model being fetched"));
    const { logger, lines } = capturedLogger();
    const embeddings = new Embeddings(embedder, { budgetMs: 200, logger });

    await poll(embeddings, 30);
    await new Promise((resolve) => setImmediate(resolve));

    expect(embedder.readyCalls).toBe(6);
    expect(lines).toEqual([]);
  });
});

describe("waitUntilReady", () => {
  it("waits while the model is being fetched, and answers at once when the embedder fails", async () => {
    const { logger } = capturedLogger();
    const fetched = new FlakyEmbedder(() => new EmbedderStarting("being fetched"));
    const fetching = new Embeddings(fetched, { budgetMs: 200, logger });
    setTimeout(() => (fetched.up = true), 30);
    await expect(fetching.waitUntilReady(10)).resolves.toBe(true);
    expect(fetched.readyCalls).toBeGreaterThan(1);
    expect(fetching.model).toBe("test:flaky");

    const broken = new FlakyEmbedder(() => new Error("no such model"));
    const failing = new Embeddings(broken, { budgetMs: 200, logger });
    await expect(failing.waitUntilReady(10)).resolves.toBe(false);
    expect(broken.readyCalls).toBe(1);
  });
});
