/**
 * The replay checks: what an erasure says it removed against what the benchmark wrote, and what
 * is left in the store afterwards. Each returns the failures in words; bench/erase.ts exits
 * non-zero if there is any.
 */
import type { Client } from "@connectrpc/connect";
import type { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { ERASURE_BATCH } from "../../src/erasure/erasures.js";
import { auth } from "../load-client.js";
import { openSql } from "../load-floor.js";
import type { Store } from "../load-server.js";
import { TAG_FACET, type ErasureSet, type Expected, type Loaded } from "./data.js";
import { countsOf, type Erasure } from "./erasure.js";
import type { Traffic } from "./traffic.js";

/** Each store's count against the expected one. */
export function countFailures(label: string, expected: Expected, got: Expected): string[] {
  return (Object.keys(expected) as (keyof Expected)[])
    .filter((store) => expected[store] !== got[store])
    .map((store) => `${label}: ${store} ${got[store]}, expected ${expected[store]}`);
}

/** The dry run, the erasure's receipt and progress, and the traffic beside it. */
export function erasureFailures(set: ErasureSet, dry: Erasure, erasure: Erasure, traffic: Traffic[]): string[] {
  const { receipt } = erasure;
  const batches = Math.ceil(set.size / ERASURE_BATCH);
  return [
    ...countFailures(`${set.tag} dry run`, set.expected, countsOf(dry.receipt)),
    ...countFailures(`${set.tag} receipt`, set.expected, countsOf(receipt)),
    ...(receipt.complete && !receipt.dryRun && receipt.id !== "" ? [] : [`${set.tag}: receipt not complete`]),
    ...(receipt.batches === batches ? [] : [`${set.tag}: ${receipt.batches} batches, expected ${batches}`]),
    ...(erasure.erased === set.size && erasure.total === set.size
      ? []
      : [`${set.tag}: last progress ${erasure.erased}/${erasure.total}, expected ${set.size}/${set.size}`]),
    ...traffic.flatMap((t) => [
      ...t.searches.errors.map((e) => `${set.tag}: search failed: ${e}`),
      ...t.writes.errors.map((e) => `${set.tag}: write failed: ${e}`),
    ]),
  ];
}

/** Nothing tagged is listed any more, in any state. */
export async function listedAfter(client: Client<typeof MemoryService>, adminKey: string, set: ErasureSet) {
  const filter = { tags: [set.tag], showDeleted: true };
  const { memories } = await client.listMemories(
    { filter: { ...filter, showExpired: true, includeSuperseded: true }, pageSize: 10 },
    auth(adminKey),
  );
  return memories.length === 0 ? [] : [`${set.tag}: ${memories.length}+ memories still listed after erasure`];
}

/**
 * With the server stopped, in its store: no row of an erased memory is left but its tombstone,
 * and the background (its memories, the recorded write responses that name no erased memory,
 * the named entities the sets shared with it) is all there.
 */
export async function storeFailures(store: Store, loaded: Loaded): Promise<string[]> {
  const sql = await openSql(store.dataDir, store.databaseUrl);
  const ids = loaded.sets.flatMap((s) => s.ids);
  const count = async (text: string, params: unknown[] = []) =>
    Number(((await sql.run(text, params))[0] as { n: number | string }).n);
  const left: [string, number, number][] = [
    ["memories of erased ids", await count(`select count(*) n from memories where id = any($1::uuid[])`, [ids]), 0],
    [
      "revisions of erased ids",
      await count(`select count(*) n from memory_revisions where memory_id = any($1::uuid[])`, [ids]),
      0,
    ],
    [
      "change-log entries of erased ids but tombstones",
      await count(`select count(*) n from memory_changes where memory_id = any($1::uuid[]) and not erased`, [ids]),
      0,
    ],
    [
      "tombstones",
      await count(`select count(*) n from memory_changes where memory_id = any($1::uuid[]) and erased`, [ids]),
      ids.length,
    ],
    [
      "entity_names of erased ids",
      await count(`select count(*) n from entity_names where memory_id = any($1::uuid[])`, [ids]),
      0,
    ],
    ["background memories", await count(`select count(*) n from memories where key like 'note-%'`), loaded.background],
    [
      "recorded write responses left",
      await count(`select count(*) n from write_requests where request_id like 'load-%' or request_id like 'update-%'`),
      loaded.requestsLeft,
    ],
    [
      "tag entities left",
      await count(`select count(*) n from entities where type = $1 and id = any($2::text[])`, [
        TAG_FACET,
        loaded.sets.map((s) => s.tag.slice(TAG_FACET.length + 1)),
      ]),
      0,
    ],
  ];
  for (const set of loaded.sets) {
    if (set.keptEntity === null) continue;
    const [type, ...id] = set.keptEntity.split("/");
    const n = await count(`select count(*) n from entities where type = $1 and id = $2`, [type, id.join("/")]);
    left.push([`shared entity ${set.keptEntity} kept`, n, 1]);
  }
  await sql.close();
  return left
    .filter(([, got, want]) => got !== want)
    .map(([what, got, want]) => `store: ${what} ${got}, expected ${want}`);
}
