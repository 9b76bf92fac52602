import { createInterface } from "node:readline/promises";
import { create, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient, type CallOptions, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Presets, SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import { z } from "zod";
import {
  EraseMemoriesRequestSchema,
  ErasureCountsSchema,
  MemoryService,
  type ErasureReceipt,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { argParser } from "../option-parsers.js";
import { serverKey, withServerOptions, type ServerCallOptions } from "./server-call.js";
import { refusedBy, textTable } from "./text-output.js";

interface EraseOptions extends ServerCallOptions {
  id?: string[];
  subjectType?: string;
  subjectId?: string;
  kind?: string[];
  tag?: string[];
  anyTag?: string[];
  mentions?: { type: string; id: string };
  owner?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  agent?: string;
  dryRun?: boolean;
  yes?: boolean;
}

type EraseRequest = MessageInitShape<typeof EraseMemoriesRequestSchema>;

/** The flags that select by filter; --id names memories instead, so it takes none of them. */
const FILTER_FLAGS = ["subjectType", "subjectId", "kind", "tag", "anyTag", "mentions", "owner"];
const BOUNDS = ["createdAfter", "createdBefore"];

const entityRef = argParser(
  z
    .string()
    .regex(/^[^:]+:.+$/, 'expected an entity as "type:id", e.g. "person:maria silva"')
    .transform((value) => ({ type: value.slice(0, value.indexOf(":")), id: value.slice(value.indexOf(":") + 1) })),
);

const instant = argParser(
  z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], {
      error: "expected an RFC 3339 time or a date, e.g. 2026-01-31T12:00:00Z or 2026-01-31",
    })
    .transform((value) => new Date(value)),
);

/** `engram erase`: EraseMemories through a running server, with a confirmation unless --yes. */
export function eraseCommand(): Command {
  const command = new Command("erase")
    .description(
      "erase memories for good, by --id or by filter flags: their content, revisions, change-log entries, " +
        "staged writes and entity mentions. Erasure cannot be undone: try --dry-run first",
    )
    .addOption(
      new Option("--id <ids...>", "the memories to erase (up to 1000)").conflicts([...FILTER_FLAGS, ...BOUNDS]),
    )
    .option("--subject-type <type>", "memories about subjects of this type")
    .option("--subject-id <id>", "memories about this subject")
    .option("--kind <kinds...>", "memories of any of these kinds")
    .option("--tag <tags...>", "memories with all of these tags")
    .option("--any-tag <tags...>", "memories with at least one of these tags")
    .option("--mentions <type:id>", "memories that mention this entity, in any role", entityRef)
    .option("--owner <agent>", "only memories this agent owns")
    .option("--created-after <time>", "only memories created at or after this time", instant)
    .option("--created-before <time>", "only memories created before this time", instant)
    .option("--agent <agent>", "the acting agent (whose private memories the key may erase)")
    .option("--dry-run", "count what would be erased, and erase nothing")
    .option("--yes", "erase without asking (required when stdin is not a terminal)");
  return withServerOptions(command, "a key with the memory:erase scope")
    .addHelpText(
      "after",
      "\nErasure cannot be undone: unlike a delete, what it erases is gone from every\n" +
        "store, its history included. Only a receipt is kept: counts per store and a\n" +
        "digest of the erased ids, no content. Without --yes it first shows what would\n" +
        "be erased and asks; when stdin is not a terminal it refuses.\n\n" +
        "Examples:\n" +
        "  engram erase --subject-type contact --subject-id sarah --dry-run\n" +
        '  engram erase --mentions "person:sarah connor" --created-before 2026-01-01 --yes',
    )
    .action(async (o: EraseOptions) => {
      const request = eraseRequest(o);
      if (!o.dryRun && !o.yes && !process.stdin.isTTY) {
        throw new Error(
          "erasure cannot be undone and stdin is not a terminal to confirm it on: pass --yes to erase, " +
            "or --dry-run to see what would be erased; nothing was erased",
        );
      }
      const apiKey = await serverKey(o);
      const client = createClient(MemoryService, createConnectTransport({ baseUrl: o.url, httpVersion: "1.1" }));
      const eraser = new Eraser(client, { headers: { authorization: `Bearer ${apiKey}` } }, `the server at ${o.url}`);
      if (!o.dryRun && !o.yes) {
        const preview = await eraser.run({ ...request, dryRun: true });
        if (preview.counts?.memories === 0n) {
          process.stdout.write(receiptText(preview));
          return;
        }
        await confirm(preview);
      }
      process.stdout.write(receiptText(await eraser.run({ ...request, dryRun: o.dryRun ?? false })));
    });
}

