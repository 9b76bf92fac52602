import type { DescMessage, Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { settledOnFirstMessage } from "./first-message.js";
import type { AnyStream } from "./routed-streams.js";

/** A response streaming what `messages` yields, noting when the handler's generator ends. */
function streamOf(messages: () => AsyncGenerator<Message>): { res: AnyStream; ended: () => boolean } {
  let ended = false;
  async function* handler() {
    try {
      yield* messages();
    } finally {
      ended = true;
    }
  }
  const res = { stream: true, message: handler() } as unknown as AnyStream;
  return { res, ended: () => ended };
}

const message = (n: number) => ({ $typeName: "test.M", n }) as unknown as Message<DescMessage["typeName"]>;

describe("settledOnFirstMessage", () => {
  it("settles once, without an error, when the first message is ready, and passes every message on", async () => {
    const settled: unknown[] = [];
    const { res } = streamOf(async function* () {
      yield message(1);
      yield message(2);
    });
    const seen = [];
    for await (const m of settledOnFirstMessage(res, (err) => settled.push(err)).message) {
      seen.push(m);
      expect(settled).toEqual([undefined]);
    }
    expect(seen).toHaveLength(2);
    expect(settled).toEqual([undefined]);
  });

  it("settles with the error the handler throws before its first message, and rethrows it", async () => {
    const settled: unknown[] = [];
    const refused = new ConnectError("no", Code.PermissionDenied);
    const { res } = streamOf(async function* () {
      yield* [];
      throw refused;
    });
    const read = async () => {
      for await (const m of settledOnFirstMessage(res, (err) => settled.push(err)).message) expect(m).toBeUndefined();
    };
    await expect(read()).rejects.toBe(refused);
    expect(settled).toEqual([refused]);
  });

  it("settles without an error when the stream ends empty", async () => {
    const settled: unknown[] = [];
    const { res } = streamOf(async function* () {});
    for await (const m of settledOnFirstMessage(res, (err) => settled.push(err)).message) expect(m).toBeUndefined();
    expect(settled).toEqual([undefined]);
  });

  it("ends the handler's generator when the reader stops early", async () => {
    const { res, ended } = streamOf(async function* () {
      yield message(1);
      yield message(2);
    });
    const read = settledOnFirstMessage(res, () => undefined).message[Symbol.asyncIterator]();
    await read.next();
    await read.return?.(undefined);
    expect(ended()).toBe(true);
  });

  it("runs each read through `around`", async () => {
    let reads = 0;
    const { res } = streamOf(async function* () {
      yield message(1);
    });
    const around = <T>(read: () => Promise<T>) => {
      reads += 1;
      return read();
    };
    for await (const m of settledOnFirstMessage(res, () => undefined, around).message) expect(m).toBeDefined();
    expect(reads).toBe(2);
  });
});
