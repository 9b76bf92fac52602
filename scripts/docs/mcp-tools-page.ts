// docs/mcp-tools.md: every MCP tool with its description and arguments, from the tool list
// (MEMORY_TOOLS) and the JSON Schema the server gives models (toolArguments).
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { toolArguments } from "../../src/mcp/arguments.js";
import { MEMORY_TOOLS, type MemoryTool } from "../../src/mcp/tools.js";
import { code, generatedFrom, table } from "./markdown.js";

const WORDS = "no one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split(" ");
const inWords = (n: number) => WORDS[n] ?? String(n);

/** A schema value as text: strings as they are, numbers and the rest as JSON. */
const text = (value: JsonValue | undefined) => (typeof value === "string" ? value : JSON.stringify(value));

/** "1-128", "at most 256": a range of a schema's limits, or nothing when it has none. */
function range(min: JsonValue | undefined, max: JsonValue | undefined, unit: string): string {
  if (min !== undefined && max !== undefined) return ` (${text(min)}-${text(max)}${unit})`;
  if (max !== undefined) return ` (at most ${text(max)}${unit})`;
  if (min !== undefined) return ` (at least ${text(min)}${unit})`;
  return "";
}

/** How a JSON Schema reads in a table cell: its type and the limits the server enforces. */
function typeOf(schema: JsonObject): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonObject[]).map(typeOf).join(", or ");
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v) => v !== "unspecified");
    return `one of ${values.map((v) => code(text(v))).join(", ")}`;
  }
  if (schema.type === "array") {
    const items = typeof schema.items === "object" && schema.items !== null ? typeOf(schema.items as JsonObject) : "";
    const most = schema.maxItems !== undefined ? `up to ${text(schema.maxItems)} ` : "";
    return `list of ${most}${items}`;
  }
  if (schema.format === "date-time") return "time (RFC 3339)";
  if (schema.type === "string") return `string${range(schema.minLength, schema.maxLength, " characters")}`;
  return `${text(schema.type ?? "object")}${range(schema.minimum, schema.maximum, "")}`;
}

/** Text as Markdown shows it: "subject_id=<uuid>" is not an HTML tag. */
const prose = (text: string) => text.replace(/</g, "\\<");

function hints(tool: MemoryTool): string {
  const words = [tool.readOnly ? "read-only" : "writes"];
  if (tool.destructive === true) words.push("destructive");
  if (tool.idempotent === true) words.push("idempotent");
  return words.join(", ");
}

function toolSection(tool: MemoryTool): string {
  const { schema } = toolArguments(tool);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(schema.properties as Record<string, JsonObject>).map(([name, arg]) => {
    const description = typeof arg.description === "string" ? arg.description : "";
    // An argument named by its alias has no other name to accept; times and enums say it in their type.
    const said = description.startsWith("Also accepted as") || description.startsWith("RFC 3339");
    const note = said || Array.isArray(arg.enum) ? "" : description;
    return [code(name), typeOf(arg), required.has(name) ? "yes" : "", prose(note)];
  });
  const argumentsTable = rows.length > 0 ? table(["argument", "type", "required", "notes"], rows) : "No arguments.";
  return `## ${tool.name}

**${tool.title}** (${hints(tool)}; calls ${code(`${tool.method.parent.typeName}.${tool.method.name}`)})

${prose(tool.description)}

${argumentsTable}
`;
}

export function mcpToolsPage(): string {
  return `# MCP tools

${generatedFrom("the tool list, `src/mcp/tools.ts`, and each tool's request message")}

The ${inWords(MEMORY_TOOLS.length)} tools an MCP client gets, over Streamable HTTP at \`/mcp\` or through \`engram mcp\` over stdio ([mcp.md](mcp.md)). Each calls one RPC as the caller's key, so its scopes, agent binding and the visibility rule apply; an argument outside its limits is a tool error naming it. Arguments use the REST names (\`agent_registry_id\`, \`kind\`, \`tag\`).

${MEMORY_TOOLS.map((tool) => `- [${tool.name}](#${tool.name}): ${tool.title}`).join("\n")}

${MEMORY_TOOLS.map(toolSection).join("\n")}`;
}
