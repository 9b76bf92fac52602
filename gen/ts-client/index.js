// Hand-written (beside the generated dist/): the Engram API and the google.rpc error details
// its errors carry, from one import.
export * from "./dist/engram/v1/memory_pb.js";
export * from "./dist/engram/v1/memory_service_pb.js";
export * from "./dist/engram/v1/search_service_pb.js";
export * from "./dist/engram/v1/staged_write_service_pb.js";
export * from "./dist/engram/v1/api_key_service_pb.js";
export * from "./dist/google/rpc/error_details_pb.js";
