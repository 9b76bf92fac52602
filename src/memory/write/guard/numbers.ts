/** The distinct numbers of a content, sorted, as one string: "" when it has none. */
export function numbersOf(content: string): string {
  return [...new Set(content.normalize("NFKC").match(/\p{N}+/gu) ?? [])].sort().join(" ");
}
