#!/usr/bin/env python3
"""A minimal OTLP/HTTP trace receiver for tests: decodes what an exporter POSTs to /v1/traces
with the OpenTelemetry project's own protobuf classes (PyPI `opentelemetry-proto`) and writes one
JSON line per span to OUT.

    otlp_receiver.py OUT.jsonl        prints "listening PORT" once it accepts connections

Each line: trace_id, span_id, parent_span_id (hex), name, kind, start_ns, end_ns, status (code
name), attributes (key -> value), service (resource service.name). Answers every export with an
empty ExportTraceServiceResponse. Runs until killed.
"""
import gzip
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

OUT = sys.argv[1]


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        lines = []
        for resource_spans in request.resource_spans:
            resource = {kv.key: value(kv.value) for kv in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append(json.dumps({
                        "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(), "name": span.name,
                        "kind": Span.SpanKind.Name(span.kind), "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano, "status": Status.StatusCode.Name(span.status.code),
                        "attributes": {kv.key: value(kv.value) for kv in span.attributes},
                        "service": resource.get("service.name"),
                    }))
        with open(OUT, "a") as out:
            for line in lines:
                out.write(line + "\n")
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


# A parent that spawned us with SIGTERM blocked (a test runner's thread) must still be able to stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
