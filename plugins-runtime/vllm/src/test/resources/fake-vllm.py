#!/usr/bin/env python3
"""A stand-in for `vllm serve MODEL --host H --port P ...` in unit tests: answers /health (503 while
the file named by FAKE_UNHEALTHY exists) and /v1/models, and prints its arguments and environment."""
import http.server
import json
import os
import sys

args = sys.argv[1:]
assert args[0] == "serve", args
model = args[1]
host = args[args.index("--host") + 1]
port = int(args[args.index("--port") + 1])
print("fake vllm: " + " ".join(args), flush=True)
print("CUDA_VISIBLE_DEVICES=" + os.environ.get("CUDA_VISIBLE_DEVICES", ""), flush=True)
print("warming up", file=sys.stderr, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            bad = os.environ.get("FAKE_UNHEALTHY")
            code = 503 if bad and os.path.exists(bad) else 200
            self.send_response(code)
            self.end_headers()
        elif self.path == "/v1/models":
            body = json.dumps({"object": "list", "data": [{"id": model, "object": "model"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *a):
        pass


http.server.HTTPServer((host, port), Handler).serve_forever()
