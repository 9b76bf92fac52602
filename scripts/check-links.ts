// Fails when a relative link or #anchor in README.md, docs/**/*.md or bench/README.md does not
// resolve: the file (or folder) must exist, and an anchor must name a heading of the target page
// as GitHub names it. Part of `npm run lint`. Links to other sites are not fetched.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** The page without fenced code blocks, where "#" starts no heading and brackets are no link. */
const withoutFences = (text: string) => text.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
/** ... and without inline code either. */
const prose = (text: string) => withoutFences(text).replace(/`[^`\n]*`/g, "");

/** GitHub's anchor for a heading: its text in lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*`]/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/ /g, "-");
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    anchors = new Set();
    const seen = new Map<string, number>();
    for (const [, heading] of withoutFences(readFileSync(file, "utf8")).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
      const base = slug(heading ?? "");
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** What is wrong with one link target, or undefined when it resolves. */
function problem(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:, ...
  const [path = "", anchor] = target.split("#", 2);
  const resolved = path === "" ? file : join(path.startsWith("/") ? root : dirname(file), decodeURI(path));
  if (!existsSync(resolved)) return `no such file: ${relative(root, resolved)}`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) return undefined;
  return anchorsOf(resolved).has(anchor) ? undefined : `no heading for #${anchor} in ${relative(root, resolved)}`;
}

const files = [join(root, "README.md"), join(root, "bench/README.md"), ...markdownFiles(join(root, "docs"))];
let broken = 0;
for (const file of files) {
  const text = prose(readFileSync(file, "utf8"));
  // Inline links and images: [text](target "title"), with the target up to a space or ")".
  for (const [, target] of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const why = problem(file, target ?? "");
    if (why !== undefined) {
      console.error(`${relative(root, file)}: (${target}) ${why}`);
      broken++;
    }
  }
}
console.error(`links: ${files.length} pages checked, ${broken} broken`);
process.exitCode = broken > 0 ? 1 : 0;
