import { createReadStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { Presets, SingleBar } from "cli-progress";
import { Command, Option } from "commander";
import { ExportMemoriesResponseSchema, type ExportMemoriesResponse } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { lettaItems } from "../importers/letta.js";
import { mem0Items } from "../importers/mem0.js";
import { batchLimits, importBatches, sizeOf, type BatchLimits, type NumberedItem } from "./import-batches.js";
import { memoryPorterFor, type MemoryPorter } from "./memory-porter.js";
import { openTarget, withTargetOptions, type TargetOptions } from "./target.js";

const WORKSPACE_HELP = "the workspace (default: default, or the admin key's through a server)";

interface ExportOptions extends TargetOptions {
  workspace?: string;
  agent?: string;
  subjectType?: string;
  subjectId?: string;
  kind?: string[];
  activeOnly?: boolean;
}

/** `engram export > memories.jsonl`: one ExportMemoriesResponse as JSON per line. */
export function exportCommand(): Command {
  return withTargetOptions(
    new Command("export")
      .description("write a workspace's memories to stdout as JSON lines, every field and vector included")
      .option("--workspace <id>", WORKSPACE_HELP)
      .option("--agent <id>", "only the memories this agent owns")
      .option("--subject-type <type>", "only memories about subjects of this type")
      .option("--subject-id <id>", "only memories about this subject")
      .option("--kind <kinds...>", "only memories of these kinds")
      .option("--active-only", "leave deleted, expired and superseded memories out"),
  ).action(async (o: ExportOptions) => {
    const porter = await memoryPorterFor(await openTarget(o), o.workspace);
    const filter = {
      agentId: o.agent ?? "",
      subjectType: o.subjectType ?? "",
      subjectId: o.subjectId ?? "",
      kinds: o.kind ?? [],
      showDeleted: !o.activeOnly,
      showExpired: !o.activeOnly,
      includeSuperseded: !o.activeOnly,
    };
    const bar = progressBar("exporting {value} memories | {duration_formatted}");
    bar.start(0, 0);
    let exported = 0;
    try {
      for await (const item of porter.export(filter)) {
        // Waits when stdout is full, so a slow pipe holds the export back rather than memory filling.
        if (!process.stdout.write(toJsonString(ExportMemoriesResponseSchema, item) + "\n")) {
          await once(process.stdout, "drain");
        }
        bar.update(++exported);
      }
    } finally {
      bar.stop();
      await porter.close();
    }
    process.stderr.write(`exported ${exported} memories from workspace ${porter.workspaceId}\n`);
  });
}

interface ImportOptions extends TargetOptions {
  workspace?: string;
  from: "engram" | "mem0" | "letta";
  history?: string;
  agent?: string;
}

/** `engram import memories.jsonl`: what export wrote (or another system's file), in batches that each succeed or fail whole. */
export function importCommand(): Command {
  return withTargetOptions(
    new Command("import")
      .description(
        "store memories exported by `engram export` as they were (ids, times, revisions, vectors), or another " +
          "system's (--from); importing a file again changes nothing",
      )
      .argument("<file>", "JSON lines from engram export ('-' for stdin), or the --from system's file")
      .option("--workspace <id>", WORKSPACE_HELP)
      .addOption(
        new Option("--from <system>", "the file's system: engram, mem0 (get_all output) or letta (.af, passages)")
          .choices(["engram", "mem0", "letta"])
          .default("engram"),
      )
      .option("--history <file>", "mem0: Memory.history output for the memories (one list, or one per memory id)")
      .option("--agent <id>", "mem0 and letta: the agent owning memories the file names no agent for"),
  ).action(async (file: string, o: ImportOptions) => {
    const foreign = o.from === "engram" ? null : await foreignItems(file, o);
    const target = await openTarget(o);
    const limits = batchLimits(target.kind === "server", (n) => (foreign === null ? `${file}:${n}` : `memory ${n}`));
    const porter = await memoryPorterFor(target, o.workspace);
    const items = () => (foreign === null ? fileItems(file) : numbered(foreign));
    const bar = progressBar("importing {bar} {value}/{total} memories | {eta_formatted} left");
    const sums = { created: 0, replaced: 0, unchanged: 0, vectorsKept: 0 };
    try {
      // Read through once first, so that a malformed line, or a memory too large for one request,
      // refuses the file before anything is imported (stdin can be read only once).
      bar.start(file === "-" && foreign === null ? 0 : await checkedCount(items(), limits), 0);
      for await (const { items: batch, firstNumber } of importBatches(items(), limits)) {
        const result = await importBatch(porter, batch, firstNumber, foreign === null ? "lines" : "memories");
        sums.created += result.created;
        sums.replaced += result.replaced;
        sums.unchanged += result.unchanged;
        sums.vectorsKept += result.vectorsKept;
        bar.increment(batch.length);
      }
    } finally {
      bar.stop();
      await porter.close();
    }
    process.stderr.write(
      `imported into workspace ${porter.workspaceId}: ${sums.created} created, ${sums.replaced} replaced, ` +
        `${sums.unchanged} unchanged, ${sums.vectorsKept} with their vectors\n`,
    );
  });
}

/** Another system's file as the items engram export would have written for its memories (src/importers/). */
async function foreignItems(file: string, o: ImportOptions): Promise<ExportMemoriesResponse[]> {
  const read = async (path: string) => ({ text: await boundedText(path), file: path });
  if (o.history !== undefined && o.from !== "mem0") throw new Error("--history is for --from mem0");
  if (o.from === "letta") return lettaItems(await read(file), o.agent);
  const history = o.history === undefined ? undefined : await read(o.history);
  return mem0Items({ memories: await read(file), history, agentId: o.agent });
}

/**
 * Another system's file is parsed whole (its JSON is one document): past this size a file would
 * take several times as much memory to parse, so it is refused with what to do instead.
 */
const MAX_FOREIGN_FILE_BYTES = 256 * 1024 * 1024;

/** The file's text ('-': stdin), refused past MAX_FOREIGN_FILE_BYTES before it is all read. */
async function boundedText(path: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of path === "-" ? process.stdin : createReadStream(path)) {
    size += (chunk as Buffer).length;
    if (size > MAX_FOREIGN_FILE_BYTES) {
      throw new Error(
        `${path} is over ${MAX_FOREIGN_FILE_BYTES / 2 ** 20} MiB: split it (by user or agent) and import each part`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Another system's memories, numbered from 1. */
function* numbered(items: ExportMemoriesResponse[]): Generator<NumberedItem> {
  for (const [i, item] of items.entries()) yield { item, number: i + 1 };
}

async function importBatch(porter: MemoryPorter, items: ExportMemoriesResponse[], firstLine: number, unit: string) {
  try {
    return await porter.import(items);
  } catch (err) {
    const lines = `${unit} ${firstLine}-${firstLine + items.length - 1}`;
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${lines} were not imported (${message}); the lines before them were: fix the file and import it again`,
      { cause: err },
    );
  }
}

/** The file's memories ('-': stdin), each numbered by its line. */
async function* fileItems(file: string): AsyncGenerator<NumberedItem> {
  const input = file === "-" ? process.stdin : createReadStream(file);
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    if (line.trim() === "") continue;
    yield { item: parseLine(line, lineNumber, file), number: lineNumber };
  }
}

function parseLine(line: string, lineNumber: number, file: string): ExportMemoriesResponse {
  try {
    return fromJsonString(ExportMemoriesResponseSchema, line);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${file}:${lineNumber}: not a memory from engram export: ${why}`, { cause: err });
  }
}

/** How many memories there are, each parsed and sized against the limits. */
async function checkedCount(items: AsyncIterable<NumberedItem> | Iterable<NumberedItem>, limits: BatchLimits) {
  let count = 0;
  for await (const item of items) {
    sizeOf(item, limits);
    count++;
  }
  return count;
}

/** On stderr, and only on a terminal: piped or redirected output stays clean. */
function progressBar(format: string): SingleBar {
  return new SingleBar({ format, stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
}
