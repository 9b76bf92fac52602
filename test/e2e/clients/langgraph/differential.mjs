// The Engram LangGraph store against LangGraph's reference InMemoryStore: every operation runs on
// both and their answers must agree (times aside, which each store sets itself). Run by
// test/e2e/clients/langgraph.test.ts in a project outside the repository, with the packages
// installed from their tarballs; ENGRAM_ADDR and ENGRAM_API_KEY name the server.
import assert from "node:assert/strict";
import { InMemoryStore } from "@langchain/langgraph-checkpoint";
import { EngramStore } from "engram-langgraph";
import { transport } from "./transport.mjs";

const engram = new EngramStore({ transport });
const reference = new InMemoryStore();

const plain = (item) => (item === null ? null : { namespace: item.namespace, key: item.key, value: item.value });
const byPlace = (items) =>
  items.map(plain).sort((a, b) => `${a.namespace}/${a.key}`.localeCompare(`${b.namespace}/${b.key}`));

/** Runs `op` on the reference, then on Engram, and checks the answers agree once `shape`d. */
async function agree(label, op, shape = (x) => x) {
  const expected = shape(await op(reference));
  const actual = shape(await op(engram));
  assert.deepEqual(actual, expected, label);
  return actual;
}
const items = (list) => list.map(plain);

// Writes, reads and namespace isolation.
const writes = [
  [["users", "alice"], "prefs", { theme: "dark", size: 12, tags: ["tea"] }],
  [["users", "alice"], "profile", { name: "Alice Martin", age: 31, city: "Lyon" }],
  [["users", "bob"], "prefs", { theme: "light", size: 10 }],
  [["docs"], "tuning", { title: "Postgres tuning notes", year: 2024 }],
  [["docs", "archive"], "hnsw", { title: "Old HNSW experiments", year: 2019 }],
  [["docs", "archive"], "ivf", { title: "IVF flat benchmarks", year: 2018 }],
];
for (const [namespace, key, value] of writes)
  await agree(`put ${namespace}/${key}`, (s) => s.put(namespace, key, value));
for (const [namespace, key] of writes) await agree(`get ${namespace}/${key}`, (s) => s.get(namespace, key), plain);
await agree("a key in another namespace", (s) => s.get(["users", "bob"], "profile"), plain);
await agree("a namespace that is only a prefix", (s) => s.get(["users"], "prefs"), plain);

// An update replaces the value; the item keeps its place.
await agree("update", (s) => s.put(["users", "alice"], "prefs", { theme: "light", size: 14, tags: ["tea"] }));
await agree("get after update", (s) => s.get(["users", "alice"], "prefs"), plain);

// Search by namespace prefix: whole labels only.
await agree("search one namespace, in order", (s) => s.search(["users", "alice"]), items);
await agree("search a prefix", (s) => s.search(["users"]), byPlace);
await agree("search a partial label", (s) => s.search(["user"]), items);
await agree("search everything", (s) => s.search([], { limit: 50 }), byPlace);

// Filters, with each of LangGraph's operators.
const filters = [
  { theme: "light" },
  { theme: { $eq: "light" } },
  { theme: { $ne: "light" } },
  { size: { $gt: 12 } },
  { size: { $gt: 14 } },
  { size: { $gte: 14 } },
  { size: { $lt: 10 } },
  { size: { $gte: 10, $lt: 14 } },
  { size: { $lte: 10 } },
  { theme: { $in: ["dark", "light"] } },
  { theme: { $nin: ["light"] } },
  { year: 2019 },
  { tags: ["tea"] },
  { missing: "x" },
];
for (const filter of filters) {
  await agree(`filter ${JSON.stringify(filter)}`, (s) => s.search([], { filter, limit: 50 }), byPlace);
}

// Limits and offsets, within a namespace (where both stores keep insertion order).
for (const [limit, offset] of [
  [1, 0],
  [1, 1],
  [2, 1],
  [10, 5],
  [0, 0],
]) {
  await agree(`limit ${limit} offset ${offset}`, (s) => s.search(["docs", "archive"], { limit, offset }), items);
}

// Listing namespaces.
const listings = [
  {},
  { prefix: ["users"] },
  { suffix: ["archive"] },
  { prefix: ["users", "*"] },
  { prefix: ["*", "alice"] },
  { maxDepth: 1 },
  { prefix: ["docs"], maxDepth: 2 },
  { limit: 2, offset: 1 },
];
for (const options of listings)
  await agree(`listNamespaces ${JSON.stringify(options)}`, (s) => s.listNamespaces(options));

// Deleting, and writing again.
await agree("delete", (s) => s.delete(["docs", "archive"], "ivf"));
await agree("get a deleted item", (s) => s.get(["docs", "archive"], "ivf"), plain);
await agree("search after delete", (s) => s.search(["docs"]), byPlace);
await agree("write a deleted key again", (s) => s.put(["docs", "archive"], "ivf", { title: "IVF again", year: 2025 }));
await agree("get it", (s) => s.get(["docs", "archive"], "ivf"), plain);
await agree("delete a key that was never written", (s) => s.delete(["docs"], "nothing"));

// Found by what it says: Engram searches the text made of the namespace, key and value (without
// an index InMemoryStore ignores a query, so this is Engram's alone).
const found = await engram.search(["docs"], { query: "postgres tuning" });
assert.equal(found[0]?.key, "tuning", "a query finds the item that says it");
assert.ok(typeof found[0]?.score === "number", "a searched item has a score");

// Where the two differ on purpose: a namespace whose last item is deleted is no longer listed by
// Engram (as LangGraph's Postgres store), while InMemoryStore keeps listing it.
await reference.delete(["users", "bob"], "prefs");
await engram.delete(["users", "bob"], "prefs");
assert.ok(!(await engram.listNamespaces({ prefix: ["users"] })).some((ns) => ns.join(".") === "users.bob"));

console.log("differential: Engram and InMemoryStore agree");
