import { vectorOf } from "./guard/write-guard.js";
import { keylessIdentity } from "../identity.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { NeighbourRepository } from "./guard/neighbour.repository.js";
import type { WriteItem } from "./item.js";
import type { WriteFacts } from "./plan.js";

/**
 * Reads what planning a batch needs, in two statements however large it is: the active
 * memories its keyless writes repeat, and the memories nearest to each write with a vector
 * (among those its agent may read). `admin` is the caller's: every item acts for one key.
 */
export async function gatherFacts(
  memories: MemoryRepository,
  neighbours: NeighbourRepository,
  items: readonly WriteItem[],
  admin: boolean,
  now: Date,
): Promise<WriteFacts> {
  const workspaceId = items[0]?.viewer.workspaceId;
  if (workspaceId === undefined) return { repeated: new Map(), neighbours: new Map() };
  const keyless = items.filter((item) => item.draft.key === null);
  const repeats = await memories.repeatedMemories({ workspaceId, drafts: keyless.map((item) => item.draft), now });
  const repeated = new Map(
    keyless.flatMap((item, i) => {
      const target = repeats[i];
      return target === null || target === undefined
        ? []
        : [[keylessIdentity(workspaceId, item.draft), target] as const];
    }),
  );
  const probed = items.flatMap((item) => {
    const vector = vectorOf(item.embedded);
    return vector === null ? [] : [{ item, vector }];
  });
  const model = probed[0]?.vector.model;
  const near =
    model === undefined
      ? []
      : await neighbours.nearest({
          workspaceId,
          admin,
          probes: probed.map(({ item, vector }) => ({ ...item.draft, vector: vector.vector })),
          model,
          now,
        });
  return { repeated, neighbours: new Map(probed.map(({ item }, i) => [item.index, near[i] ?? []])) };
}
