/**
 * The write guard on every write path, with the real model: low-information writes are
 * REJECTED and stored nowhere, a missing kind is classified, near duplicates merge (a changed
 * number does not), and close memories about the same subject come back as possible
 * conflicts, readable ones only.
 */
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { MERGE_SIMILARITY } from "../../../src/memory/write/guard/write-guard.js";
import { realModel } from "../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { rowsAbout } from "../../support/factories/memory.js";

let services: ServiceHarness;
let modelless: ServiceHarness;
beforeAll(async () => {
  [services, modelless] = await Promise.all([startServices({ embedder: realModel() }), startServices()]);
});
afterAll(() => Promise.all([services.close(), modelless.close()]));

const about = () => ({ subjectType: "contact", subjectId: randomUUID() });

describe("low-information writes", () => {
  const empty = ["   ", "?!... --", "the and of it", "🙂🙂", "\u00a0\t\n"];

  it.each(empty)("%j is REJECTED with a reason, on every write path, and nothing is stored", async (content) => {
    const client = services.memories();
    const at = about();
    const single = await client.writeMemory({ memory: { ...at, kind: "note", content } });
    expect(single).toMatchObject({ outcome: WriteOutcome.REJECTED, guardConfidence: 1 });
    expect(single.reason).toMatch(/^low information: /);
    expect(single.memory).toBeUndefined();

    const dryRun = await client.writeMemory({ memory: { ...at, kind: "note", content }, validateOnly: true });
    expect(dryRun.outcome).toBe(WriteOutcome.REJECTED);
    const keyed = await client.writeMemory({ memory: { ...at, kind: "note", key: "k", content } });
    expect(keyed.outcome).toBe(WriteOutcome.REJECTED);

    for (const atomic of [false, true]) {
      const batch = await client.batchWriteMemories({
        atomic,
        requests: [
          { memory: { ...at, kind: "note", content } },
          { memory: { ...at, kind: "note", content: `Sarah asked about pricing ${atomic}` } },
          { memory: { ...at, kind: "note", content: `Sarah asked about onboarding ${atomic}` } },
        ],
      });
      const outcomes = batch.results.map((r) => (r.result.case === "response" ? r.result.value.outcome : null));
      expect(outcomes).toEqual([WriteOutcome.REJECTED, WriteOutcome.CREATED, WriteOutcome.CREATED]);
    }
    expect(await rowsAbout(services.db, at.subjectId)).toBe(4);
  });

  it("an update to such a content is INVALID_ARGUMENT LOW_INFORMATION, and the memory is unchanged", async () => {
    const client = services.memories();
    const { memory } = await client.writeMemory({
      memory: { ...about(), kind: "note", content: "Renewal due in May." },
    });
    const err = await client
      .updateMemory({ id: memory?.id ?? "", memory: { content: "...and the" }, updateMask: { paths: ["content"] } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/low information/);
    expect((await client.getMemory({ id: memory?.id ?? "" })).memory?.content).toBe("Renewal due in May.");
  });

  it("a sentence made of stop words plus one real word is written", async () => {
    const res = await services
      .memories()
      .writeMemory({ memory: { ...about(), kind: "note", content: "it is the invoice" } });
    expect(res.outcome).toBe(WriteOutcome.CREATED);
  });
});

describe("kind classification", () => {
  it.each([
    ["User prefers email communication over phone calls.", "preference"],
    ["Always run the linter before pushing a branch.", "instruction"],
    ["Last Friday the team shipped the new billing page.", "event"],
  ])("%j, written without a kind, is stored as %s and says so", async (content, kind) => {
    const res = await services.memories().writeMemory({ memory: { ...about(), content } });
    expect(res.outcome).toBe(WriteOutcome.CREATED);
    expect(res.classifiedKind).toBe(kind);
    expect(res.memory?.kind).toBe(kind);
    expect(res.reason).toMatch(new RegExp(`classified as ${kind}`));
    expect(res.guardConfidence).toBeGreaterThan(0);
    expect(res.guardConfidence).toBeLessThanOrEqual(1);
  });

  it("a given kind is kept as it is and nothing is classified", async () => {
    const res = await services
      .memories()
      .writeMemory({ memory: { ...about(), kind: "pitch", content: "Prefers email." } });
    expect(res.memory?.kind).toBe("pitch");
    expect(res.classifiedKind).toBe("");
  });

  it("without an embedder the kind falls back to fact, with the confidence halved", async () => {
    const res = await modelless.memories().writeMemory({ memory: { ...about(), content: "Prefers email." } });
    expect(res).toMatchObject({ outcome: WriteOutcome.CREATED, classifiedKind: "fact", guardConfidence: 0.5 });
    expect(res.memory?.kind).toBe("fact");
  });

  it("a keyed write needs a kind: its natural key includes it", async () => {
    const at = about();
    const err = await services
      .memories()
      .writeMemory({ memory: { ...at, key: "channel", content: "Prefers email." } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/kind is required with a key/);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(0);
  });
});

describe("near duplicates", () => {
  it("a paraphrase of an active memory of the same agent, subject and kind is MERGED into it", async () => {
    const client = services.memories({ agentId: "scout" });
    const at = { ...about(), kind: "fact" };
    const first = await client.writeMemory({
      memory: { ...at, content: "John Smith is the CTO of Acme Corp.", tags: ["a"] },
    });
    const second = await client.writeMemory({
      memory: { ...at, content: "John Smith is Acme Corp's CTO.", tags: ["b"] },
    });
    expect(second.outcome).toBe(WriteOutcome.MERGED);
    expect(second.memory).toMatchObject({ id: first.memory?.id, content: "John Smith is the CTO of Acme Corp." });
    expect(second.memory?.tags.sort()).toEqual(["a", "b"]);
    expect(second.similarity).toBeGreaterThanOrEqual(MERGE_SIMILARITY);
    expect(second.reason).toMatch(
      new RegExp(`near duplicate of active memory ${first.memory?.id} \\(similarity 0\\.9`),
    );
    expect(second.guardConfidence).toBeGreaterThan(0.5);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(1);
  });

  it("merges in a batch too, and a dry run says it would", async () => {
    const client = services.memories();
    const at = { ...about(), kind: "preference" };
    const first = await client.writeMemory({ memory: { ...at, content: "She likes her coffee black." } });
    const preview = await client.writeMemory({
      memory: { ...at, content: "She likes black coffee." },
      validateOnly: true,
    });
    expect(preview.outcome).toBe(WriteOutcome.MERGED);
    expect(preview.reason).toMatch(/would merge into memory .* \(near duplicate/);
    const batch = await client.batchWriteMemories({
      requests: [
        { memory: { ...at, content: "She likes black coffee." } },
        { memory: { ...at, content: "She goes to the gym on Mondays." } },
      ],
    });
    const [merged, created] = batch.results.map((r) => (r.result.case === "response" ? r.result.value : undefined));
    expect(merged).toMatchObject({ outcome: WriteOutcome.MERGED, memory: { id: first.memory?.id } });
    expect(created?.outcome).toBe(WriteOutcome.CREATED);
    expect(await rowsAbout(services.db, at.subjectId)).toBe(2);
  });

  it("another kind, subject or agent is not a duplicate", async () => {
    const at = about();
    const content = "The office is located in Berlin.";
    const a = await services.memories({ agentId: "a" }).writeMemory({ memory: { ...at, kind: "fact", content } });
    const b = await services.memories({ agentId: "b" }).writeMemory({ memory: { ...at, kind: "fact", content } });
    const c = await services.memories({ agentId: "a" }).writeMemory({ memory: { ...at, kind: "note", content } });
    expect([a.outcome, b.outcome, c.outcome]).toEqual([
      WriteOutcome.CREATED,
      WriteOutcome.CREATED,
      WriteOutcome.CREATED,
    ]);
  });

  it("a changed number is a possible conflict, not a duplicate, however similar", async () => {
    const client = services.memories();
    const at = { ...about(), kind: "fact" };
    const first = await client.writeMemory({ memory: { ...at, content: "Tom is 34 years old." } });
    const second = await client.writeMemory({ memory: { ...at, content: "Tom is 35 years old." } });
    expect(second.outcome).toBe(WriteOutcome.CREATED);
    expect(second.possibleConflicts.map((c) => c.memory?.id)).toEqual([first.memory?.id]);
    expect(second.possibleConflicts[0]?.similarity).toBeGreaterThan(MERGE_SIMILARITY);
  });
});

describe("possible conflicts", () => {
  it("lists up to three close memories about the subject, most similar first, and changes none of them", async () => {
    const client = services.memories();
    const at = about();
    const earlier = [
      ["preference", "User prefers email communication."],
      ["preference", "User likes to be contacted by email in the morning."],
      ["instruction", "Send the user a summary email every Friday."],
      ["preference", "User prefers email for invoices and receipts."],
      ["fact", "The user's company is based in Lyon."],
    ];
    for (const [kind, content] of earlier) await client.writeMemory({ memory: { ...at, kind, content } });
    const res = await client.writeMemory({
      memory: { ...at, kind: "preference", content: "User prefers phone calls over email." },
    });
    expect(res.outcome).toBe(WriteOutcome.CREATED);
    expect(res.possibleConflicts.length).toBe(3);
    const similarities = res.possibleConflicts.map((c) => c.similarity);
    expect(similarities).toEqual([...similarities].sort((x, y) => y - x));
    expect(res.possibleConflicts[0]?.memory?.content).toBe("User prefers email communication.");
    expect(res.possibleConflicts.map((c) => c.memory?.content)).not.toContain("The user's company is based in Lyon.");
    for (const conflict of res.possibleConflicts) expect(conflict.memory?.revision).toBe(1n);
  });

  it("a keyed rewrite does not list the memory it replaces", async () => {
    const client = services.memories();
    const at = { ...about(), kind: "preference", key: "channel" };
    await client.writeMemory({ memory: { ...at, content: "Prefers email." } });
    const res = await client.writeMemory({ memory: { ...at, content: "Prefers email, not phone." } });
    expect(res.outcome).toBe(WriteOutcome.UPDATED);
    expect(res.possibleConflicts).toEqual([]);
  });

  it("never lists another agent's private memory; a shared one, yes", async () => {
    const at = { ...about(), kind: "preference" };
    await services.memories({ agentId: "other" }).writeMemory({
      memory: { ...at, content: "User prefers email communication." },
    });
    const shared = await services.memories({ agentId: "other" }).writeMemory({
      memory: { ...at, content: "User prefers email communication, in English.", visibility: Visibility.SHARED },
    });
    const res = await services.memories({ agentId: "me" }).writeMemory({
      memory: { ...at, content: "User prefers phone calls over email." },
    });
    expect(res.possibleConflicts.map((c) => c.memory?.id)).toEqual([shared.memory?.id]);
  });
});
