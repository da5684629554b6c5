#!/usr/bin/env python3
"""A stand-in for `llama-server -m FILE --host H --port P --alias A ...` in unit tests: answers
/health and /v1/models (the alias), prints its arguments, and `--version` as llama-server does."""
import http.server
import json
import sys

args = sys.argv[1:]
if args == ["--version"]:
    print("version: 4567 (abcdef12)", file=sys.stderr)
    sys.exit(0)
host = args[args.index("--host") + 1]
port = int(args[args.index("--port") + 1])
alias = args[args.index("--alias") + 1]
print("fake llama-server: " + " ".join(args), flush=True)
print("loading the model", file=sys.stderr, flush=True)


ROUTES = {
    "/health": b"{\"status\": \"ok\"}",
    "/v1/models": json.dumps({"object": "list", "data": [{"id": alias, "object": "model"}]}).encode(),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ROUTES.get(self.path)
        self.send_response(404 if body is None else 200)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *a):
        pass


http.server.HTTPServer((host, port), Handler).serve_forever()
