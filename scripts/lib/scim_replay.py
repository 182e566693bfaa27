#!/usr/bin/env python3
"""Serves recorded SCIM pages for one scenario of Fixtures/scim/, to test how dirsync copes with the quirks of
real SCIM servers that scim2-server normalises away. Standard library only; 127.0.0.1 only.

Usage: scim_replay.py SCENARIO_DIR [--port 0]
Prints "http://127.0.0.1:PORT/v2" on stdout once it listens; serves until SIGTERM or SIGINT.

SCENARIO_DIR/scenario.json:
  {"description": "...",
   "routes": [{"path": "/v2/Users", "query": {"startIndex": "6"},
               "responses": [{"status": 429, "headers": {"Retry-After": "2"}}, {"body": "page-2.json"}]}]}
A request takes the first route whose path is equal and whose "query" items all appear in the request
(decoded). Its "responses" are served in order; the last one repeats. A response has "status" (200),
"headers", and a body: "body" (a file of the scenario), "json" (inline) or "text". "retry_after_date": N sets
Retry-After to the HTTP-date N seconds from now; "delay": N answers after N seconds (asleep, like a slow server). An unmatched request gets 404 with a SCIM error.
GET /_requests returns the requests served so far: [{"path", "raw" (the query as sent), "query", "authorization", "accept"}].
"""
import argparse
import email.utils
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Scenario:
    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "scenario.json")) as handle:
            self.routes = json.load(handle)["routes"]
        self.served = [0] * len(self.routes)
        self.requests = []
        self.lock = threading.Lock()

    def answer(self, path, raw, query, headers):
        with self.lock:
            self.requests.append({"path": path, "raw": raw, "query": query, "authorization": headers.get("Authorization"),
                                  "accept": headers.get("Accept")})
            for index, route in enumerate(self.routes):
                if route["path"] != path:
                    continue
                wanted = route.get("query", {})
                if any(query.get(key) != [value] for key, value in wanted.items()):
                    continue
                responses = route["responses"]
                response = responses[min(self.served[index], len(responses) - 1)]
                self.served[index] += 1
                return response
        return {"status": 404, "json": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                                        "status": "404", "detail": f"no recorded page for {path}?{query}"}}

    def body(self, response):
        if "body" in response:
            with open(os.path.join(self.folder, response["body"]), "rb") as handle:
                return handle.read()
        if "json" in response:
            return json.dumps(response["json"]).encode()
        return response.get("text", "").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        scenario = self.server.scenario
        if parsed.path == "/_requests":
            with scenario.lock:
                self.send(200, {"Content-Type": "application/json"}, json.dumps(scenario.requests).encode())
            return
        response = scenario.answer(parsed.path, parsed.query, query, self.headers)
        if "delay" in response:
            time.sleep(response["delay"])
        headers = {"Content-Type": "application/scim+json"}
        headers.update(response.get("headers", {}))
        if "retry_after_date" in response:
            headers["Retry-After"] = email.utils.formatdate(time.time() + response["retry_after_date"], usegmt=True)
        self.send(response.get("status", 200), headers, scenario.body(response))

    def send(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def watch_parent(parent):
    """Stops the server when the test process that started it is gone, however it ended."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    # A process started from a Swift test inherits its blocked signals; SIGTERM must stop this one.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.scenario = Scenario(args.scenario)
    print(f"http://127.0.0.1:{server.server_address[1]}/v2", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
