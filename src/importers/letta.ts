import type { JsonObject } from "@bufbuild/protobuf";
import { z } from "zod";
import { Visibility } from "../../gen/ts/engram/v1/memory_pb.js";
import type { ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { checked, fieldOf, ForeignFormatError, foreignItem, importedId, parsedJson, timeOf } from "./foreign-memory.js";

/*
 * Letta's memories: an agent's core memory blocks from an Agent File (.af: the current format,
 * blocks beside the agents that name them by id, or the first, one agent with `core_memory`),
 * and archival passages as its API lists them (a JSON list: .af files hold none). A block is a
 * keyed memory of its agent (key: its label); a passage is an "archival" memory.
 */

const text = z.string().nullish();
const record = z.record(z.string(), z.unknown()).nullish();

const Block = z.looseObject({
  id: text,
  label: z.string().min(1).max(512),
  value: z.string().max(50_000),
  limit: z.number().nullish(),
  description: text,
  read_only: z.boolean().nullish(),
  metadata: record,
  metadata_: record,
  created_at: text,
  updated_at: text,
});
type Block = z.output<typeof Block>;

const AgentFile = z.looseObject({
  agents: z.array(z.looseObject({ id: z.string(), name: z.string().min(1).max(256), block_ids: z.array(z.string()) })),
  blocks: z.array(Block),
  created_at: text,
});
const FirstAgentFile = z.looseObject({
  name: z.string().min(1).max(256),
  core_memory: z.array(Block),
  created_at: text,
  updated_at: text,
});
const Passages = z.array(
  z.looseObject({
    id: z.string().min(1),
    text: z.string().min(1).max(50_000),
    tags: z.array(z.string().min(1).max(128)).max(64).nullish(),
    metadata: record,
    metadata_: record,
    is_deleted: z.boolean().nullish(),
    created_at: text,
    updated_at: text,
  }),
);

/** The memories of a Letta file; `agentId` owns passages (which name no agent). Empty blocks are left out. */
export function lettaItems(
  { text: json, file }: { text: string; file: string },
  agentId = "",
): ExportMemoriesResponse[] {
  const value = parsedJson(json, file);
  if (Array.isArray(value)) {
    return checked(Passages, value, file, "a list of Letta passages").map((p, i) => {
      const where = `${file}: [${i}]`;
      const created = timeOf(p.created_at, `${where}.created_at`);
      const updated = timeOf(p.updated_at, `${where}.updated_at`) ?? created;
      return foreignItem({
        ...ownedBy(agentId),
        id: importedId("letta", p.id),
        kind: "archival",
        content: p.text,
        tags: p.tags ?? [],
        metadata: (p.metadata ?? p.metadata_ ?? {}) as JsonObject,
        sourceKind: "letta",
        sourceId: p.id,
        createTime: created,
        updateTime: updated,
        deleteTime: p.is_deleted ? updated : undefined,
      });
    });
  }
  if (fieldOf(value, "agents") !== undefined) {
    const parsed = checked(AgentFile, value, file, "a Letta agent file");
    const blocks = new Map(parsed.blocks.flatMap((b) => (b.id ? [[b.id, b] as const] : [])));
    return parsed.agents.flatMap((agent) =>
      agent.block_ids.flatMap((id, i) => {
        const block = blocks.get(id);
        if (block === undefined)
          throw new ForeignFormatError(`${file}: agent ${agent.id}: block_ids[${i}]: no block ${id}`);
        return blockItem(block, agent.name, parsed.created_at, `${file}: block ${id}`);
      }),
    );
  }
  const parsed = checked(
    FirstAgentFile,
    value,
    file,
    "a Letta agent file (agents and blocks, or one agent's core_memory)",
  );
  return parsed.core_memory.flatMap((block, i) =>
    blockItem(block, parsed.name, parsed.updated_at ?? parsed.created_at, `${file}: core_memory[${i}]`),
  );
}

/** The agent's own memory about itself: subject the agent, private to it. */
const ownedBy = (agent: string) => ({
  agentId: agent,
  subjectType: "agent",
  subjectId: agent,
  visibility: agent === "" ? Visibility.SHARED : Visibility.PRIVATE,
});

function blockItem(block: Block, agent: string, fileTime: string | null | undefined, where: string) {
  if (block.value.trim() === "") return [];
  const created = timeOf(block.created_at ?? fileTime, `${where}.created_at`);
  const letta: JsonObject = { label: block.label };
  if (block.description) letta.description = block.description;
  if (block.limit !== null && block.limit !== undefined) letta.limit = block.limit;
  if (block.read_only) letta.read_only = true;
  return [
    foreignItem({
      ...ownedBy(agent),
      id: importedId("letta", `${agent}/blocks/${block.label}`),
      kind: "core_memory",
      key: block.label,
      content: block.value,
      metadata: { ...((block.metadata ?? block.metadata_ ?? {}) as JsonObject), letta },
      sourceKind: "letta",
      sourceId: block.id ?? block.label,
      createTime: created,
      updateTime: timeOf(block.updated_at, `${where}.updated_at`) ?? created,
    }),
  ];
}
