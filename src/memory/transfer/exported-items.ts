import { create } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import {
  ExportMemoriesResponseSchema,
  type ExportMemoriesResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../../auth/principal.js";
import type { ExportedEntities, ExportedMerges } from "../../graph/transferred-entities.js";
import type { MemoryRevisionRepository, StoredRevision } from "../../history/revision.repository.js";
import { toRevisionProtos } from "../../history/revision.mapper.js";
import { toProto } from "../mapper.js";
import type { MemoryRecord } from "../record.js";
import type { SuccessorNames } from "../successors.js";

/**
 * The most revisions export reads at once. A memory goes out with its whole history, so a page's
 * memories are read in runs whose revisions number at most this (a memory with more alone): a
 * page of 200 memories each updated hundreds of times is not held at once.
 */
export const REVISIONS_PER_READ = 200;

/** A memory of an export page: as stored, with its vector. */
export interface ExportedMemory {
  record: MemoryRecord;
  vector: number[] | null;
}

export interface ExportReads {
  em: () => EntityManager;
  revisions: (em: EntityManager) => MemoryRevisionRepository;
  successors: SuccessorNames;
  entities: ExportedEntities;
  merges: ExportedMerges;
}

/**
 * A page's memories in order, cut into runs of at most REVISIONS_PER_READ revisions (a memory
 * with more alone). A memory's revision number bounds how many revisions it has (they are
 * numbered from 1, each once, imported ones included), so nothing is read to count them.
 */
export function revisionRuns<T extends ExportedMemory>(page: readonly T[]): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let revisions = 0;
  for (const memory of page) {
    const count = Number(memory.record.revision);
    if (run.length > 0 && revisions + count > REVISIONS_PER_READ) {
      runs.push(run);
      run = [];
      revisions = 0;
    }
    run.push(memory);
    revisions += count;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** The export items of one run: each memory with its revisions, and the entities and merges it is the first to carry. */
export async function exportedItems(
  reads: ExportReads,
  viewer: Viewer,
  run: readonly ExportedMemory[],
  now: Date,
): Promise<ExportMemoriesResponse[]> {
  const stored = await reads.revisions(reads.em()).ofMemories(
    viewer,
    run.map(({ record }) => record.id),
  );
  // The memories and their revisions name successors in one question.
  const shown = await reads.successors.carriers<{ record: MemoryRecord; reason?: string | null }>(viewer, [
    ...run.map(({ record }) => ({ record })),
    ...stored,
  ]);
  const records = shown.slice(0, run.length).map((c) => c.record);
  const revisions = new Map<string, StoredRevision[]>();
  for (const r of shown.slice(run.length) as StoredRevision[]) {
    const ofMemory = revisions.get(r.record.id);
    if (ofMemory === undefined) revisions.set(r.record.id, [r]);
    else ofMemory.push(r);
  }
  const entities = await reads.entities.ofPage(records);
  const merges = await reads.merges.ofPage(records);
  return records.map((record, i) =>
    create(ExportMemoriesResponseSchema, {
      memory: toProto(record, now),
      embedding: run[i]?.vector ?? [],
      revisions: toRevisionProtos(revisions.get(record.id) ?? [], null),
      entities: entities.get(record.id) ?? [],
      merges: merges.get(record.id) ?? [],
    }),
  );
}
