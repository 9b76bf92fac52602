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

/** An embedder whose ready() waits until release(), producing vectors of `size`. */
class GatedEmbedder implements Embedder {
  readonly id = "test:gated";
  readyCalls = 0;
  release: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  constructor(
    readonly dimensions: number,
    private readonly declared?: number,
  ) {}
  async declaredDimensions(): Promise<number | undefined> {
    return this.declared;
  }
  async ready(): Promise<void> {
    this.readyCalls += 1;
    await this.gate;
  }
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map(() => new Array<number>(this.dimensions).fill(0));
  }
}

describe("start-up in the background", () => {
  it("prepare() refuses an embedder that declares another size, without loading it", async () => {
    const { logger } = capturedLogger();
    const embedder = new GatedEmbedder(512, 512);
    await expect(new Embeddings(embedder, { budgetMs: 200, logger }).prepare(384)).rejects.toThrow(
      /test:gated produces 512-dimensional vectors but the database column is vector\(384\)/,
    );
    expect(embedder.readyCalls).toBe(0);
  });

  it("prepare() loads nothing; callers of ensureReady() share one attempt, and all see it succeed", async () => {
    const { logger } = capturedLogger();
    const embedder = new GatedEmbedder(384, 384);
    const embeddings = new Embeddings(embedder, { budgetMs: 200, logger });
    await embeddings.prepare(384);
    expect(embedder.readyCalls).toBe(0);
    expect(embeddings.model).toBeNull();

    const first = embeddings.ensureReady();
    const second = embeddings.ensureReady();
    expect(await embeddings.tryEmbed(["not yet"])).toBeNull();
    embedder.release();
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(embedder.readyCalls).toBe(1);
    expect(embeddings.model).toBe("test:gated");
  });

  it("vectors that turn out not to fit once loaded: one error line, never used, never tried again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { logger, lines } = capturedLogger();
    const embedder = new GatedEmbedder(512);
    embedder.release();
    const embeddings = new Embeddings(embedder, { budgetMs: 200, logger });
    await embeddings.prepare(384);

    await poll(embeddings, 60);
    await new Promise((resolve) => setImmediate(resolve));

    expect(embedder.readyCalls).toBe(1);
    expect(embeddings.model).toBeNull();
    expect(await embeddings.tryEmbed(["some text"])).toBeNull();
    const errors = lines.filter((l) => l.level === 50).map((l) => l.msg);
    expect(errors).toEqual([
      expect.stringMatching(/512-dimensional vectors but the database column is vector\(384\).*not used/),
    ]);
  });
});

/** Takes `msPerText` per text in each call, or never answers while `hung`. */
class PacedEmbedder implements Embedder {
  readonly id = "test:paced";
  readonly dimensions = 384;
  hung = false;
  constructor(private readonly msPerText: number) {}
  async ready(): Promise<void> {}
  async embed(texts: string[]): Promise<number[][]> {
    if (this.hung) return new Promise(() => {});
    await new Promise((resolve) => setTimeout(resolve, texts.length * this.msPerText));
    return texts.map(() => new Array<number>(384).fill(0.05));
  }
}

describe("the write budget", () => {
  it("is waited past while the embedder works through a bulk load, and kept when it hangs", async () => {
    const embedder = new PacedEmbedder(3);
    // A busy wait longer than the test's timeout: a hang taken for progress fails the test.
    const embeddings = new Embeddings(embedder, {
      budgetMs: 200,
      busyWaitMs: 600_000,
      logger: capturedLogger().logger,
    });
    await embeddings.start(384);
    expect((await embeddings.tryEmbed(["warm up"]))?.done).toBe(true);

    // 300 texts: five calls of up to 64 at 3 ms a text, about 900 ms against a 200 ms budget.
    const bulk = Array.from({ length: 300 }, (_, i) => `bulk ${i}`);
    const loaded = await embeddings.tryEmbed(bulk);
    expect(loaded?.done).toBe(true);
    if (loaded?.done) expect(loaded.vectors).toHaveLength(300);

    embedder.hung = true;
    const stuck = await embeddings.tryEmbed(["never answered"]);
    expect(stuck?.done).toBe(false);
  });
});
