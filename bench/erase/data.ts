/**
 * What bench/erase.ts erases: sets of memories, each carrying a tag of its own (what the
 * erasure selects by: "everything from this import"), mixed in among background memories about
 * the same contacts, which it must leave alone; all written through the public API as agents
 * write them. Every write is keyed (so the write guard never merges two synthetic notes into one)
 * and carries a request_id (so its recorded response is a row to erase too); a share of each set
 * is written again with new content, a second revision and change each. Each set's tag entity is
 * named (UpdateEntity), an entities row that goes with the set's last mention, and so is one
 * content entity the set shares with the background, which must stay. What each erasure must
 * remove is counted from the write responses as they come.
 *
 * Why a tag and not a subject: the write guard ranks every memory of a write's subject
 * (neighbour.repository.ts), so loading 10,000 memories about one subject costs time quadratic
 * in it (here 26 writes/s against 150 for the same load spread over contacts).
 */
import type { Client } from "@connectrpc/connect";
import type { EntityService } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { MentionRole, Visibility, type Memory } from "../../gen/ts/engram/v1/memory_pb.js";
import { WriteOutcome, type MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { auth } from "../load-client.js";
import { memory, note, random } from "../load-data.js";
import type { StoreCounts } from "../../src/erasure/erasure.repository.js";

/** The tag facet of the sets: a tag "<facet>:<value>" is a mention of the entity {facet, value}. */
export const TAG_FACET = "source";
/** The most writes one BatchWriteMemories takes. */
const BATCH = 100;

/** Rows an erasure must remove from each store, as the receipt's ErasureCounts names them. */
export type Expected = StoreCounts;

export interface ErasureSet {
  tag: string;
  size: number;
  /** Its memory ids, to look for anything of them left once erased. */
  ids: string[];
  expected: Expected;
  /** The shared entity named for this set ("type/id"), which its erasure must leave. */
  keptEntity: string | null;
}

export interface Loaded {
  sets: ErasureSet[];
  background: number;
  /** Recorded write responses (request_id) that no erasure should remove. */
  requestsLeft: number;
  updates: number;
}

type MemoryInit = NonNullable<Parameters<Client<typeof MemoryService>["writeMemory"]>[0]["memory"]>;

/** Each memory's write request and, once written, its id and mentions. */
interface Slot {
  owner: number;
  memory: MemoryInit;
  id: string;
  /** Every entity it mentions (the erasure's mention rows), and those its content names. */
  refs: Set<string>;
  named: string[];
}

const refOf = (type: string, id: string) => `${type}/${id}`;
const refsOf = (m: Memory | undefined) => new Set((m?.mentions ?? []).map((x) => refOf(x.entity!.type, x.entity!.id)));
const namedIn = (m: Memory | undefined) =>
  (m?.mentions ?? []).filter((x) => x.role === MentionRole.CONTENT).map((x) => refOf(x.entity!.type, x.entity!.id));
const named = (ref: string, name: string) => {
  const [type, ...id] = ref.split("/");
  return { type: type!, id: id.join("/"), entity: { name }, updateMask: { paths: ["name"] } };
};

/** `count` calls of `op`, `concurrency` at a time. */
export async function inFlight(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
}

export async function load(
  memories: Client<typeof MemoryService>,
  entities: Client<typeof EntityService>,
  adminKey: string,
  options: { sizes: number[]; background: number; updateEvery: number; progress: (line: string) => void },
): Promise<Loaded> {
  const { sizes, background, updateEvery, progress } = options;
  const total = background + sizes.reduce((a, b) => a + b, 0);
  const rand = random(50);
  // Which set each memory belongs to (-1: background), shuffled: an import's memories lie
  // spread over the table among everyone else's, not in one run of it.
  const owners = [...sizes.flatMap((n, s) => Array<number>(n).fill(s)), ...Array<number>(background).fill(-1)];
  for (let i = owners.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [owners[i], owners[j]] = [owners[j]!, owners[i]!];
  }
  const tags = sizes.map((_, s) => `${TAG_FACET}:import-${s}`);
  const slots: Slot[] = owners.map((owner, i) => {
    const m = memory(rand, i, total);
    const visibility = m.visibility === "shared" ? Visibility.SHARED : Visibility.PRIVATE;
    const tagged = owner < 0 ? m.tags : [...m.tags, tags[owner]!];
    return { owner, memory: { ...m, tags: tagged, visibility, key: `note-${i}` }, id: "", refs: new Set(), named: [] };
  });

  // The ids each recorded response names (its memory's, and the possible conflicts'): an
  // erasure removes the response when it names any memory erased.
  const recorded: string[][] = [];
  const write = async (batch: Slot[], prefix: string, outcome: WriteOutcome) => {
    const requests = batch.map((slot) => ({ memory: slot.memory, requestId: `${prefix}-${slot.memory.key}` }));
    const { results } = await memories.batchWriteMemories({ requests }, auth(adminKey));
    results.forEach((r, j) => {
      if (r.result.case !== "response") throw new Error(`write: ${JSON.stringify(r.result.value)}`);
      const response = r.result.value;
      if (response.outcome !== outcome) throw new Error(`write: ${WriteOutcome[response.outcome]}`);
      const slot = batch[j]!;
      slot.id = response.memory!.id;
      slot.refs = refsOf(response.memory);
      slot.named = namedIn(response.memory);
      recorded.push([slot.id, ...response.possibleConflicts.map((c) => c.memory!.id), ...response.superseded]);
    });
  };
  await inFlight(Math.ceil(total / BATCH), 4, async (b) => {
    await write(slots.slice(b * BATCH, (b + 1) * BATCH), "load", WriteOutcome.CREATED);
    if (b % 20 === 19) progress(`written ${Math.min(total, (b + 1) * BATCH)}/${total}`);
  });

  // Every updateEvery-th memory of each set again, with new content: a second revision.
  const seen = sizes.map(() => 0);
  const updated = slots.filter((s) => s.owner >= 0 && seen[s.owner]!++ % updateEvery === 0);
  const contentRand = random(51);
  for (const slot of updated) slot.memory = { ...slot.memory, content: note(contentRand) };
  await inFlight(Math.ceil(updated.length / BATCH), 4, (b) =>
    write(updated.slice(b * BATCH, (b + 1) * BATCH), "update", WriteOutcome.UPDATED),
  );
  progress(`updated ${updated.length}`);

  const backgroundRefs = new Set(slots.filter((s) => s.owner < 0).flatMap((s) => s.named));
  const sets: ErasureSet[] = [];
  let requestsLeft = recorded;
  for (const [s, tag] of tags.entries()) {
    const members = slots.filter((slot) => slot.owner === s);
    const updates = updated.filter((slot) => slot.owner === s).length;
    const ids = new Set(members.map((m) => m.id));
    // The erasures run in this order: a response an earlier one removed is not this one's.
    const naming = requestsLeft.filter((names) => names.some((id) => ids.has(id))).length;
    requestsLeft = requestsLeft.filter((names) => !names.some((id) => ids.has(id)));
    // Named, so each is an entities row: the tag's goes with the set; the shared one stays.
    await entities.updateEntity(
      named(refOf(TAG_FACET, tag.slice(TAG_FACET.length + 1)), `Import ${s}`),
      auth(adminKey),
    );
    const shared = members.flatMap((m) => m.named).find((ref) => backgroundRefs.has(ref));
    if (shared !== undefined) await entities.updateEntity(named(shared, `Kept ${s}`), auth(adminKey));
    sets.push({
      tag,
      size: members.length,
      ids: [...ids],
      keptEntity: shared ?? null,
      expected: {
        memories: members.length,
        revisions: members.length + updates,
        changes: members.length + updates,
        stagedWrites: 0,
        writeRequests: naming,
        mentions: members.reduce((sum, m) => sum + m.refs.size, 0),
        entities: 1,
        entityMerges: 0,
      },
    });
  }
  return { sets, background, requestsLeft: requestsLeft.length, updates: updated.length };
}
