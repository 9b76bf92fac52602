/**
 * Who may read a staged write, and which memories its preview and results may show: only
 * those the reader may read when reading it, never those its stager or applier could see.
 * Also: validate_only is refused inside one, and stage-and-apply is one all-or-nothing call.
 */
import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome, type BatchWriteResult } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteState, type StagedWrite } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { BadRequestSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { WordHashEmbedder } from "../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { refusal } from "../../support/codes.js";
import { ADMIN } from "../../support/factories/key.js";
import { aNoteWrite } from "../../support/factories/memory.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const PRIVATE_A = "PRIVATE-A Dana home address is 12 Elm Street Springfield, door code 4471";
const STAGED = "Dana lives at 12 Elm Street in Springfield, door code 4471";

/** A fresh pair of agents and agent-a's private memory about a fresh contact. */
async function privateMemoryOfA() {
  const agentA = `agent-a-${randomUUID()}`;
  const agentB = `agent-b-${randomUUID()}`;
  const subjectId = `dana-${randomUUID()}`;
  const { memory } = await services
    .memories({ agentId: agentA })
    .writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content: PRIVATE_A } });
  return { agentA, agentB, subjectId, privateId: memory?.id ?? "" };
}

/** Every memory id the staged write's answers show, conflicts included. */
function shownIds(stagedWrite: StagedWrite | undefined): string[] {
  const answers: BatchWriteResult[] = [...(stagedWrite?.preview ?? []), ...(stagedWrite?.results ?? [])];
  return answers.flatMap((a) =>
    a.result.case === "response"
      ? [a.result.value.memory?.id ?? "", ...a.result.value.possibleConflicts.map((c) => c.memory?.id ?? "")]
      : [],
  );
}

async function stagedRows(subjectId: string): Promise<number> {
  const rows = await services.db.em
    .fork()
    .getConnection()
    .execute<{ n: string | number }[]>("select count(*) as n from staged_writes where encode(body, 'escape') like ?", [
      `%${subjectId}%`,
    ]);
  return Number(rows[0]?.n);
}

