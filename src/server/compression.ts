import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";

/**
 * gzip and brotli for request and response bodies. A body that does not decompress can only be
 * the client's fault, so it is INVALID_ARGUMENT; connect-node reports a truncated stream as
 * INTERNAL. A body that decompresses past the read limit stays RESOURCE_EXHAUSTED.
 */
export const ACCEPTED_COMPRESSIONS: Compression[] = [compressionGzip, compressionBrotli].map(clientFaultOnFailure);

function clientFaultOnFailure(compression: Compression): Compression {
  return {
    name: compression.name,
    compress: (bytes) => compression.compress(bytes),
    decompress: async (bytes, readMaxBytes) => {
      try {
        return await compression.decompress(bytes, readMaxBytes);
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.ResourceExhausted) throw err;
        throw new ConnectError(`the request body is not valid ${compression.name} data`, Code.InvalidArgument);
      }
    },
  };
}
