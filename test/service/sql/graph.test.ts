/**
 * The statements of the knowledge graph's repositories, as sent to a real database, against
 * their committed .sql files (test/support/sql-snapshots.ts): each through the live source and
 * the as-of one (src/graph/graph-source.ts).
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { EdgeRepository } from "../../../src/graph/edge.repository.js";
import { EntityMergeRepository } from "../../../src/graph/entity-merge.repository.js";
import { EntityRepository } from "../../../src/graph/entity.repository.js";
import { graphSource } from "../../../src/graph/graph-source.js";
import { EntityTallyRepository } from "../../../src/graph/tallies/entity-tally.repository.js";
import { RelationTallyRepository } from "../../../src/graph/tallies/relation-tally.repository.js";
import { aDraft } from "../../support/records.js";
import {
  expectEveryMethodSnapshotted,
  expectSqlSnapshot,
  openSeededDatabase,
  SNAPSHOT_NOW as NOW,
  SNAPSHOT_VIEWER as viewer,
  type RecordedDatabase,
} from "../../support/sql-snapshots.js";

const ana = { type: "person", id: "ana" };
const acme = { type: "company", id: "acme" };
const draft = aDraft({
  agentId: "agent-1",
  subjectType: "account",
  subjectId: "acme",
  content: "Ana Lopez renewed for Acme Corp in Lisbon",
  relations: [{ subject: ana, predicate: "works_at", object: acme }],
});
const MERGE_ID = "6f1c2b1e-8d3a-4c55-9a7e-2b4f7d9e0a11";
const live = graphSource(viewer, { validAt: NOW, asOf: null }, NOW);
const past = graphSource(viewer, { validAt: NOW, asOf: NOW }, NOW);
// Read now but valid at another time: the memories' own rows, not the tallies.
const validThen = graphSource(viewer, { validAt: new Date(NOW.getTime() - 86_400_000), asOf: null }, NOW);

let recorded: RecordedDatabase;
const em = () => recorded.db.em.fork();

beforeAll(async () => {
  recorded = await openSeededDatabase([{ draft }]);
});
afterAll(() => recorded.close());

describe("src/graph/entity.repository.ts", () => {
  const FILE = "src/graph/entity.repository.ts";
  const entities = () => new EntityRepository(em());
  const list = { workspaceId: viewer.workspaceId, words: [], order: "last_seen" as const, offset: 0, limit: 10 };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(EntityRepository, ["list", "seen", "newestMentioning", "named", "update"]));

  it("list", () =>
    expectSqlSnapshot(recorded, FILE, "list", {
      "every entity, by last seen": () => entities().list({ ...list, source: live }),
      "of a type, by mentions, as of a time": () =>
        entities().list({ ...list, source: past, type: "person", order: "mention_count" }),
      "by name prefix and words, by name": () =>
        entities().list({ ...list, source: live, namePrefix: "ac", words: ["corp"], order: "name" }),
    }));

  it("seen", () =>
    expectSqlSnapshot(recorded, FILE, "seen", {
      "two entities": () => entities().seen(live, viewer.workspaceId, [ana, acme]),
      "valid at another time": () => entities().seen(validThen, viewer.workspaceId, [ana, acme]),
    }));

  it("newestMentioning", () =>
    expectSqlSnapshot(recorded, FILE, "newestMentioning", {
      "the newest ten": () => entities().newestMentioning(live, acme, 10),
    }));

  it("named", () =>
    expectSqlSnapshot(recorded, FILE, "named", {
      "two entities": () => entities().named(viewer.workspaceId, [ana, acme]),
    }));

  it("update", () =>
    expectSqlSnapshot(recorded, FILE, "update", {
      "name, aliases and attributes": () =>
        entities().update(
          viewer.workspaceId,
          acme,
          { name: "Acme", aliases: ["ACME Inc"], attributes: { tier: 1 } },
          NOW,
        ),
    }));
});

describe("src/graph/edge.repository.ts", () => {
  const FILE = "src/graph/edge.repository.ts";
  const edges = () => new EdgeRepository(em());

  it("covers every method", () => expectEveryMethodSnapshotted(EdgeRepository, ["touching"]));

  it("touching", () =>
    expectSqlSnapshot(recorded, FILE, "touching", {
      "every predicate": () => edges().touching(live, [ana, acme], []),
      "stated ones only, as of a time": () => edges().touching(past, [ana], ["works_at"]),
      "co_mentioned only": () => edges().touching(live, [ana], ["co_mentioned"]),
    }));
});

describe("src/graph/entity-merge.repository.ts", () => {
  const FILE = "src/graph/entity-merge.repository.ts";
  const merges = () => new EntityMergeRepository(em());
  const merge = { id: MERGE_ID, from: ana, into: acme, createTime: NOW, undoTime: null };

  it("covers every method", () =>
    expectEveryMethodSnapshotted(EntityMergeRepository, [
      "lock",
      "insert",
      "byId",
      "inForceFrom",
      "undo",
      "target",
      "remention",
      "leadingFrom",
      "imported",
      "seen",
      "inForceInto",
    ]));

  it("lock", () =>
    expectSqlSnapshot(recorded, FILE, "lock", { "the workspace's": () => merges().lock(viewer.workspaceId) }));

  it("insert", () =>
    expectSqlSnapshot(recorded, FILE, "insert", {
      "one merge": () => merges().insert(viewer.workspaceId, ana, { type: "person", id: "ana lopez" }, NOW),
    }));

  it("byId", () =>
    expectSqlSnapshot(recorded, FILE, "byId", {
      "locked for its undo": () => merges().byId(viewer.workspaceId, MERGE_ID),
    }));

  it("inForceFrom", () =>
    expectSqlSnapshot(recorded, FILE, "inForceFrom", {
      "locked for a loop's end": () => merges().inForceFrom(viewer.workspaceId, acme),
    }));

  it("undo", async () => {
    const { id } = await merges().insert(viewer.workspaceId, acme, ana, NOW);
    await expectSqlSnapshot(recorded, FILE, "undo", { "by id": () => merges().undo(id, NOW) });
  });

  it("target", () =>
    expectSqlSnapshot(recorded, FILE, "target", {
      "through the merges in force": () => merges().target(viewer.workspaceId, ana),
    }));

  it("remention", () =>
    expectSqlSnapshot(recorded, FILE, "remention", {
      "the memories that mention it": () => merges().remention(viewer.workspaceId, ana),
    }));

  it("leadingFrom", () =>
    expectSqlSnapshot(recorded, FILE, "leadingFrom", {
      "the chains from two entities": () => merges().leadingFrom(viewer.workspaceId, [ana, acme]),
    }));

  it("imported", () =>
    expectSqlSnapshot(recorded, FILE, "imported", {
      "one merge": () => merges().imported(viewer.workspaceId, [merge]),
    }));

  it("seen", () =>
    expectSqlSnapshot(recorded, FILE, "seen", { "by the caller's memories": () => merges().seen(live, merge) }));

  it("inForceInto", () =>
    expectSqlSnapshot(recorded, FILE, "inForceInto", {
      now: () => merges().inForceInto(live, viewer.workspaceId, acme, null),
      "as of a time": () => merges().inForceInto(past, viewer.workspaceId, acme, NOW),
    }));
});

describe("src/graph/tallies/entity-tally.repository.ts", () => {
  const FILE = "src/graph/tallies/entity-tally.repository.ts";
  const tallies = () => new EntityTallyRepository(em());

  it("covers every method", () => expectEveryMethodSnapshotted(EntityTallyRepository, ["fold"]));

  it("fold", () =>
    expectSqlSnapshot(recorded, FILE, "fold", {
      "the folder's, unless another fold runs": () => tallies().fold(viewer.workspaceId, false),
      "an erasure's, waiting for another fold": () => tallies().fold(viewer.workspaceId, true),
    }));
});

describe("src/graph/tallies/relation-tally.repository.ts", () => {
  const FILE = "src/graph/tallies/relation-tally.repository.ts";
  const tallies = () => new RelationTallyRepository(em());
  if (!live.live) throw new Error("the live source reads the tallies");
  const now = live;

  it("covers every method", () =>
    expectEveryMethodSnapshotted(RelationTallyRepository, ["strongestNeighbours", "among", "fold"]));

  it("strongestNeighbours", () =>
    expectSqlSnapshot(recorded, FILE, "strongestNeighbours", {
      "every predicate and type, ten rows an entity": () =>
        tallies().strongestNeighbours(now, [ana, acme], { predicates: [], types: [], perEntity: 10, count: 20 }),
      "stated ones to companies only": () =>
        tallies().strongestNeighbours(now, [ana], {
          predicates: ["works_at"],
          types: ["company"],
          perEntity: 10,
          count: 20,
        }),
    }));

  it("among", () =>
    expectSqlSnapshot(recorded, FILE, "among", {
      "two entities": () => tallies().among(now, [ana, acme], []),
    }));

  it("fold", () =>
    expectSqlSnapshot(recorded, FILE, "fold", {
      "the folder's, unless another fold runs": () => tallies().fold(viewer.workspaceId, false),
      "an erasure's, waiting for another fold": () => tallies().fold(viewer.workspaceId, true),
    }));
});
