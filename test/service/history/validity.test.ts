/**
 * Validity windows: when a fact holds in the world, as written, defaulted and filtered on;
 * windows that end before they start, or lie outside years 1 to 9999, are refused naming the
 * field, and change nothing.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { violatedFields } from "../../support/codes.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { aFact } from "../../support/factories/memory.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const at = (iso: string) => timestampFromDate(new Date(iso));

async function refusal(call: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await call;
  } catch (err) {
    const error = ConnectError.from(err);
    return { code: Code[error.code], fields: violatedFields(error) };
  }
  throw new Error("the call succeeded");
}

describe("validity windows", () => {
  it("stores a window, defaults valid_from to the create time, and filters by valid_at", async () => {
    const memories = services.memories({ agentId: `agent-${randomUUID()}` });
    const subjectId = randomUUID();
    const past = (
      await memories.writeMemory({
        memory: aFact(subjectId, "Ana worked at Globex", {
          validFrom: at("2020-01-01T00:00:00Z"),
          validUntil: at("2024-06-01T00:00:00Z"),
        }),
      })
    ).memory!;
    expect(past.validFrom).toEqual(at("2020-01-01T00:00:00Z"));
    expect(past.validUntil).toEqual(at("2024-06-01T00:00:00Z"));
    const current = (
      await memories.writeMemory({
        memory: aFact(subjectId, "Ana runs procurement at Initech", { validFrom: at("2024-06-01T00:00:00Z") }),
      })
    ).memory!;
    const undated = (await memories.writeMemory({ memory: aFact(subjectId, "Ana likes sailing") })).memory!;
    expect(undated.validFrom).toEqual(undated.createTime);
    expect(undated.validUntil).toBeUndefined();

    const validAt = async (iso: string) =>
      (await memories.listMemories({ filter: { subjectId, validAt: at(iso) } })).memories.map((m) => m.id).sort();
    expect(await validAt("2022-01-01T00:00:00Z")).toEqual([past.id]);
    // valid_until is exclusive, valid_from inclusive.
    expect(await validAt("2024-06-01T00:00:00Z")).toEqual([current.id]);
    expect(await validAt("2099-01-01T00:00:00Z")).toEqual([current.id, undated.id].sort());
    const hits: string[] = [];
    for await (const hit of memories.searchMemories({
      query: "Ana Globex Initech",
      filter: { subjectId, validAt: at("2022-01-01T00:00:00Z") },
    })) {
      hits.push(hit.memory!.id);
    }
    expect(hits).toEqual([past.id]);

    const moved = await memories.updateMemory({
      id: undated.id,
      memory: { validFrom: at("2015-01-01T00:00:00Z"), validUntil: at("2016-01-01T00:00:00Z") },
      updateMask: { paths: ["valid_from", "valid_until"] },
    });
    expect(moved.memory?.validUntil).toEqual(at("2016-01-01T00:00:00Z"));
    expect(await validAt("2015-06-01T00:00:00Z")).toEqual([undated.id]);
  });

  it("refuses windows that end before they start or lie outside years 1 to 9999, changing nothing", async () => {
    const memories = services.memories({ agentId: `agent-${randomUUID()}` });
    const subjectId = randomUUID();
    const kept = (await memories.writeMemory({ memory: aFact(subjectId, "Tom is a customer") })).memory!;
    const cases: [() => Promise<unknown>, string][] = [
      [
        () =>
          memories.writeMemory({
            memory: aFact(subjectId, "a", {
              validFrom: at("2024-01-01T00:00:00Z"),
              validUntil: at("2023-01-01T00:00:00Z"),
            }),
          }),
        "memory.valid_until",
      ],
      // Without valid_from the window starts now, so an end in the past comes before it.
      [
        () => memories.writeMemory({ memory: aFact(subjectId, "b", { validUntil: at("2001-01-01T00:00:00Z") }) }),
        "memory.valid_until",
      ],
      [
        () =>
          memories.writeMemory({
            memory: aFact(subjectId, "c", { validFrom: { seconds: 253_402_300_800n, nanos: 0 } }),
          }),
        "memory.valid_from",
      ],
      [
        () =>
          memories.writeMemory({
            memory: aFact(subjectId, "d", { validUntil: { seconds: -62_135_596_801n, nanos: 0 } }),
          }),
        "memory.valid_until",
      ],
      [
        () =>
          memories.batchWriteMemories({
            requests: [
              {
                memory: aFact(subjectId, "e", {
                  validFrom: at("2030-01-01T00:00:00Z"),
                  validUntil: at("2029-01-01T00:00:00Z"),
                }),
              },
            ],
            atomic: true,
          }),
        "requests[0].memory.valid_until",
      ],
      [
        () =>
          memories.updateMemory({
            id: kept.id,
            memory: { validUntil: at("2001-01-01T00:00:00Z") },
            updateMask: { paths: ["valid_until"] },
          }),
        "memory.valid_until",
      ],
      [
        () => memories.listMemories({ filter: { validAt: { seconds: 253_402_300_800n, nanos: 0 } } }),
        "filter.valid_at",
      ],
      [() => memories.getMemory({ id: kept.id, asOf: { seconds: -62_135_596_801n, nanos: 0 } }), "as_of"],
    ];
    for (const [call, field] of cases) {
      const { code, fields } = await refusal(call());
      expect([code, fields]).toEqual(["InvalidArgument", [field]]);
    }
    const after = await memories.listMemories({ filter: { subjectId, showDeleted: true, includeSuperseded: true } });
    expect(after.memories.map((m) => [m.id, m.revision])).toEqual([[kept.id, 1n]]);
  });
});
