import type { EntityManager } from "@mikro-orm/sql";
import type { WriteMemoryRequest } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Embedded, Embeddings, WriteEmbedding } from "../../embedding/embeddings.js";
import { lowInformationReason } from "./guard/low-information.js";
import type { StoredVectorRepository } from "./stored-vector.repository.js";

/**
 * How long a write whose vector missed its budget keeps the embedding job for itself: time
 * to finish the computation it started, after which any worker may take the job over.
 */
const WRITER_HOLD_MS = 30_000;

/** Vectors still being computed for writes that have committed, and what they are for. */
export interface LateVectors {
  workspaceId: string;
  contents: string[];
  vectors: Promise<Embedded[]>;
}

/** Each write's vector (or hold), and the computation to finish after the commit. */
export interface VectorsForWrites<T> {
  embedded: T;
  late: LateVectors | null;
}

export interface WriteVectorSourceDeps {
  em: EntityManager;
  embeddings: Embeddings;
  vectors: (em: EntityManager) => StoredVectorRepository;
  /** Called when vectors that were promised to committed writes will not come. */
  onPending: () => void;
}

/**
 * The vectors of the contents a write is about to store. A content the workspace already
 * stores (an unchanged keyed write, a repeat) reuses its stored vector and never reaches the
 * embedder; the rest are embedded if the embedder answers within the write budget. Past the
 * budget the write commits PENDING with a hold on the job and attaches the vector itself when
 * it arrives, so no worker, on this server or another, computes it a second time.
 */
export class WriteVectorSource {
  constructor(private readonly deps: WriteVectorSourceDeps) {}

  /**
   * Each request's vector, in request order (null for undelivered contents). Dry runs get one
   * too, for the write guard; contents the guard will reject never reach the embedder.
   */
  async forRequests(workspaceId: string, requests: WriteMemoryRequest[]): Promise<VectorsForWrites<WriteEmbedding[]>> {
    const contents = requests.flatMap((r) =>
      r.memory !== undefined && lowInformationReason(r.memory.content) === null ? [r.memory.content] : [],
    );
    const { embedded, late } = await this.forContents(workspaceId, contents);
    return { embedded: requests.map((r) => embedded.get(r.memory?.content ?? "") ?? null), late };
  }

  async forContents(workspaceId: string, contents: string[]): Promise<VectorsForWrites<Map<string, WriteEmbedding>>> {
    const { em, embeddings, vectors } = this.deps;
    const model = embeddings.model;
    const embedded = new Map<string, WriteEmbedding>();
    if (model === null || contents.length === 0) return { embedded, late: null };
    const unique = [...new Set(contents)];
    const stored = await vectors(em.fork()).vectorsByContent({ workspaceId, contents: unique, model });
    for (const [content, vector] of stored) embedded.set(content, { vector, model });
    const missing = unique.filter((c) => !embedded.has(c));
    const computed = missing.length === 0 ? null : await embeddings.tryEmbed(missing);
    if (computed === null) return { embedded, late: null };
    if (computed.done) {
      missing.forEach((content, i) => {
        const vector = computed.vectors[i];
        if (vector !== undefined) embedded.set(content, vector);
      });
      return { embedded, late: null };
    }
    const hold = { heldUntil: new Date(Date.now() + WRITER_HOLD_MS) };
    for (const content of missing) embedded.set(content, hold);
    return { embedded, late: { workspaceId, contents: missing, vectors: computed.pending } };
  }

  /**
   * Attaches the vectors a committed write is still waiting for. Should the computation fail,
   * the worker gets the jobs now; should storing them fail, the hold runs out and the worker
   * gets them then: either way the memories stay PENDING, never lost.
   */
  attachLate(late: LateVectors | null): void {
    if (late === null) return;
    const { em, vectors: stored, onPending } = this.deps;
    const { workspaceId, contents } = late;
    late.vectors
      .then(
        (computed) =>
          stored(em.fork()).attachByContent({
            workspaceId,
            contents,
            vectors: computed.map((v) => v.vector),
            model: computed[0]?.model ?? "",
          }),
        () => stored(em.fork()).releaseHeld({ workspaceId, contents }).then(onPending),
      )
      .catch(() => {});
  }
}
