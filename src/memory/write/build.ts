import type { EntityManager } from "@mikro-orm/sql";
import type { Embeddings } from "../../embedding/embeddings.js";
import { KindClassifier } from "./guard/kind-classifier.js";
import { WriteGuard } from "./guard/write-guard.js";
import { memoryRepositories, type MemoryRepositories } from "../repositories.js";
import { MemoryWrites } from "./writes.js";

export interface WritePipelineOptions {
  em: EntityManager;
  embeddings: Embeddings;
  /** Called after a write left a memory PENDING, so the embedding worker looks at once. */
  onPending?: () => void;
  /** Called with the number of memories each committed write changed (for table statistics). */
  onWritten?: (count: number) => void;
  /** Repositories to use instead of the standard ones (tests observe or steer queries with these). */
  repositories?: Partial<MemoryRepositories>;
  now?: () => Date;
}

/** The write pipeline with its guard and repositories, as the composition root wires it. */
export function buildMemoryWrites(options: WritePipelineOptions): MemoryWrites {
  return new MemoryWrites({
    ...memoryRepositories,
    ...options.repositories,
    em: options.em,
    embeddings: options.embeddings,
    guard: new WriteGuard(new KindClassifier(options.embeddings)),
    now: options.now ?? (() => new Date()),
    onPending: options.onPending ?? (() => {}),
    onWritten: options.onWritten ?? (() => {}),
  });
}
