import { describe, expect, it } from "vitest";
import { nameWords, QueryNames } from "./entity-names.js";

describe("QueryNames", () => {
  it("matches a name whatever its case and punctuation", () => {
    const query = new QueryNames("What did ACME Corp. say about pricing?");
    expect(query.names(["acme-corp"])).toBe(true);
    expect(query.names(["Acme_Corp"])).toBe(true);
    expect(query.names(["acme corp"])).toBe(true);
    expect(new QueryNames("what did caroline research").names(["Caroline"])).toBe(true);
    expect(new QueryNames("Caroline's plans?").names(["CAROLINE"])).toBe(true);
  });

  it("ignores stop words on both sides", () => {
    expect(new QueryNames("news from the Globex group").names(["The Globex Group"])).toBe(true);
    expect(new QueryNames("what about it?").names(["the"])).toBe(false);
    expect(new QueryNames("what about it?").names(["", "of the"])).toBe(false);
  });

  it("is empty when the query holds only stop words and punctuation: then it names nothing", () => {
    expect(new QueryNames("What about it?!").empty).toBe(true);
    expect(new QueryNames("").empty).toBe(true);
    expect(new QueryNames("what about Initech?").empty).toBe(false);
  });

  it("needs every identifying word of a name, and any one of the names", () => {
    const query = new QueryNames("renewal risk at Initech");
    expect(query.names(["initech-renewal-2025"])).toBe(false);
    expect(query.names(["Initech renewal"])).toBe(true);
    expect(query.names(["globex", "initech"])).toBe(true);
    expect(query.names([])).toBe(false);
  });

  it("matches identifiers the query spells out", () => {
    const id = "3f2a9c1e-77b0-4b1d-9a51-0c6de2f1a9b4";
    expect(new QueryNames(`notes on opportunity ${id}`).names([id])).toBe(true);
    expect(new QueryNames("notes on opportunity 3f2a9c1e").names([id])).toBe(false);
  });
});

describe("nameWords", () => {
  it("folds case and width, drops punctuation and stop words", () => {
    expect(nameWords("The  ＡＣＭＥ, Inc. (of Ohio)")).toEqual(["acme", "inc", "ohio"]);
  });
});
