/**
 * The statements of the search's retrievers (src/memory/search/retrieval.repository.ts), as
 * sent to a real database, against their committed .sql files (test/support/sql-snapshots.ts).
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Viewer } from "../../../src/auth/principal.js";
import { ACTIVE_MEMORIES, type FilterQuery } from "../../../src/memory/filters.js";
import { MemoryRepository } from "../../../src/memory/memory.repository.js";
import { queryNameKeys } from "../../../src/memory/search/query-name-keys.js";
import { RetrievalRepository } from "../../../src/memory/search/retrieval.repository.js";
import { wordHashVector } from "../../support/embedders.js";
import { aDraft } from "../../support/records.js";
import {
  expectEveryMethodSnapshotted,
  expectSqlSnapshot,
  openRecordedDatabase,
  type RecordedDatabase,
} from "../../support/sql-snapshots.js";

const FILE = "src/memory/search/retrieval.repository.ts";
const MODEL = "test:word-hash";
const NOW = new Date("2026-01-01T00:00:00.000Z");
const viewer: Viewer = { workspaceId: "ws-sql", agentId: "agent-1", admin: false };
const everything: FilterQuery = ACTIVE_MEMORIES;
const filtered: FilterQuery = { ...everything, subjectType: "account", kinds: ["note"], tags: ["renewal"] };
const CONTENTS = ["pricing renewal for acme", "renewal call notes", "churn risk at globex", "demo booked"];

let recorded: RecordedDatabase;
const queryOf = (text: string) => ({ vector: wordHashVector(text), model: MODEL });
const retrieval = () => new RetrievalRepository(recorded.db.em.fork());

beforeAll(async () => {
  recorded = await openRecordedDatabase();
  await new MemoryRepository(recorded.db.em.fork()).insertDrafts({
    workspaceId: viewer.workspaceId,
    items: CONTENTS.map((content, i) => ({
      id: `00000000-0000-4000-8000-00000000000${i}`,
      draft: aDraft({ agentId: viewer.agentId, subjectType: "account", content, tags: ["renewal"] }),
      embedded: { vector: wordHashVector(content), model: MODEL },
      change: { kind: "created", keyId: null, agentId: viewer.agentId, reason: null },
    })),
    now: NOW,
  });
});
afterAll(() => recorded.close());

describe(FILE, () => {
  it("covers every method", () =>
    expectEveryMethodSnapshotted(
      RetrievalRepository,
      ["nearest", "hybridCandidates", "keywordMatches"],
      ["inFullOrExactly", "keywordSearch", "mostSharedCommonWords", "graphReach"],
    ));

  it("nearest", () =>
    expectSqlSnapshot(recorded, FILE, "nearest", {
      "a page the index fills": () =>
        retrieval().nearest({ viewer, filter: everything, target: queryOf("renewal"), limit: 2, now: NOW }),
      "a filtered page the index cannot fill: ranked again exactly": () =>
        retrieval().nearest({ viewer, filter: filtered, target: queryOf("renewal"), limit: 10, now: NOW }),
    }));

  it("hybridCandidates", () =>
    expectSqlSnapshot(recorded, FILE, "hybridCandidates", {
      "rare words, a page the index fills": () =>
        retrieval().hybridCandidates({
          viewer,
          filter: everything,
          text: "acme renewal",
          target: queryOf("acme renewal"),
          limit: 2,
          now: NOW,
        }),
      "a word known to be common (read by tiers), a filtered page ranked again exactly": () =>
        retrieval().hybridCandidates({
          viewer,
          filter: filtered,
          text: "renewal pricing",
          target: queryOf("renewal pricing"),
          limit: 10,
          now: NOW,
          knownCommon: ["renew"],
        }),
      "no word the memories hold": () =>
        retrieval().hybridCandidates({
          viewer,
          filter: everything,
          text: "the zebra",
          target: queryOf("the zebra"),
          limit: 2,
          now: NOW,
        }),
      "graph expansion: the entities the query names, their neighbours, and their memories": () =>
        retrieval().hybridCandidates({
          viewer,
          filter: everything,
          text: "churn risk for c-1?",
          target: queryOf("churn risk for c-1?"),
          limit: 2,
          now: NOW,
          nameKeys: queryNameKeys("churn risk for c-1?"),
        }),
    }));

  it("keywordMatches", () =>
    expectSqlSnapshot(recorded, FILE, "keywordMatches", {
      "rare words": () =>
        retrieval().keywordMatches({ viewer, filter: everything, text: "acme renewal", limit: 10, now: NOW }),
      "a word known to be common (read by tiers)": () =>
        retrieval().keywordMatches({
          viewer,
          filter: filtered,
          text: "renewal pricing",
          limit: 10,
          now: NOW,
          knownCommon: ["renew"],
        }),
      "no word the memories hold": () =>
        retrieval().keywordMatches({ viewer, filter: everything, text: "the zebra", limit: 10, now: NOW }),
    }));
});
