/**
 * Issue 47, defect 5: a batch whose two items supersede the same memory failed whole with
 * ABORTED "superseded or deleted by another write meanwhile", though no other write happened.
 * The second item is refused as already superseded by the first, before anything is applied:
 * alone in a non-atomic batch, the whole batch (with that item and cause named) in an atomic one.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchWriteResult } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { WriteOutcome } from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { aNoteWrite } from "../../../support/factories/memory.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

/** An agent-bound key: it may change the memories it wrote. */
const agent = () => services.memories({ agentId: "ana-bot" });

async function written(subjectId: string, content: string): Promise<string> {
  const { memory } = await agent().writeMemory(aNoteWrite(subjectId, content));
  return memory!.id;
}

function outcome(r: BatchWriteResult): string {
  if (r.result.case === "response") return WriteOutcome[r.result.value.outcome];
  return `${Code[r.result.value!.code]}: ${r.result.value!.message}`;
}

describe("two items of one batch that supersede the same memory", () => {
  it("non-atomic: the first supersedes it, the second fails alone, naming its field and the first item", async () => {
    const subjectId = `s-${randomUUID()}`;
    const old = await written(subjectId, "Ana works at Globex");
    const client = agent();
    const { results } = await client.batchWriteMemories({
      requests: [
        aNoteWrite(subjectId, "Ana works at Initech", {}, { supersedes: [old] }),
        aNoteWrite(subjectId, "Ana works at Umbrella", {}, { supersedes: [old] }),
      ],
      atomic: false,
    });
    expect(results.map(outcome)).toEqual([
      "CREATED",
      `FailedPrecondition: requests[1].supersedes[0]: memory ${old} is already superseded by requests[0] of this batch`,
    ]);
    const successor = results[0]!.result.case === "response" ? results[0]!.result.value.memory!.id : "";
    expect((await client.getMemory({ id: old })).memory?.supersededBy).toBe(successor);
    const { memories } = await client.listMemories({ filter: { subjectId } });
    expect(memories.map((m) => m.content)).toEqual(["Ana works at Initech"]);
  });

  it("atomic: the batch fails with nothing written, naming the item and the cause (not ABORTED)", async () => {
    const subjectId = `s-${randomUUID()}`;
    const old = await written(subjectId, "Ana works at Globex");
    const client = agent();
    const err = await client
      .batchWriteMemories({
        requests: [
          aNoteWrite(subjectId, "Ana works at Initech", {}, { supersedes: [old] }),
          aNoteWrite(subjectId, "Ana works at Umbrella", {}, { supersedes: [old] }),
        ],
        atomic: true,
      })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((err as ConnectError).rawMessage).toBe(
      `requests[1].supersedes[0]: memory ${old} is already superseded by requests[0] of this batch`,
    );
    expect((await client.getMemory({ id: old })).memory?.supersededBy).toBe("");
    expect((await client.listMemories({ filter: { subjectId } })).memories).toHaveLength(1);
  });

  it("an item refused on its own does not hold the memory: a later item may supersede it", async () => {
    const subjectId = `s-${randomUUID()}`;
    const old = await written(subjectId, "Ana works at Globex");
    const missing = "0190a0a0-0000-7000-8000-000000000000";
    const { results } = await agent().batchWriteMemories({
      requests: [
        aNoteWrite(subjectId, "Ana works at Initech", {}, { supersedes: [old, missing] }),
        aNoteWrite(subjectId, "Ana works at Umbrella", {}, { supersedes: [old] }),
      ],
    });
    expect(results.map(outcome)).toEqual([expect.stringMatching(/^NotFound: /), "CREATED"]);
  });

  it("a later item may supersede the memory an earlier item of the batch updated", async () => {
    const subjectId = `s-${randomUUID()}`;
    const client = agent();
    const keyed = await client.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", content: "v1", key: "role" },
    });
    const id = keyed.memory!.id;
    const { results } = await client.batchWriteMemories({
      requests: [
        { memory: { subjectType: "contact", subjectId, kind: "note", content: "v2", key: "role" } },
        aNoteWrite(subjectId, "Ana works at Initech", {}, { supersedes: [id] }),
      ],
    });
    expect(results.map(outcome)).toEqual(["UPDATED", "CREATED"]);
    const { memory } = await client.getMemory({ id });
    expect(memory?.content).toBe("v2");
    expect(memory?.supersededBy).toBe(
      results[1]!.result.case === "response" ? results[1]!.result.value.memory!.id : "",
    );
  });
});
