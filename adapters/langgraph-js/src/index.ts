export { EngramStore, type EngramStoreOptions } from "./store.js";
export { EngramRetriever, type EngramRetrieverOptions } from "./retriever.js";
