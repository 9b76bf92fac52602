import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteOutcome } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { memoryClient } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("smoke", () => {
  it("writes and lists", async () => {
    const client = memoryClient(server.baseUrl, server.adminKey);
    const a = await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "s1", kind: "pitch", key: "k", content: "hello" },
    });
    expect(a.outcome).toBe(WriteOutcome.CREATED);
    const b = await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "s1", kind: "pitch", key: "k", content: "hello 2" },
    });
    expect(b.outcome).toBe(WriteOutcome.UPDATED);
    const list = await client.listMemories({ filter: { subjectType: "contact", subjectId: "s1" } });
    expect(list.memories).toHaveLength(1);
  });
});
