import type { WriteMemoryRequest } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../../auth/principal.js";
import type { WriteEmbedding } from "../../embedding/embeddings.js";
import type { Classification } from "./guard/kind-classifier.js";
import type { MemoryDraft } from "../record.js";

/** One write of a batch (a single write is a batch of one), admitted by the guard and ready to plan. */
export interface WriteItem {
  /** Its place in the batch: answers go back in request order. */
  index: number;
  viewer: Viewer;
  request: WriteMemoryRequest;
  draft: MemoryDraft;
  /** The guard's choice of kind, when the request gave none. */
  classification: Classification | null;
  embedded: WriteEmbedding;
}

/** The memories a write names in `supersedes`, as stored ids are written (lower case). */
export function namedSupersessions(item: WriteItem): string[] {
  return [...new Set(item.request.supersedes.map((id) => id.toLowerCase()))];
}

/** A dry run (validate_only): planned like the others, never applied. */
export function isDryRun(item: WriteItem): boolean {
  return item.request.validateOnly;
}
