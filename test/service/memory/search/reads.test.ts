/**
 * A search ranks in one transaction and reads its results' records after it: a memory deleted or
 * superseded in between (by a concurrent request) is left out rather than shown stale, unless
 * the search's filter asks for such memories (src/memory/search/search.ts, stillMatches).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryRepositories } from "../../../../src/memory/repositories.js";
import { WordHashEmbedder } from "../../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";
import { writeNote } from "../../../support/factories/memory.js";
import { searchAll } from "../../../support/factories/search.js";

describe("memories changed while a search reads its results", () => {
  let services: ServiceHarness;
  const agent = { agentId: "agent-1" };
  /** Runs once, when the next search reads its results: the concurrent request. */
  let beforeRead: (() => Promise<unknown>) | undefined;

  beforeAll(async () => {
    services = await startServices({
      embedder: new WordHashEmbedder(),
      memory: {
        repositories: {
          memories: (em) => {
            const repository = memoryRepositories.memories(em);
            const findMany = repository.findMany.bind(repository);
            repository.findMany = async (viewer, ids) => {
              const change = beforeRead;
              beforeRead = undefined;
              await change?.();
              return findMany(viewer, ids);
            };
            return repository;
          },
        },
      },
    });
  });
  afterAll(() => services.close());

  const write = (subjectId: string, content: string) =>
    writeNote(services.memories(agent), subjectId, content, { subjectType: "person" });

  async function found(subjectId: string, filter: { showDeleted?: boolean } = {}): Promise<string[]> {
    const hits = await searchAll(services.memories(agent), {
      query: "tea",
      topK: 10,
      filter: { subjectId, ...filter },
    });
    return hits.map((r) => r.memory!.id);
  }

  it("leaves out a memory deleted after the search ranked it", async () => {
    const kept = await write("dana", "Dana drinks black tea at night.");
    const deleted = await write("dana", "Dana drinks green tea every morning.");
    beforeRead = () => services.memories(agent).deleteMemory({ id: deleted });
    expect(await found("dana")).toEqual([kept]);
  });

  it("leaves out a memory superseded after the search ranked it", async () => {
    const superseded = await write("eli", "Eli drinks green tea every morning.");
    beforeRead = () =>
      services.memories(agent).writeMemory({
        memory: { subjectType: "person", subjectId: "eli", kind: "note", content: "Eli gave up tea for coffee." },
        supersedes: [superseded],
      });
    expect(await found("eli")).not.toContain(superseded);
  });

  it("still shows it when the filter asks for deleted memories", async () => {
    const deleted = await write("fay", "Fay drinks green tea every morning.");
    beforeRead = () => services.memories(agent).deleteMemory({ id: deleted });
    expect(await found("fay", { showDeleted: true })).toEqual([deleted]);
  });
});
