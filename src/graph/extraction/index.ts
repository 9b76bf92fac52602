/** Entity names and a few relations from a memory's content, in-process (decision 0023). */
export { extractNames, MAX_ANALYSED_CHARS, MAX_NAMES } from "./extract.js";
export { MAX_NAME_CHARS, nameKey, type ExtractedName, type NameType } from "./names.js";
export { extractRelations, MAX_RELATIONS, type ExtractedRelation, type RelationPredicate } from "./relations.js";