describe("the memories a staged write shows pass the read rule of whoever reads it", () => {
  it("an admin's staged write shows agent-a's private memory to the admin only (the reported leak)", async () => {
    const { agentA, agentB, subjectId, privateId } = await privateMemoryOfA();
    const { stagedWrite } = await services.stagedWrites(ADMIN).createStagedWrite({
      requests: [aNoteWrite(subjectId, STAGED)],
    });
    // The admin may read everything: the conflict is there, so the test below is not vacuous.
    expect(shownIds(stagedWrite)).toContain(privateId);

    const asB = services.stagedWrites({ agentId: agentB });
    const listed = (await asB.listStagedWrites({})).stagedWrites.find((s) => s.id === stagedWrite?.id);
    expect(listed).toBeDefined();
    expect(shownIds(listed)).not.toContain(privateId);
    expect(JSON.stringify(listed, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      "PRIVATE-A",
    );
    const got = (await asB.getStagedWrite({ id: stagedWrite?.id ?? "" })).stagedWrite;
    expect(shownIds(got)).not.toContain(privateId);
    expect((await refusal(services.memories({ agentId: agentB }).getMemory({ id: privateId }))).code).toBe(
      Code.NotFound,
    );

    // Agent-a reading the same staged write sees its own memory.
    const asA = (await services.stagedWrites({ agentId: agentA }).getStagedWrite({ id: stagedWrite?.id ?? "" }))
      .stagedWrite;
    expect(shownIds(asA)).toContain(privateId);
  });

  it("results stored by an admin applying agent-b's staged write hide agent-a's memory from agent-b", async () => {
    const { agentB, subjectId, privateId } = await privateMemoryOfA();
    const asB = services.stagedWrites({ agentId: agentB });
    const { stagedWrite } = await asB.createStagedWrite({ requests: [aNoteWrite(subjectId, STAGED)] });
    expect(shownIds(stagedWrite)).not.toContain(privateId);

    const applied = await services.stagedWrites(ADMIN).applyStagedWrite({ id: stagedWrite?.id ?? "" });
    expect(applied.stagedWrite?.state).toBe(StagedWriteState.APPLIED);
    expect(shownIds(applied.stagedWrite)).toContain(privateId);

    const read = (await asB.getStagedWrite({ id: stagedWrite?.id ?? "" })).stagedWrite;
    expect(read?.results).toHaveLength(1);
    expect(shownIds(read)).not.toContain(privateId);
  });

  it("a merge into a memory the reader may not read shows neither the memory nor its id", async () => {
    const { agentA, agentB, subjectId, privateId } = await privateMemoryOfA();
    const stager = services.stagedWrites({});
    const { stagedWrite } = await stager.createStagedWrite({
      requests: [
        aNoteWrite(subjectId, PRIVATE_A, { agentId: agentA }),
        aNoteWrite(subjectId, "another note", { agentId: agentB }),
      ],
    });
    const read = (await stager.getStagedWrite({ id: stagedWrite?.id ?? "" })).stagedWrite;
    const first = read?.preview[0]?.result;
    expect(first?.case).toBe("response");
    if (first?.case !== "response") return;
    expect(first.value.outcome).toBe(WriteOutcome.MERGED);
    expect(first.value.memory).toBeUndefined();
    expect(first.value.reason).not.toContain(privateId);
    // An admin sees what the merge would do.
    const asAdmin = (await services.stagedWrites(ADMIN).getStagedWrite({ id: stagedWrite?.id ?? "" })).stagedWrite;
    expect(shownIds(asAdmin)).toContain(privateId);
  });
});

describe("who may read a staged write", () => {
  it("one acting as several agents is its stager's and admins' only", async () => {
    const { agentA, agentB, subjectId } = await privateMemoryOfA();
    const stager = services.stagedWrites({});
    const { stagedWrite } = await stager.createStagedWrite({
      requests: [
        aNoteWrite(subjectId, "first", { agentId: agentA }),
        aNoteWrite(subjectId, "second", { agentId: agentB }),
      ],
    });
    const id = stagedWrite?.id ?? "";
    expect(stagedWrite?.agentId).toBe("");
    for (const agentId of [agentA, agentB]) {
      const bound = services.stagedWrites({ agentId });
      expect((await refusal(bound.getStagedWrite({ id }))).code).toBe(Code.NotFound);
      expect((await bound.listStagedWrites({})).stagedWrites.map((s) => s.id)).not.toContain(id);
    }
    // Another unbound key of the workspace, acting as either agent or none, does not see it either.
    const other = services.stagedWrites({});
    expect((await refusal(other.getStagedWrite({ id, agentId: agentA }))).code).toBe(Code.NotFound);
    expect((await refusal(other.getStagedWrite({ id }))).code).toBe(Code.NotFound);
    expect((await stager.getStagedWrite({ id })).stagedWrite?.id).toBe(id);
    expect((await services.stagedWrites(ADMIN).getStagedWrite({ id })).stagedWrite?.id).toBe(id);
  });

  it("one acting as one agent is that agent's, and one acting as none the workspace's", async () => {
    const { agentA, agentB, subjectId } = await privateMemoryOfA();
    const ownedByA = (
      await services.stagedWrites({ agentId: agentA }).createStagedWrite({ requests: [aNoteWrite(subjectId, "mine")] })
    ).stagedWrite;
    expect(ownedByA?.agentId).toBe(agentA);
    expect(
      (await refusal(services.stagedWrites({ agentId: agentB }).getStagedWrite({ id: ownedByA?.id ?? "" }))).code,
    ).toBe(Code.NotFound);
    expect(
      (await services.stagedWrites({}).getStagedWrite({ id: ownedByA?.id ?? "", agentId: agentA })).stagedWrite,
    ).toBeDefined();

    const ownerless = (
      await services.stagedWrites(ADMIN).createStagedWrite({ requests: [aNoteWrite(subjectId, "ours")] })
    ).stagedWrite;
    expect(
      (await services.stagedWrites({ agentId: agentB }).getStagedWrite({ id: ownerless?.id ?? "" })).stagedWrite,
    ).toBeDefined();
  });
});

describe("staging's own rules", () => {
  it("validate_only inside a staged write is refused, naming the field, and nothing is staged", async () => {
    const subjectId = `s-${randomUUID()}`;
    const err = await refusal(
      services.stagedWrites().createStagedWrite({
        requests: [aNoteWrite(subjectId, "fine"), { ...aNoteWrite(subjectId, "dry"), validateOnly: true }],
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("requests[1].validate_only");
    expect(await stagedRows(subjectId)).toBe(0);
  });

  it("stage-and-apply writes and records an applied staged write in one call", async () => {
    const subjectId = `s-${randomUUID()}`;
    const { stagedWrite } = await services.stagedWrites(ADMIN).createStagedWrite({
      requests: [aNoteWrite(subjectId, "applied at once", { agentId: "planner" })],
      atomic: true,
      apply: true,
    });
    expect(stagedWrite).toMatchObject({ state: StagedWriteState.APPLIED, preview: [] });
    const result = stagedWrite?.results[0]?.result;
    expect(result?.case === "response" && result.value.outcome).toBe(WriteOutcome.CREATED);
    const id = result?.case === "response" ? (result.value.memory?.id ?? "") : "";
    expect((await services.memories(ADMIN).getMemory({ id })).memory?.content).toBe("applied at once");
  });

  it("a stage-and-apply whose writes fail stores neither memories nor a staged write", async () => {
    const subjectId = `s-${randomUUID()}`;
    // The second write fails inside the transaction, after the first was written in it.
    const keyedWithoutKind = { memory: { subjectType: "contact", subjectId, kind: "", key: "k", content: "no kind" } };
    const err = await refusal(
      services.stagedWrites(ADMIN).createStagedWrite({
        requests: [aNoteWrite(subjectId, "fine"), keyedWithoutKind],
        atomic: true,
        apply: true,
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(await stagedRows(subjectId)).toBe(0);
    const listed = await services.memories(ADMIN).listMemories({ filter: { subjectId } });
    expect(listed.memories).toHaveLength(0);
  });

  it("a shared memory stays visible to every reader of a staged write", async () => {
    const subjectId = `s-${randomUUID()}`;
    const { memory } = await services.memories({ agentId: "owner" }).writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "note", content: PRIVATE_A, visibility: Visibility.SHARED },
    });
    const { stagedWrite } = await services
      .stagedWrites(ADMIN)
      .createStagedWrite({ requests: [aNoteWrite(subjectId, STAGED)] });
    const read = (await services.stagedWrites({ agentId: "reader" }).getStagedWrite({ id: stagedWrite?.id ?? "" }))
      .stagedWrite;
    expect(shownIds(read)).toContain(memory?.id);
  });

  it("a memory shared since it was staged shows only as it is now readable, not as it was while private", async () => {
    const { agentA, agentB, subjectId, privateId } = await privateMemoryOfA();
    const { stagedWrite } = await services
      .stagedWrites(ADMIN)
      .createStagedWrite({ requests: [aNoteWrite(subjectId, STAGED)] });
    expect(shownIds(stagedWrite)).toContain(privateId);
    await services.memories({ agentId: agentA }).updateMemory({
      id: privateId,
      memory: { content: "Dana moved away", visibility: Visibility.SHARED },
      updateMask: { paths: ["content", "visibility"] },
    });
    const read = (await services.stagedWrites({ agentId: agentB }).getStagedWrite({ id: stagedWrite?.id ?? "" }))
      .stagedWrite;
    expect(shownIds(read)).not.toContain(privateId);
    expect(JSON.stringify(read, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain("PRIVATE-A");
  });
});

describe("a retried request_id answers as the retrier may see", () => {
  it("an admin's first answer shows agent-b's key none of agent-a's private memories", async () => {
    const { agentB, subjectId, privateId } = await privateMemoryOfA();
    const request = { ...aNoteWrite(subjectId, STAGED, { agentId: agentB }), requestId: `sync-${randomUUID()}` };
    const first = await services.memories(ADMIN).writeMemory(request);
    // The admin's answer names the conflict, so the retry below is not vacuous.
    expect(first.possibleConflicts.map((c) => c.memory?.id)).toContain(privateId);
    const retried = await services.memories({ agentId: agentB }).writeMemory(request);
    expect(retried.memory?.id).toBe(first.memory?.id);
    expect(retried.possibleConflicts.map((c) => c.memory?.id)).not.toContain(privateId);
    expect(JSON.stringify(retried, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      "PRIVATE-A",
    );
  });
});
