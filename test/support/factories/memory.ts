import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { Memory, MemorySchema } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { Database } from "../../../src/db/orm.js";
import type {
  MemoryService,
  WriteMemoryRequest,
  WriteMemoryRequestSchema,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";

/** A MemoryService client, over the service tier's transport or a real server's. */
export type MemoryClient = Client<typeof MemoryService>;
/** A memory as a write request carries it. */
export type MemoryInit = MessageInitShape<typeof MemorySchema>;
/** A write request's fields beside its memory (what it supersedes, its request id...). */
export type WriteOptions = Omit<
  Exclude<MessageInitShape<typeof WriteMemoryRequestSchema>, WriteMemoryRequest>,
  "memory"
>;

/** A fresh contact's notes: a subject no other test writes about, so none sees another's memories. */
export function aSubject() {
  return { subjectType: "contact", subjectId: `s-${randomUUID()}`, kind: "note" };
}

/**
 * A memory no other write touches: a note with content of its own about a fresh contact, then
 * the test's fields (a test names only what it is about).
 */
export function aMemory<E extends MemoryInit>(fields: E = {} as E) {
  return { ...aSubject(), content: `content ${randomUUID()}`, ...fields };
}

/**
 * A note that gives the graph something to tally: a fresh contact, a person and an organisation
 * named in its content, and a fresh linked project.
 */
export function aNamingNote() {
  return {
    subjectType: "contact",
    subjectId: `ana-${randomUUID()}`,
    kind: "note",
    content: "Ana Lopez from Fjord Labs called about the renewal",
    linkedEntities: [{ type: "project", id: `renewal-${randomUUID()}` }],
  };
}

/**
 * Content at the limit (50,000 characters), all but `head` of four bytes: about 200 KB, the
 * largest a memory holds (what bounds a page of them).
 */
export function largestContent(head: string): string {
  return `${head} ${"\u{1F600}".repeat(50_000 - head.length - 1)}`;
}

/** A note about a contact, the memory most tests write, with the test's other fields. */
export function aNote<E extends MemoryInit>(subjectId: string, content: string, extra: E = {} as E) {
  return { subjectType: "contact", subjectId, kind: "note", content, ...extra };
}

/** A fact about a contact: what supersession and validity windows are about. */
export function aFact<E extends MemoryInit>(subjectId: string, content: string, extra: E = {} as E) {
  return aNote(subjectId, content, { kind: "fact", ...extra });
}

/** A write request (or batch item) for a note, with the request's own fields (supersedes, ttl). */
export function aNoteWrite(subjectId: string, content: string, extra: MemoryInit = {}, request: WriteOptions = {}) {
  return { memory: aNote(subjectId, content, extra), ...request };
}

/** Writes one memory and returns it as stored. */
export async function writeMemory(client: MemoryClient, memory: MemoryInit): Promise<Memory> {
  const { memory: written } = await client.writeMemory({ memory });
  return written!;
}

/** Writes a note about a contact and returns its id. */
export async function writeNote(
  client: MemoryClient,
  subjectId: string,
  content: string,
  extra: MemoryInit = {},
): Promise<string> {
  return (await writeMemory(client, aNote(subjectId, content, extra))).id;
}

/**
 * Writes the memories in batches of `batchSize`, asserting every item was written (a seed that
 * silently lost one would make the test's counts wrong for another reason).
 */
export async function writeMany(client: MemoryClient, memories: MemoryInit[], batchSize = 100): Promise<void> {
  for (let i = 0; i < memories.length; i += batchSize) {
    const { results } = await client.batchWriteMemories({
      requests: memories.slice(i, i + batchSize).map((memory) => ({ memory })),
    });
    expect(results.every((r) => r.result.case === "response")).toBe(true);
  }
}

/** The rows the memories table holds about a subject, whatever their state: what a refused call must not add. */
export async function rowsAbout(db: Database, subjectId: string): Promise<number> {
  const rows = await db.em
    .fork()
    .getConnection()
    .execute<{ n: string | number }[]>("select count(*) as n from memories where subject_id = ?", [subjectId]);
  return Number(rows[0]?.n);
}
