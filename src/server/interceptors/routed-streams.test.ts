import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { StreamRequest, StreamResponse } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import type { EntityManager } from "@mikro-orm/sql";
import { describe, expect, it } from "vitest";
import { MemoryService, SearchMemoriesResponseSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { routedReads } from "../../db/replicas/read-route.js";
import { replayable, withFallBack } from "./routed-streams.js";

const replicaEm = { name: "replica" } as unknown as EntityManager;
const result = (id: string): Message => create(SearchMemoriesResponseSchema, { memory: { id } });
const replicaGone = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

function stream(messages: AsyncIterable<Message>): StreamResponse<DescMessage, DescMessage> {
  return {
    stream: true,
    service: MemoryService,
    method: MemoryService.method.searchMemories,
    header: new Headers(),
    trailer: new Headers(),
    message: messages,
  } as unknown as StreamResponse<DescMessage, DescMessage>;
}

async function ids(messages: AsyncIterable<Message>): Promise<string[]> {
  const out: string[] = [];
  for await (const m of messages) out.push((m as { memory?: { id: string } }).memory?.id ?? "");
  return out;
}

describe("streams read on a replica", () => {
  it("produce each message with their reads routed to the replica", async () => {
    async function* handler() {
      expect(routedReads()).toBe(replicaEm);
      yield result("a");
      expect(routedReads()).toBe(replicaEm);
      yield result("b");
    }
    const fallBack = () => Promise.reject(new Error("not expected"));
    expect(await ids(withFallBack(replicaEm, stream(handler()), () => true, fallBack))).toEqual(["a", "b"]);
  });

  it("rerun on the primary when the replica fails before the first message, and not after", async () => {
    // eslint-disable-next-line require-yield
    async function* failsAtOnce(): AsyncGenerator<Message> {
      throw replicaGone;
    }
    const primary = () => Promise.resolve(stream(createAsyncIterable([result("p")])));
    expect(await ids(withFallBack(replicaEm, stream(failsAtOnce()), () => true, primary))).toEqual(["p"]);

    async function* failsLater() {
      yield result("a");
      throw replicaGone;
    }
    await expect(ids(withFallBack(replicaEm, stream(failsLater()), () => true, primary))).rejects.toBe(replicaGone);
    const notTheReplica = new Error("a bug");
    async function* fails(): AsyncGenerator<Message> {
      yield* [];
      throw notTheReplica;
    }
    await expect(ids(withFallBack(replicaEm, stream(fails()), () => false, primary))).rejects.toBe(notTheReplica);
  });

  it("a server-streaming request can be sent twice (once to the replica, once to the primary)", async () => {
    const message = create(SearchMemoriesResponseSchema, {});
    const req = { stream: true, message: createAsyncIterable([message]) } as unknown as StreamRequest<
      DescMessage,
      DescMessage
    >;
    const attempt = await replayable(req);
    for (let i = 0; i < 2; i++) {
      const again = attempt();
      if (!again.stream) throw new Error("expected a stream request");
      const read: Message[] = [];
      for await (const m of again.message) read.push(m);
      expect(read).toEqual([message]);
    }
  });
});
