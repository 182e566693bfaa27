#!/usr/bin/env python3
"""The SCIM rows of scripts/bench.sh (see scripts/bench.d/scim.sh). Needs DIRSYNC_BIN, BENCH_DIR, MEASURE."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN, BENCH, MEASURE = os.environ["DIRSYNC_BIN"], os.environ["BENCH_DIR"], os.environ["MEASURE"]
USERS = int(os.environ.get("BENCH_SCIM_USERS", "10000"))
COPIES = 5
STATE = os.path.join(BENCH, "scim-server")
ENV = dict(os.environ, SCIM_SERVER_STATE=STATE)


def server(*args):
    subprocess.run([os.path.join(ROOT, "scripts/scim-server"), *args, "--name", "bench"], env=ENV, check=True,
                   stdout=subprocess.DEVNULL)


def measured(command, cwd, env=None):
    completed = subprocess.run([sys.executable, MEASURE, "--", *command], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # measure.py prints its figures as the last line of stdout, after the command's own output.
    lines = completed.stdout.strip().splitlines()
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"error": "no figures"}
    if "error" in figures:
        raise SystemExit(f"bench_scim: {' '.join(command)} failed: {completed.stderr}")
    return figures


def config(folder, url, token_file, page_size):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "dirsync.yaml"), "w") as handle:
        handle.write(f"source:\n  kind: scim\n  url: {url}\n  token_file: {token_file}\n"
                     f"  page_size: {page_size}\n  groups: none\nmapping: scim\n")


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Accept": "application/scim+json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.read()


def record_pages(url, token, folder):
    """Pages of 1000 as the server serves them, copied COPIES times with unique ids and addresses."""
    marker = os.path.join(folder, "scenario.json")
    if os.path.exists(marker) and json.load(open(marker)).get("users") == USERS * COPIES:
        return
    os.makedirs(folder, exist_ok=True)
    pages = []
    start = 1
    while True:
        page = json.loads(get(f"{url}/Users?startIndex={start}&count=1000", token))
        if not page["Resources"]:
            break
        pages.append(page)
        start += len(page["Resources"])
    routes = [{"path": "/v2/ServiceProviderConfig", "responses": [{"json": json.loads(get(f"{url}/ServiceProviderConfig", token))}]},
              {"path": "/v2/ResourceTypes", "responses": [{"json": json.loads(get(f"{url}/ResourceTypes", token))}]}]
    total = USERS * COPIES
    start = 1
    for copy in range(COPIES):
        for page in pages:
            text = json.dumps(page)
            if copy:
                text = re.sub(r'"id": "([0-9a-f]{32})"', rf'"id": "\1c{copy}"', text)
                text = text.replace("@example.com", f".c{copy}@example.com")
            served = json.loads(text)
            served["startIndex"], served["totalResults"] = start, total
            name = f"page-{start}.json"
            with open(os.path.join(folder, name), "w") as handle:
                json.dump(served, handle)
            routes.append({"path": "/v2/Users", "query": {"startIndex": str(start)}, "responses": [{"body": name}]})
            start += len(served["Resources"])
    empty = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": total,
             "startIndex": start, "itemsPerPage": 0, "Resources": []}
    routes.append({"path": "/v2/Users", "query": {"startIndex": str(start)}, "responses": [{"json": empty}]})
    json.dump({"description": "bench pages", "users": total, "routes": routes}, open(marker, "w"))


def python_decode_rate(folder):
    files = [os.path.join(folder, f) for f in os.listdir(folder) if f.startswith("page-")]
    blobs = [open(f, "rb").read() for f in files]
    started = time.process_time()
    users = sum(len(json.loads(blob)["Resources"]) for blob in blobs)
    return users / (time.process_time() - started)


def main():
    state = os.path.join(STATE, "bench")
    server("start")
    try:
        server("load", str(USERS))
        url = open(os.path.join(state, "url")).read().strip()
        token_file = os.path.join(state, "token")
        token = open(token_file).read().strip()

        # 1. A full listing of the real server, 100 per page, then the same requests alone.
        live = os.path.join(BENCH, "scim-live")
        config(live, url, token_file, 100)
        log = os.path.join(state, "server.log")
        before = len(open(log).read().splitlines())
        listing = measured([BIN, "source", "show", "--summary"], live)
        requests = re.findall(r'"GET (/v2/\S+) HTTP', "\n".join(open(log).read().splitlines()[before:]))
        base = url[:-len("/v2")]
        started = time.monotonic()
        for path in requests:
            get(base + path, token)
        server_alone = time.monotonic() - started

        # 2. Decode: recorded pages served from disk, 1000 per page.
        pages = os.path.join(BENCH, "scim-pages")
        record_pages(url, token, pages)
    finally:
        server("stop")
    replay = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/lib/scim_replay.py"), pages],
                              stdout=subprocess.PIPE, text=True)
    try:
        replay_url = replay.stdout.readline().strip()
        decode = os.path.join(BENCH, "scim-decode")
        with open(os.path.join(BENCH, "scim-token"), "w") as handle:
            handle.write("replay\n")
        config(decode, replay_url, os.path.join(BENCH, "scim-token"), 1000)
        best = min((measured([BIN, "source", "show", "--summary", "--format", "json"], decode) for _ in range(3)),
                   key=lambda figures: figures["cpu_s"])
    finally:
        replay.terminate()
        replay.wait()
    total = USERS * COPIES
    rate = total / best["cpu_s"]
    print(f"| SCIM decode + map, {total:,} users from recorded pages of 1,000 (client CPU) "
          f"| {rate:,.0f} users/s ({best['cpu_s']:.2f} s CPU, {best['wall_s']:.2f} s wall, "
          f"{best['peak_rss_bytes'] / 1048576:.0f} MB) "
          f"| Python json.loads alone: {python_decode_rate(pages):,.0f} users/s | ≥ 50,000 users/s |")
    print(f"| SCIM full listing, {USERS:,} users, 100 per page, scim2-server 0.8.3 "
          f"| {listing['wall_s']:.1f} s wall, {listing['cpu_s']:.2f} s client CPU ({len(requests)} requests) "
          f"| server alone, same requests: {server_alone:.1f} s | server time reported apart |")


if __name__ == "__main__":
    main()
