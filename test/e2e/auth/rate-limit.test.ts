import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { clientWithKey } from "../../support/factories/key.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ rateLimit: 2 });
});
afterAll(async () => {
  await server?.close();
});

describe("per-key rate limit", () => {
  it("answers RESOURCE_EXHAUSTED with RetryInfo once a key spends its budget, without touching other keys", async () => {
    const busyKey = await server.createKey();
    const client = memoryClient(server.baseUrl, busyKey);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.listMemories({})));
    const rejected = results.filter((r) => r.status === "rejected").map((r) => ConnectError.from(r.reason));
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const err of rejected) {
      expect(err.code).toBe(Code.ResourceExhausted);
      expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RATE_LIMITED");
      expect(err.findDetails(RetryInfoSchema)).toHaveLength(1);
    }

    const otherClient = await clientWithKey(server);
    await expect(otherClient.listMemories({})).resolves.toBeDefined();
  });
});
