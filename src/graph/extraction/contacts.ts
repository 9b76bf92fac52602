/**
 * Emails and URLs, by rule: they have a syntax, so a library would add nothing but cost.
 * The content is cut into whitespace-separated tokens and each token is checked whole against
 * anchored patterns with bounded repeats, so no input can make a pattern backtrack for long:
 * the cost is linear in the content.
 */
import type { Span } from "./names.js";

/** A token longer than this is not an address anyone reads (and is skipped unchecked). */
export const MAX_TOKEN_CHARS = 2048;

const LOCAL = "[A-Za-z0-9_%+-]{1,64}(?:\\.[A-Za-z0-9_%+-]{1,64}){0,16}";
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST = `(?:${LABEL}\\.){1,8}[A-Za-z]{2,24}`;
const EMAIL = new RegExp(`^${LOCAL}@${HOST}$`, "u");
/** A URL with a scheme or "www.": any host, any path. */
const SCHEMED = new RegExp(`^(?:https?://|ftp://|www\\.)[^\\s/?#]{1,253}(?:[/?#]\\S*)?$`, "iu");
/**
 * A bare domain ("acme.io", "portal.example.org/partners") counts only in lower case and with a
 * top-level domain from this list: "CHANGELOG.md", "Node.js", "ASP.NET" and "e.g." are not links.
 */
const BARE_TLDS = [
  "com",
  "org",
  "net",
  "io",
  "dev",
  "app",
  "ai",
  "co",
  "uk",
  "de",
  "fr",
  "es",
  "it",
  "nl",
  "eu",
  "us",
  "ca",
  "au",
  "nz",
  "ie",
  "be",
  "at",
  "ch",
  "se",
  "dk",
  "fi",
  "jp",
  "cn",
  "in",
  "br",
  "mx",
  "sg",
  "hk",
  "za",
  "edu",
  "gov",
  "info",
  "biz",
  "xyz",
  "me",
  "tv",
  "cloud",
  "tech",
  "ly",
].join("|");
const BARE = new RegExp(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.){1,8}(?:${BARE_TLDS})(?:/\\S*)?$`, "u");

/** Wrapping punctuation that is the sentence's, not the address's. */
const OPENERS = /^[("'“‘<[{]+/u;
const CLOSERS = /[)"'”’>\]}.,;:!?]+$/u;

export const findContacts = (content: string): Span[] => {
  const spans: Span[] = [];
  for (const token of content.matchAll(/\S+/gu)) {
    if (token[0].length > MAX_TOKEN_CHARS) continue;
    const lead = token[0].length - token[0].replace(OPENERS, "").length;
    let core = token[0].slice(lead).replace(CLOSERS, "");
    // A closing bracket belongs to the URL only when the URL opened one ("wiki/Foo_(bar)").
    if (token[0].slice(lead + core.length).startsWith(")") && core.includes("(")) core += ")";
    const type = EMAIL.test(core) ? "email" : SCHEMED.test(core) || BARE.test(core) ? "url" : undefined;
    if (type === undefined) continue;
    const start = token.index + lead;
    spans.push({ type, start, end: start + core.length });
  }
  return spans;
};
