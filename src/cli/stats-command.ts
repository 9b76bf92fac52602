import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Command } from "commander";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { MemoryStatsRepository, totals, type MemoryTotals } from "../memory/stats/stats.repository.js";
import { openTarget, withTargetOptions, type Target, type TargetOptions } from "./target.js";
import { refusedBy, textTable } from "./text-output.js";

const COLUMNS = ["workspace", "active", "deleted", "expired", "superseded", "embedding backlog", "embedding failed"];

/** `engram stats`: memories by workspace and state, the embedding backlog, and the model. */
export function statsCommand(): Command {
  return withTargetOptions(
    new Command("stats").description(
      "memories by workspace and state, embedding backlog and model (through a server: its admin key's workspace)",
    ),
  ).action(async (o: TargetOptions) => {
    process.stdout.write(await report(await openTarget(o)));
  });
}

async function report(target: Target): Promise<string> {
  if (target.kind === "server") {
    const client = createClient(MemoryService, createConnectTransport({ baseUrl: target.url, httpVersion: "1.1" }));
    const stats = await client
      .getMemoryStats({}, { headers: { authorization: `Bearer ${target.adminKey}` } })
      .catch((err: unknown) => Promise.reject(refusedBy(target.holder, err)));
    const row = {
      active: Number(stats.active),
      deleted: Number(stats.deleted),
      expired: Number(stats.expired),
      superseded: Number(stats.superseded),
      embeddingBacklog: Number(stats.embeddingBacklog),
      embeddingFailed: Number(stats.embeddingFailed),
    };
    const embedder = !stats.embedderConfigured
      ? "none (searches are KEYWORD)"
      : stats.embeddingModel === ""
        ? "configured, not ready yet (searches are KEYWORD until it is)"
        : `${stats.embeddingModel} (ready)`;
    return table([[stats.workspaceId, row]]) + `embedder: ${embedder}\n`;
  }
  try {
    const repository = new MemoryStatsRepository(target.db.em.fork());
    const counts = await repository.counts(new Date());
    const workspaces = [...new Set(counts.map((c) => c.workspaceId))];
    const rows: [string, MemoryTotals][] = workspaces.map((w) => [
      w,
      totals(counts.filter((c) => c.workspaceId === w)),
    ]);
    if (workspaces.length !== 1) rows.push(["(all)", totals(counts)]);
    const models = await repository.embeddingModels();
    const stored = models.length === 0 ? "none" : models.map((m) => `${m.model} (${m.count})`).join(", ");
    return table(rows) + `vectors stored by: ${stored}\n`;
  } finally {
    await target.db.close();
  }
}

function table(rows: readonly [string, MemoryTotals][]): string {
  const cells = rows.map(([workspace, t]) => [
    workspace,
    ...[t.active, t.deleted, t.expired, t.superseded, t.embeddingBacklog, t.embeddingFailed].map(String),
  ]);
  return textTable([COLUMNS, ...cells], [1, 2, 3, 4, 5, 6]);
}