/** The request the flags describe: the ids, or a filter with its bounds (the server refuses one that narrows nothing). */
function eraseRequest(o: EraseOptions): EraseRequest {
  if (o.id !== undefined) return { ids: o.id, agentId: o.agent ?? "" };
  return {
    filter: {
      agentId: o.agent ?? "",
      subjectType: o.subjectType ?? "",
      subjectId: o.subjectId ?? "",
      kinds: o.kind ?? [],
      tags: o.tag ?? [],
      anyTags: o.anyTag ?? [],
      mentions: o.mentions,
    },
    ownerAgentId: o.owner ?? "",
    createdAfter: o.createdAfter === undefined ? undefined : timestampFromDate(o.createdAfter),
    createdBefore: o.createdBefore === undefined ? undefined : timestampFromDate(o.createdBefore),
  };
}

/** Runs one EraseMemories stream to its receipt, drawing its progress on a terminal. */
class Eraser {
  constructor(
    private readonly client: Client<typeof MemoryService>,
    private readonly call: CallOptions,
    private readonly holder: string,
  ) {}

  async run(request: EraseRequest): Promise<ErasureReceipt> {
    // On stderr and only on a terminal (cli-progress draws nothing elsewhere): piped output stays clean.
    const bar = new SingleBar(
      { format: "erasing {bar} {value}/{total} memories | {eta_formatted} left", stream: process.stderr },
      Presets.shades_classic,
    );
    let erased = 0n;
    try {
      for await (const { event } of this.client.eraseMemories(request, this.call)) {
        if (event.case === "receipt") return event.value;
        if (event.case !== "progress") continue;
        // A bar only while batches remain: a one-batch erasure is over before a bar could be read.
        if (erased === 0n && event.value.erased < event.value.total) {
          bar.start(Number(event.value.total), Number(event.value.erased));
        }
        bar.update(Number(event.value.erased));
        erased = event.value.erased;
      }
    } catch (err) {
      const refused = refusedBy(this.holder, err);
      if (erased === 0n) throw refused;
      // Each batch commits with its receipt: what was erased stays erased and on record.
      throw new Error(
        `${refused.message}; ${erased} memories were erased before it stopped (GET /v1/erasure-receipts ` +
          "has the receipt): run the same command again to erase the rest",
        { cause: err },
      );
    } finally {
      bar.stop();
    }
    throw new Error(`${this.holder} ended the erasure without a receipt`);
  }
}

/** Shows what a dry run found and asks on the terminal; anything but yes erases nothing. */
async function confirm(preview: ErasureReceipt): Promise<void> {
  process.stderr.write(countsTable(preview, "would erase"));
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Erase ${preview.counts?.memories ?? 0n} memories for good? This cannot be undone. [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) throw new Error("not confirmed: nothing was erased");
  } finally {
    prompt.close();
  }
}

/** The receipt as an operator reads it: its id, rows per store, the ids' digest and the time taken. */
function receiptText(receipt: ErasureReceipt): string {
  const head = receipt.dryRun
    ? "dry run: nothing was erased\n"
    : `erasure ${receipt.id}${receipt.complete ? "" : " (incomplete: run it again to erase the rest)"}\n`;
  const ms = Number(receipt.duration?.seconds ?? 0n) * 1000 + (receipt.duration?.nanos ?? 0) / 1e6;
  const batches = `${receipt.batches} batch${receipt.batches === 1 ? "" : "es"}`;
  return (
    head +
    countsTable(receipt, receipt.dryRun ? "would erase" : "erased") +
    `erased ids digest: ${receipt.erasedIdsDigest}\n` +
    `duration: ${(ms / 1000).toFixed(3)} s, ${batches}\n`
  );
}

function countsTable(receipt: ErasureReceipt, verb: string): string {
  // Every store the counts name, in the schema's order (int64s are strings in JSON).
  const counts = toJson(ErasureCountsSchema, receipt.counts ?? create(ErasureCountsSchema), {
    useProtoFieldName: true,
    alwaysEmitImplicit: true,
  }) as Record<string, string>;
  const rows = Object.entries(counts).map(([store, n]) => [store.replaceAll("_", " "), n]);
  return textTable([["store", verb], ...rows], [1]);
}
