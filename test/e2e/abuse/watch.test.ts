/**
 * The abuse suite's WatchMemories classes: malformed and stale cursors and hostile filters over
 * every protocol (each refused before a stream opens, with a reason, changing nothing), more
 * streams than a key may hold, and readers that never read while writers fill the log: the
 * server stays responsive and frees each stream once its client is gone.
 */
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import { startTestServer, type TestServer } from "../../support/server.js";
import { watchMemories } from "../../support/watch.js";
import { ChangeCounter } from "./change-counter.js";
import { Harness, type Probe } from "./harness.js";
import { PROTOCOLS, sendCall, type Target } from "./protocols.js";
import { call, METHODS } from "./scenarios.js";
import { closeSessions } from "./wire.js";

const STREAMS_PER_KEY = 3;
const CLASS_TIMEOUT = 120_000;

let server: TestServer;
let harness: Harness;
const keys = { admin: "", agentA: "", reader: "" };
const as = (key: string): Target => ({ port: server.port, key });

beforeAll(async () => {
  server = await startTestServer({ watchStreamsPerKey: STREAMS_PER_KEY });
  keys.admin = server.adminKey;
  keys.agentA = await server.createKey({ agentId: "agent-a" });
  keys.reader = await server.createKey({ scopes: ["memory:read"] });
  harness = new Harness(server.port, await ChangeCounter.install(server.engram.db.em));
});
afterAll(async () => {
  if (harness !== undefined) console.log([harness.summary(), ...harness.classLines()].join("\n"));
  closeSessions();
  await server?.close();
});

/** A WatchMemories request refused before its stream opens, over every protocol. */
function refused(
  label: string,
  json: Record<string, unknown>,
  codes: string[],
  { key = keys.admin, protocols = PROTOCOLS, errorInfo = true } = {},
): Probe[] {
  return protocols.map((protocol) => ({
    label: `WatchMemories ${label}`,
    protocol,
    send: () => sendCall(as(key), protocol, call(METHODS.watchMemories, json as never)),
    codes,
    errorInfo,
  }));
}

it(
  "malformed, stale and future cursors",
  async () => {
    const invalid = ["abc", "-1", "1e5", " 1", "1 ", "0x10", "１２", "9".repeat(19), "1\u0000", "1.0"];
    const probes = [
      ...invalid.flatMap((cursor) =>
        refused(`after_cursor ${JSON.stringify(cursor)}`, { afterCursor: cursor }, ["invalid_argument"]),
      ),
      // Refused by the decoder, whose message names the field but carries no ErrorInfo.
      ...refused("after_cursor \\ud800", { afterCursor: "\ud800" }, ["invalid_argument"], { errorInfo: false }),
      ...refused("after_cursor of 33 digits", { afterCursor: "1".repeat(33) }, ["invalid_argument"]),
      ...refused("after_cursor ahead of the log", { afterCursor: "999999999" }, ["failed_precondition"]),
    ];
    const failures = await harness.run("watch-cursors", probes);
    expect(failures).toEqual([]);
  },
  CLASS_TIMEOUT,
);

it(
  "hostile filters",
  async () => {
    const probes = [
      ...refused("kinds of 129 characters", { filter: { kinds: ["k".repeat(129)] } }, ["invalid_argument"]),
      ...refused("65 tags", { filter: { tags: Array.from({ length: 65 }, (_, i) => `t${i}`) } }, ["invalid_argument"]),
      ...refused("visibility 99", { filter: { visibility: 99 } }, ["invalid_argument"]),
      ...refused("subject_type with NUL", { filter: { subjectType: "a\u0000b" } }, ["invalid_argument"]),
      // A query string cannot carry a lone surrogate (it arrives as U+FFFD, a fine character): not over REST.
      ...refused("subject_id with a lone surrogate", { filter: { subjectId: "a\ud800b" } }, ["invalid_argument"], {
        protocols: PROTOCOLS.filter((p) => p !== "rest"),
        errorInfo: false,
      }),
      ...refused("agent_id of another agent, bound key", { filter: { agentId: "agent-b" } }, ["permission_denied"], {
        key: keys.agentA,
      }),
    ];
    const failures = await harness.run("watch-filters", probes);
    expect(failures).toEqual([]);
  },
  CLASS_TIMEOUT,
);

it(
  "more streams than a key may hold",
  async () => {
    const held = Array.from({ length: STREAMS_PER_KEY }, () =>
      watchMemories(memoryClient(server.baseUrl, keys.reader)),
    );
    await Promise.all(held.map((s) => s.opened()));
    const failures = await harness.run(
      "watch-streams",
      refused("stream past the key's limit", {}, ["resource_exhausted"], { key: keys.reader }),
    );
    expect(failures).toEqual([]);
    await Promise.all(held.map((s) => s.close()));
    // Closed streams free their places at once.
    const again = watchMemories(memoryClient(server.baseUrl, keys.reader));
    await again.opened();
    expect(again.error).toBeNull();
    await again.close();
  },
  CLASS_TIMEOUT,
);

it(
  "readers that never read while the log fills, then vanish",
  async () => {
    // Raw HTTP/1.1 streams whose sockets are never read: the server must block on them, not buffer.
    const sockets = Array.from({ length: STREAMS_PER_KEY }, () => {
      const socket = net.connect(server.port, "127.0.0.1");
      socket.write(`GET /v1/memory:watch HTTP/1.1\r\nhost: engram\r\nauthorization: Bearer ${keys.reader}\r\n\r\n`);
      socket.pause();
      return socket;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const writer = memoryClient(server.baseUrl, keys.admin);
    const bulky = "a bulky memory to fill the socket buffers ".repeat(1_000);
    for (let batch = 0; batch < 4; batch++) {
      const res = await writer.batchWriteMemories({
        requests: Array.from({ length: 50 }, (_, i) => ({
          memory: { subjectType: "flood", subjectId: `${batch}-${i}`, kind: "note", content: `${batch} ${i} ${bulky}` },
        })),
      });
      expect(res.results).toHaveLength(50);
    }
    // Still answering others while three streams are stuck.
    const listed = await writer.listMemories({ filter: { subjectType: "flood" }, pageSize: 1 });
    expect(listed.memories).toHaveLength(1);
    for (const socket of sockets) socket.destroy();
    // Each stuck stream ends with its socket, so the key may open streams again.
    let reopened = false;
    for (let attempt = 0; attempt < 50 && !reopened; attempt++) {
      const stream = watchMemories(memoryClient(server.baseUrl, keys.reader));
      await stream.until((s) => s.events.length > 0 || s.error !== null, 5_000);
      reopened = stream.error === null;
      await stream.close();
      if (!reopened) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reopened).toBe(true);
  },
  CLASS_TIMEOUT,
);

it("never a 5xx, a crash or a change for a rejected WatchMemories input", () => {
  harness.expectHarmless(80);
});
