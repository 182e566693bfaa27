#!/usr/bin/env python3
"""Loads N deterministic users (and a few groups) into a SCIM 2.0 server through /Bulk. Standard library only.

Usage: scim_load.py BASE_URL N [--token-file FILE] [--chunk 500] [--groups | --nested]

The users carry the quirks the tests check (see README, "SCIM source"):
  user i: userName user{i:05d}@example.com, externalId ext-{i}, id assigned by the server
  every 10th user: its work email has no "primary" flag
  every 7th user: active false
  every 13th user: a second (home) email, u{i}@personal.example
  all: name, displayName, enterprise extension with employeeNumber E{i:05d} and a department
With --groups, one group per department (its users as members) and "Sign Admins" (every 100th user).
With --nested (N >= 8), groups that contain groups, as the nesting tests expect:
  Legal > Legal EU > Legal EU Paris (users 1; 2; 3 and 4), Ring A > Ring B > Ring A (users 5; 6),
  Mirror > Mirror (user 7), Ghosts (user 8 and two ids that name nobody).
Prints one line: how many were loaded and how long it took.
"""
import argparse
import json
import sys
import time
import urllib.request

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
DEPARTMENTS = ["Engineering", "Sales", "Support", "Finance", "Legal", "HR"]


def department(i):
    return DEPARTMENTS[i % len(DEPARTMENTS)]


def user(i):
    email = {"value": f"user{i:05d}@example.com", "type": "work"}
    if i % 10 != 0:
        email["primary"] = True
    emails = [email]
    if i % 13 == 0:
        emails.append({"value": f"u{i}@personal.example", "type": "home"})
    return {
        "schemas": [CORE, ENTERPRISE],
        "userName": f"user{i:05d}@example.com",
        "externalId": f"ext-{i}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}", "formatted": f"Given{i} Family{i}"},
        "displayName": f"Given{i} Family{i}",
        "active": i % 7 != 0,
        "emails": emails,
        ENTERPRISE: {"employeeNumber": f"E{i:05d}", "department": department(i)},
    }


def send(url, method, body, token):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", "application/scim+json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read() or b"null")


def bulk(base, operations, token):
    response = send(f"{base}/Bulk", "POST", {"schemas": [BULK], "failOnErrors": 1, "Operations": operations}, token)
    results = response.get("Operations", [])
    failed = [r for r in results if not str(r.get("status", "")).startswith("201")]
    if failed or len(results) != len(operations):
        print(f"scim_load: bulk request failed: {failed[:3]}", file=sys.stderr)
        sys.exit(1)
    return [r["location"].rstrip("/").rsplit("/", 1)[-1] for r in results]


def nested(base, ids, token):
    """The nested groups of --nested, created one by one (a cycle and a self-reference need a PUT after the
    POST, once the ids exist). Returns how many groups were made."""
    def members(users=(), groups=(), unknown=()):
        return ([{"value": ids[i], "type": "User"} for i in users]
                + [{"value": g, "type": "Group"} for g in groups]
                + [{"value": u, "type": "User"} for u in unknown])

    def group(name, **kwargs):
        return send(f"{base}/Groups", "POST", {"schemas": [GROUP], "displayName": name,
                                              "members": members(**kwargs)}, token)["id"]

    def replace(group_id, name, **kwargs):
        send(f"{base}/Groups/{group_id}", "PUT", {"schemas": [GROUP], "displayName": name,
                                                  "members": members(**kwargs)}, token)

    paris = group("Legal EU Paris", users=[3, 4])
    europe = group("Legal EU", users=[2], groups=[paris])
    group("Legal", users=[1], groups=[europe])
    ring_a = group("Ring A", users=[5])
    ring_b = group("Ring B", users=[6], groups=[ring_a])
    replace(ring_a, "Ring A", users=[5], groups=[ring_b])
    mirror = group("Mirror", users=[7])
    replace(mirror, "Mirror", users=[7], groups=[mirror])
    group("Ghosts", users=[8], unknown=["no-such-user-1", "no-such-user-2"])
    return 7


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("n", type=int)
    parser.add_argument("--token-file")
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--groups", action="store_true")
    parser.add_argument("--nested", action="store_true")
    args = parser.parse_args()
    token = open(args.token_file).read().strip() if args.token_file else None
    base = args.base.rstrip("/")
    started = time.monotonic()
    ids = {}
    numbers = list(range(1, args.n + 1))
    for offset in range(0, len(numbers), args.chunk):
        chunk = numbers[offset:offset + args.chunk]
        operations = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": user(i)} for i in chunk]
        for i, resource_id in zip(chunk, bulk(base, operations, token)):
            ids[i] = resource_id
    groups = 0
    if args.groups:
        wanted = {name: [i for i in numbers if department(i) == name] for name in DEPARTMENTS}
        wanted["Sign Admins"] = [i for i in numbers if i % 100 == 0]
        operations = [
            {"method": "POST", "path": "/Groups", "bulkId": f"g{n}",
             "data": {"schemas": [GROUP], "displayName": name,
                      "members": [{"value": ids[i], "type": "User"} for i in members]}}
            for n, (name, members) in enumerate(wanted.items())
        ]
        bulk(base, operations, token)
        groups = len(operations)
    if args.nested:
        groups = nested(base, ids, token)
    elapsed = time.monotonic() - started
    print(f"loaded {args.n} users and {groups} groups in {elapsed:.2f} s ({args.n / max(elapsed, 1e-9):.0f} users/s)")


if __name__ == "__main__":
    main()
