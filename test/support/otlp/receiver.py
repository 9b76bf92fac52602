"""An OTLP trace receiver for the tests: OTLP/HTTP (protobuf and JSON, gzip or not) and OTLP/gRPC.

It decodes each export with the OpenTelemetry project's own generated OTLP classes
(opentelemetry-proto) and prints one JSON line per request and per span on stdout, after a first
line with its two ports. The tests read those lines (test/support/otlp-receiver.ts).
"""

import base64
import gzip
import json
import sys
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

_out = threading.Lock()


def emit(line):
    with _out:
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def value_of(any_value):
    for kind in ("stringValue", "boolValue", "doubleValue"):
        if kind in any_value:
            return any_value[kind]
    if "intValue" in any_value:
        return int(any_value["intValue"])
    if "arrayValue" in any_value:
        return [value_of(v) for v in any_value["arrayValue"].get("values", [])]
    return None


def attributes_of(items):
    return {item["key"]: value_of(item.get("value", {})) for item in items or []}


def hex_id(value, base64_ids):
    if not value:
        return ""
    return base64.b64decode(value).hex() if base64_ids else value.lower()


def emit_spans(request_dict, base64_ids, protocol):
    for resource_spans in request_dict.get("resourceSpans", []):
        resource = attributes_of(resource_spans.get("resource", {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                emit(
                    {
                        "span": {
                            "protocol": protocol,
                            "traceId": hex_id(span.get("traceId"), base64_ids),
                            "spanId": hex_id(span.get("spanId"), base64_ids),
                            "parentSpanId": hex_id(span.get("parentSpanId"), base64_ids),
                            "name": span.get("name", ""),
                            "kind": int(span.get("kind", 0)),
                            "attributes": attributes_of(span.get("attributes")),
                            "status": int(span.get("status", {}).get("code", 0)),
                            "resource": resource,
                        }
                    }
                )


def as_dict(message):
    return MessageToDict(message, use_integers_for_enums=True)


class HttpReceiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the standard library's name)
        body = self.read_body()
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        content_type = self.headers.get("content-type", "")
        emit({"request": {"protocol": "http", "path": self.path, "contentType": content_type,
                          "testHeader": self.headers.get("x-test-header")}})
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        if content_type.startswith("application/json"):
            emit_spans(json.loads(body), base64_ids=False, protocol="http/json")
            answer, answer_type = b"{}", "application/json"
        else:
            request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
            emit_spans(as_dict(request), base64_ids=True, protocol="http/protobuf")
            answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
            answer_type = "application/x-protobuf"
        self.send_response(200)
        self.send_header("content-type", answer_type)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def read_body(self):
        if self.headers.get("transfer-encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("content-length", "0")))
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def log_message(self, *args):
        pass


class GrpcReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    def Export(self, request, context):  # noqa: N802 (the service's name)
        metadata = dict(context.invocation_metadata())
        emit({"request": {"protocol": "grpc", "path": "Export", "contentType": "application/grpc",
                          "testHeader": metadata.get("x-test-header")}})
        emit_spans(as_dict(request), base64_ids=True, protocol="grpc")
        return trace_service_pb2.ExportTraceServiceResponse()


def main():
    http_server = ThreadingHTTPServer(("127.0.0.1", 0), HttpReceiver)
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(GrpcReceiver(), grpc_server)
    grpc_port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    emit({"ports": {"http": http_server.server_address[1], "grpc": grpc_port}})
    try:
        http_server.serve_forever()
    finally:
        grpc_server.stop(0)


if __name__ == "__main__":
    main()
