import { toBinary } from "@bufbuild/protobuf";
import { ExportMemoriesResponseSchema, type ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { MAX_BATCH_ITEMS, MAX_REQUEST_BYTES } from "../api/limits.js";

/** A memory to import and where it came from: its line in the file, or its place among another system's. */
export interface NumberedItem {
  item: ExportMemoriesResponse;
  number: number;
}

/** Memories for one ImportMemories call (all or nothing), numbered from its first. */
export interface ImportBatch {
  items: ExportMemoriesResponse[];
  firstNumber: number;
}

/**
 * Encoded bytes of memories per ImportMemories call. A hundred memories at the content limit,
 * each with a revision or two, come to more than the 32 MiB a server reads in one request, so
 * batches are cut by size as well as by count: half the request limit, which also bounds what
 * the server decodes and holds for one call.
 */
export const IMPORT_BATCH_BYTES = MAX_REQUEST_BYTES / 2;

/** Room left in a request for what wraps its memories (field tags and lengths). */
const REQUEST_FRAMING_BYTES = 64;

export interface BatchLimits {
  maxItems: number;
  maxBytes: number;
  /** The most one memory may take (a server's request limit), or null when nothing limits it (the database). */
  maxItemBytes: number | null;
  /** Names a memory in messages: "memories.jsonl:12", "memory 12". */
  describe: (number: number) => string;
}

/** A server's limits: the batch limits above, and no memory over the request limit. */
export function batchLimits(throughServer: boolean, describe: (number: number) => string): BatchLimits {
  return {
    maxItems: MAX_BATCH_ITEMS,
    maxBytes: IMPORT_BATCH_BYTES,
    maxItemBytes: throughServer ? MAX_REQUEST_BYTES - REQUEST_FRAMING_BYTES : null,
    describe,
  };
}

/**
 * A memory's encoded size, refused (with what to do instead) when one request to a server cannot
 * hold it: a memory is imported with its whole history, and a long history of long contents can
 * outgrow any request.
 */
export function sizeOf({ item, number }: NumberedItem, limits: BatchLimits): number {
  const bytes = toBinary(ExportMemoriesResponseSchema, item).byteLength;
  if (limits.maxItemBytes !== null && bytes > limits.maxItemBytes) {
    throw new Error(
      `${limits.describe(number)}: this memory with its ${item.revisions.length} revisions takes ` +
        `${mebibytes(bytes)} MiB, more than a server reads in one request (${mebibytes(limits.maxItemBytes)} MiB): ` +
        "stop the server and import the file into its database (--data-dir or --database-url, without --url)",
    );
  }
  return bytes;
}

/** The memories in order, cut into batches of at most maxItems and maxBytes (a larger memory alone). */
export async function* importBatches(
  items: AsyncIterable<NumberedItem> | Iterable<NumberedItem>,
  limits: BatchLimits,
): AsyncGenerator<ImportBatch> {
  let batch: ImportBatch = { items: [], firstNumber: 0 };
  let bytes = 0;
  for await (const numbered of items) {
    const size = sizeOf(numbered, limits);
    const full = batch.items.length === limits.maxItems || bytes + size > limits.maxBytes;
    if (batch.items.length > 0 && full) {
      yield batch;
      batch = { items: [], firstNumber: 0 };
      bytes = 0;
    }
    if (batch.items.length === 0) batch.firstNumber = numbered.number;
    batch.items.push(numbered.item);
    bytes += size;
  }
  if (batch.items.length > 0) yield batch;
}

const mebibytes = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
