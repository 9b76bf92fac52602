import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../auth/principal.js";
import { UUID_PATTERN } from "../ids.js";
import { MemoryRepository } from "./memory.repository.js";
import type { MemoryRecord } from "./record.js";

/**
 * Successors are named only to those who may read them. A shared memory may be superseded by
 * a private one: its readers still see that it is superseded, but neither `superseded_by` nor
 * a reason names (and so dates, through the UUIDv7) a memory they may not read. The rule is
 * applied to every response that carries a memory, a revision or a change event.
 */

/** `superseded_by` of a memory whose successor the viewer may not read: superseded, no id. */
export const UNNAMED_SUCCESSOR = "";

/** The reason recorded on the memory a write superseded. */
export function supersededReason(successorId: string): string {
  return `superseded by ${successorId}`;
}

/** The reason recorded when a supersession is undone. */
export function unsupersededReason(successorId: string): string {
  return `was superseded by ${successorId}`;
}

/** The two reasons above, read back: the words before the id, and the id. */
const NAMING_REASON = new RegExp(`^((?:was )?superseded by) (${UUID_PATTERN})$`);

/** Which of these ids the viewer may read (MemoryRepository.readableIds). */
export type ReadableIds = (viewer: Viewer, ids: readonly string[]) => Promise<Set<string>>;

/** Anything that carries a memory and, for changes, the change's reason. */
export interface Carrier {
  record: MemoryRecord;
  reason?: string | null;
}

/** Successor names checked against the memories table, read through `em`. */
export function successorNamesOf(em: EntityManager): SuccessorNames {
  return new SuccessorNames((viewer, ids) => new MemoryRepository(em.fork()).readableIds(viewer, ids));
}

export class SuccessorNames {
  constructor(private readonly readable: ReadableIds) {}

  /** The record as the viewer may see it. */
  async record(viewer: Viewer, record: MemoryRecord): Promise<MemoryRecord> {
    const [shown] = await this.records(viewer, [record]);
    return shown ?? record;
  }

  async records(viewer: Viewer, records: readonly MemoryRecord[]): Promise<MemoryRecord[]> {
    const shown = await this.carriers(
      viewer,
      records.map((record) => ({ record })),
    );
    return shown.map((c) => c.record);
  }

  /** Revisions or change events as the viewer may see them: their memories and their reasons. */
  async carriers<T extends Carrier>(viewer: Viewer, items: readonly T[]): Promise<T[]> {
    // An admin reads every memory of its workspace, and a successor is always of the same one.
    if (viewer.admin) return [...items];
    const named = new Set<string>();
    for (const item of items) {
      if (item.record.supersededBy) named.add(item.record.supersededBy);
      const inReason = NAMING_REASON.exec(item.reason ?? "")?.[2];
      if (inReason !== undefined) named.add(inReason);
    }
    if (named.size === 0) return [...items];
    const readable = await this.readable(viewer, [...named]);
    if (readable.size === named.size) return [...items];
    return items.map((item) => unnamed(item, readable));
  }
}

function unnamed<T extends Carrier>(item: T, readable: ReadonlySet<string>): T {
  const { supersededBy } = item.record;
  const record =
    supersededBy && !readable.has(supersededBy) ? { ...item.record, supersededBy: UNNAMED_SUCCESSOR } : item.record;
  const match = NAMING_REASON.exec(item.reason ?? "");
  if (match === null || readable.has(match[2] ?? "")) return { ...item, record };
  // "superseded by <id>" becomes "superseded by another memory": the change stays explained.
  return { ...item, record, reason: `${match[1]} another memory` };
}
