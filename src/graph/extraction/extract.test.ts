import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractNames, MAX_ANALYSED_CHARS, MAX_NAMES } from "./extract.js";
import { MAX_NAME_CHARS, type ExtractedName } from "./names.js";

const pairs = (names: ExtractedName[]) => names.map((n) => [n.type, n.name]);

describe("extractNames", () => {
  it("finds the person and the company of the example, without the role or the full stop", () => {
    const names = extractNames("John Smith is the CTO of Acme Corp. He joined in 2022.");
    expect(pairs(names)).toEqual([
      ["person", "John Smith"],
      ["organization", "Acme Corp"],
    ]);
    expect(names[1]?.text).toBe("Acme Corp");
  });

  it("finds emails and URLs by rule, without the sentence's punctuation", () => {
    const text =
      "Mail jane.doe@example.com or sales@brightpath.co.uk; docs at https://docs.example.com/v2?x=1#a, " +
      "(https://example.org/faq) and www.acme.com. See acme.io.";
    expect(pairs(extractNames(text))).toEqual([
      ["email", "jane.doe@example.com"],
      ["email", "sales@brightpath.co.uk"],
      ["url", "https://docs.example.com/v2?x=1#a"],
      ["url", "https://example.org/faq"],
      ["url", "www.acme.com"],
      ["url", "acme.io"],
    ]);
  });

  it("takes no file name, version or malformed address for a link or an email", () => {
    const text = "See CHANGELOG.md and Node.js 2.3.1; bob@@example..com bounced; C:\\Users\\alex\\report.pdf";
    expect(extractNames(text).filter((n) => n.type === "email" || n.type === "url")).toEqual([]);
  });

  it("does not take a name inside an address for a name of its own", () => {
    expect(pairs(extractNames("Write to paris@acme.com today."))).toEqual([["email", "paris@acme.com"]]);
  });

  it("drops possessives, titles and the words before a name, keeping the exact text", () => {
    const text = "Google's team met Dr. Alice Wong, and my sister Rachel lives in Paris.";
    const names = extractNames(text);
    expect(pairs(names)).toEqual([
      ["organization", "Google"],
      ["person", "Alice Wong"],
      ["person", "Rachel"],
      ["place", "Paris"],
    ]);
    for (const n of names) expect(text).toContain(n.text);
  });

  it("splits 'City, Region' into two places", () => {
    expect(pairs(extractNames("SpaceX is headquartered in Hawthorne, California."))).toContainEqual([
      "place",
      "California",
    ]);
    expect(pairs(extractNames("SpaceX is headquartered in Hawthorne, California."))).toContainEqual([
      "place",
      "Hawthorne",
    ]);
  });

  it("types unknown proper nouns by the word before them or a company word", () => {
    const names = pairs(extractNames("Spoke to Mark at Hooli about the pilot in Sapa. Bloom Analytics called."));
    expect(names).toContainEqual(["organization", "Hooli"]);
    expect(names).toContainEqual(["place", "Sapa"]);
    expect(names).toContainEqual(["organization", "Bloom Analytics"]);
  });

  it("returns each name once, at its first mention, whatever its case", () => {
    const names = extractNames("Acme Corp called. ACME CORP called again. acme corp's invoice is late.");
    expect(names.filter((n) => n.type === "organization")).toEqual([
      { type: "organization", name: "Acme Corp", text: "Acme Corp" },
    ]);
  });

  it("returns at most MAX_NAMES names", () => {
    const text = Array.from({ length: 200 }, (_, i) => `user${i}@example.com`).join(" ");
    const names = extractNames(text);
    expect(names).toHaveLength(MAX_NAMES);
    expect(names[0]?.name).toBe("user0@example.com");
  });

  it("reads only the first MAX_ANALYSED_CHARS characters", () => {
    const filler = "The weather was fine. ".repeat(Math.ceil(MAX_ANALYSED_CHARS / 22));
    const names = extractNames(`early@example.com ${filler} late@example.com`);
    expect(names.map((n) => n.name)).toEqual(["early@example.com"]);
  });

  it("finds nothing where there is nothing", () => {
    expect(extractNames("")).toEqual([]);
    expect(extractNames("The customer is happy with onboarding but wants faster replies.")).toEqual([]);
  });

  it("never throws, and returns bounded names that stand in the content, on any string", () => {
    const alphabet = fc.constantFrom(..."aZ é,.'’@:/-_()\n\t\u0000\u200b😀İſ#?".split(""));
    const strings = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: alphabet, maxLength: 500 }),
      fc
        .array(fc.constantFrom("Acme", "Corp.", "John", "Paris", "at", "in", "a@b.io", "https://x.y/", "'s", ","), {
          maxLength: 80,
        })
        .map((w) => w.join(" ")),
    );
    fc.assert(
      fc.property(strings, (text) => {
        // Three checks a run, whatever names it finds: the same count every run, and a failure
        // lists every offending name at once.
        const names = extractNames(text);
        expect(names.length).toBeLessThanOrEqual(MAX_NAMES);
        expect(names.filter((n) => !text.includes(n.text))).toEqual([]);
        expect(names.filter((n) => n.name.length > MAX_NAME_CHARS || n.name.trim() === "")).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  // How long extraction takes is measured by npm run bench:entities, not asserted here.
  it("reads huge and hostile input only as far as MAX_ANALYSED_CHARS, and never throws", () => {
    const hostile = [
      "A".repeat(200_000),
      "Abc Def, ".repeat(30_000),
      "a.".repeat(100_000) + "@",
      "x@" + "a-".repeat(100_000),
      "https://" + "a".repeat(200_000),
      "\u0000\u0001\u001f".repeat(50_000),
      "😀".repeat(100_000),
    ];
    for (const text of hostile) {
      const past = `${text} Contact Zelda Quartermaine at zq@example.com.`;
      expect(() => extractNames(past)).not.toThrow();
      expect(extractNames(past)).toEqual(extractNames(text));
    }
  });

  it("treats a value that is not a string as empty (JavaScript callers)", () => {
    expect(extractNames(undefined as unknown as string)).toEqual([]);
    expect(extractNames(42 as unknown as string)).toEqual([]);
  });
});
