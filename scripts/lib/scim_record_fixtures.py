#!/usr/bin/env python3
"""Records the SCIM fixtures of Fixtures/scim/ from a real scim2-server holding the 14 users of scim_load.py,
then writes one scenario per quirk of real servers that scim2-server normalises away. Run it through
scripts/scim-fixtures, which starts and stops the server. Standard library only.

Usage: scim_record_fixtures.py BASE_URL TOKEN_FILE OUT_DIR

Every scenario folder holds scenario.json (served by scim_replay.py) and the pages it changes; pages it
shares with the recording point to ../recorded/. The recording is pretty-printed, otherwise as served.
"""
import copy
import json
import os
import shutil
import sys
import urllib.request

PAGE = 5
STARTS = [1, 6, 11, 15]
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def fetch(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}",
                                                           "Accept": "application/scim+json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def write(folder, name, document):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")


def scenario(out, name, description, routes, files=None):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    for file_name, document in (files or {}).items():
        if isinstance(document, bytes):
            with open(os.path.join(folder, file_name), "wb") as handle:
                handle.write(document)
        else:
            write(folder, file_name, document)
    write(folder, "scenario.json", {"description": description, "routes": routes})


def ok(body):
    return {"responses": [{"body": body}]}


def users_route(start, responses):
    return {"path": "/v2/Users", "query": {"startIndex": str(start)}, "responses": responses}


def cursor_route(cursor, responses):
    return {"path": "/v2/Users", "query": {"cursor": cursor}, "responses": responses}


def discovery(spc="../recorded/spc.json"):
    return [{"path": "/v2/ServiceProviderConfig", **ok(spc)},
            {"path": "/v2/ResourceTypes", **ok("../recorded/resource-types.json")}]


def index_routes(pages):
    """Routes for the index pages at startIndex 1, 6, 11 and 15 (the empty page after the 14 users), served
    from these files (relative to the scenario folder)."""
    return [users_route(start, [{"body": page}]) for start, page in zip(STARTS, pages)]


def list_page(resources, total, start, **extra):
    page = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": total,
            "startIndex": start, "itemsPerPage": len(resources), "Resources": resources}
    page.update(extra)
    return page


def number(user):
    return int(user["userName"][4:9])


def main():
    base, token_file, out = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    token = open(token_file).read().strip()
    for entry in os.listdir(out) if os.path.isdir(out) else []:
        if os.path.isdir(os.path.join(out, entry)):
            shutil.rmtree(os.path.join(out, entry))
    recorded = os.path.join(out, "recorded")
    write(recorded, "spc.json", fetch(base, token, "/ServiceProviderConfig"))
    write(recorded, "resource-types.json", fetch(base, token, "/ResourceTypes"))
    pages = []
    for index, start in enumerate(STARTS):
        page = fetch(base, token, f"/Users?startIndex={start}&count={PAGE}")
        pages.append(page)
        write(recorded, f"page-{index + 1}.json", page)
    users = [user for page in pages for user in page.get("Resources", [])]
    total = pages[0]["totalResults"]
    assert total == 14 and len(users) == 14, "load exactly 14 users first (scripts/scim-fixtures does)"
    names = ["page-1.json", "page-2.json", "page-3.json", "page-4.json"]
    recorded_pages = ["../recorded/" + name for name in names]
    spc = fetch(base, token, "/ServiceProviderConfig")
    cursor_spc = copy.deepcopy(spc)
    cursor_spc["pagination"] = {"cursor": True, "index": True, "defaultPaginationMethod": "cursor",
                                "defaultPageSize": PAGE, "maxPageSize": 100, "cursorTimeout": 60}

    scenario(out, "well-formed", "The recording as served: 14 users in pages of 5, then an empty page.",
             discovery() + index_routes(recorded_pages))

    # A slow server: each page of users comes after 1 s, during which the server uses no CPU, so a client
    # waiting for it has nothing to do.
    scenario(out, "slow-server", "The recording, each page of users answered after 1 s.",
             discovery() + [users_route(start, [{"body": page, "delay": 1}])
                            for start, page in zip(STARTS, recorded_pages)])

    # Attribute names in other cases (RFC 7643 §2.1: case-insensitive), `resources` in lower case.
    def recase(user):
        renamed = {}
        for key, value in user.items():
            key = {"userName": "UserName", "emails": "Emails", "active": "Active", "name": "Name",
                   "externalId": "ExternalID", "displayName": "DISPLAYNAME"}.get(key, key)
            if key == "Emails":
                value = [{k.capitalize(): v for k, v in email.items()} for email in value]
            if key == "Name":
                value = {k[0].upper() + k[1:]: v for k, v in value.items()}
            renamed[key] = value
        return renamed
    files = {}
    for index, page in enumerate(pages):
        changed = {k if k != "Resources" else "resources": v for k, v in page.items()}
        changed["resources"] = [recase(user) for user in page["Resources"]]
        if not changed["resources"]:
            del changed["resources"]  # an empty page may leave Resources out (RFC 7644 §3.4.2)
        files[names[index]] = changed
    scenario(out, "lowercase-keys", "`resources` in lower case (IBM, Entra /ResourceTypes), left out of the "
             "empty page; UserName, Emails, Primary, Active, Name.GivenName (Entra's validator).",
             discovery() + index_routes(names), files)

    # Values of the wrong JSON type, and the email shapes of real servers.
    lenient = []
    for user in users:
        user = copy.deepcopy(user)
        n = number(user)
        if n == 1:
            user["active"] = "True"
        if n == 2:
            user["active"] = "False"
        if n == 3:
            user["active"] = 1
        if n == 4:
            user["active"] = 0
        if n == 5:
            del user["active"]
        if n == 6:
            user["externalId"] = 6006
        if n == 7:  # two primaries: the first wins
            user["emails"] = [{"value": "second.choice@example.com", "primary": "true", "type": "home"},
                              {"value": "user00007@example.com", "primary": True, "type": "work"}]
        if n == 8:  # plain strings mixed with objects
            user["emails"] = ["user00008@example.com", {"value": "other8@example.com", "type": "other"}]
        if n == 9:  # no type, no primary
            user["emails"] = [{"value": "user00009@example.com"}]
        if n == 11:  # an empty primary beside a valid secondary
            user["emails"] = [{"value": "", "primary": True}, {"value": "user00011@example.com", "type": "work"}]
        if n == 12:  # no emails: userName is the address
            del user["emails"]
        if n == 14:  # no meta, no enterprise extension
            user.pop("meta", None)
            user.pop(ENTERPRISE, None)
            user["schemas"] = [s for s in user["schemas"] if s != ENTERPRISE]
        if n == 13:  # a manager that is not in the listing, an unknown extension
            user[ENTERPRISE]["manager"] = {"value": "0000dead0000beef", "displayName": "Gone Manager"}
            user["urn:example:params:scim:schemas:extension:acme:2.0:User"] = {"badge": 4711, "site": "Lyon"}
            user["schemas"].append("urn:example:params:scim:schemas:extension:acme:2.0:User")
        if n == 10:
            user["meta"]["lastModified"] = user["meta"]["lastModified"][:19] + "+00:00"
        lenient.append(user)
    files = {}
    for index in range(3):
        chunk = lenient[index * PAGE:(index + 1) * PAGE]
        files[names[index]] = list_page(chunk, total, 1 + index * PAGE)
    scenario(out, "lenient-values", "active as \"True\"/\"False\"/1/0/absent, a numeric externalId, two primaries, "
             "plain-string emails, an email without type, an empty primary, no emails, no meta, a manager "
             "outside the listing, an unknown extension.",
             discovery() + index_routes(names[:3] + ["../recorded/page-4.json"]),
             files)

    # totalResults equal to the page size on every page; itemsPerPage the requested count.
    files = {}
    for index, page in enumerate(pages):
        lie = copy.deepcopy(page)
        lie["totalResults"] = PAGE
        lie["itemsPerPage"] = PAGE
        files[names[index]] = lie
    scenario(out, "total-lies", "totalResults equals the page size and itemsPerPage the requested count "
             "(wso2/product-is#7320, better-auth#10398).",
             discovery() + index_routes(names), files)

    # A silent cap: 3 per page although 5 were asked, itemsPerPage claiming 5.
    files, routes = {}, []
    for index, start in enumerate([1, 4, 7, 10, 13, 15]):
        chunk = users[start - 1:start + 2]
        files[f"capped-{index + 1}.json"] = list_page(chunk, total, start, itemsPerPage=PAGE)
        routes.append(users_route(start, [{"body": f"capped-{index + 1}.json"}]))
    scenario(out, "silent-cap", "The server serves 3 per page whatever count asks, and says itemsPerPage 5.",
             discovery() + routes, files)

    # startIndex ignored: page 1 again for every startIndex, echoing startIndex 1.
    scenario(out, "startindex-ignored", "Every startIndex gets page 1 back, startIndex 1 echoed (awslabs/ssosync#1).",
             discovery() + [{"path": "/v2/Users", **ok("../recorded/page-1.json")}])
    silent = copy.deepcopy(pages[0])
    del silent["startIndex"]
    scenario(out, "startindex-ignored-silent", "Every startIndex gets page 1 back, without a startIndex.",
             discovery() + [{"path": "/v2/Users", **ok("page-1.json")}], {"page-1.json": silent})

    # A listing that ends early: page 3 is empty, totalResults still 14.
    empty = list_page([], total, 11)
    scenario(out, "short-listing", "Page 3 comes back empty although totalResults is 14.",
             discovery() + index_routes(["../recorded/page-1.json", "../recorded/page-2.json", "page-3.json"]),
             {"page-3.json": empty})

    # A body cut off in transit.
    raw = json.dumps(pages[1]).encode()
    scenario(out, "truncated-body", "Page 2's body is cut off after 60 % of its bytes.",
             discovery() + index_routes(["../recorded/page-1.json", "page-2.json"]),
             {"page-2.json": raw[:len(raw) * 6 // 10]})

    # Throttling: 429 with Retry-After in seconds, then 503 with an HTTP-date, then the page.
    # The HTTP-date is fixed: the test's clock stands 3 s before it, so the wait it computes is exact.
    scenario(out, "retry-after", "Page 2 answers 429 (Retry-After: 2), then 503 (Retry-After as a fixed HTTP-date, "
             "HTML body), then the page. The test's clock stands at 2026-11-21T10:00:00Z (testEpoch), 3 s before "
             "that date.",
             discovery() + [users_route(6, [
                 {"status": 429, "headers": {"Retry-After": "2"},
                  "json": {"schemas": [ERROR], "status": "429", "detail": "Too many requests"}},
                 {"status": 503,
                  "headers": {"Content-Type": "text/html", "Retry-After": "Sat, 21 Nov 2026 10:00:03 GMT"},
                  "text": "<html><head><title>503 Service Unavailable</title></head><body>busy</body></html>"},
                 {"body": "../recorded/page-2.json"}])]
             + index_routes(["../recorded/page-1.json", "../recorded/page-2.json", "../recorded/page-3.json",
                             "../recorded/page-4.json"]))

    scenario(out, "unavailable", "Page 2 answers 503 for ever (Retry-After: 1).",
             discovery() + [users_route(6, [{"status": 503, "headers": {"Retry-After": "1"},
                                             "json": {"schemas": [ERROR], "status": "503",
                                                      "detail": "Service Unavailable"}}])]
             + index_routes(["../recorded/page-1.json"]))

    scenario(out, "page-fails", "Page 3 answers 500 for ever, with a SCIM error whose status is a number.",
             discovery() + [users_route(11, [{"status": 500, "json": {"schemas": [ERROR], "status": 500,
                                                                      "detail": "database connection lost"}}])]
             + index_routes(["../recorded/page-1.json", "../recorded/page-2.json"]))

    scenario(out, "status-number", "A filter the server refuses: 400 invalidFilter with status as a number.",
             discovery() + [{"path": "/v2/Users", "responses": [{"status": 400, "json": {
                 "schemas": [ERROR], "status": 400, "scimType": "invalidFilter",
                 "detail": "Field not found: departmnet"}}]}])

    scenario(out, "html-not-found", "The base URL misses /v2 behind a proxy: 404 pages in HTML.",
             [{"path": "/v2/Users", "responses": [{"status": 404, "headers": {"Content-Type": "text/html"},
                                                    "text": "<html><head><title>404 Not Found</title></head>"
                                                            "<body><h1>Not Found</h1></body></html>"}]}])

    scenario(out, "forbidden-html", "A web application firewall answers 403 with an HTML page.",
             [{"path": "/v2/ServiceProviderConfig", "responses": [
                 {"status": 403, "headers": {"Content-Type": "text/html"},
                  "text": "<html><head><title>Access denied</title></head><body>blocked</body></html>"}]}])

    # RFC 9865 cursors with characters that need percent-encoding, no totalResults, and an expired cursor
    # the first time the second one is used.
    def cursor_page(page, next_cursor):
        changed = {k: v for k, v in page.items() if k not in ("startIndex", "totalResults")}
        if next_cursor:
            changed["nextCursor"] = next_cursor
        return changed
    first, second = "VZUTiy+J/5a=:1", "Zm9v+L2Jhcg==:2"
    scenario(out, "cursor", "Cursor pages: cursors with + / = :, no totalResults, and the second cursor "
             "expired on first use (400 expiredCursor).",
             discovery("./spc.json") + [
                 cursor_route("", [{"body": "page-1.json"}]),
                 cursor_route(first, [{"body": "page-2.json"}]),
                 cursor_route(second, [{"status": 400, "json": {"schemas": [ERROR], "status": "400",
                                                                 "scimType": "expiredCursor",
                                                                 "detail": "cursor expired"}},
                                       {"body": "page-3.json"}])],
             {"spc.json": cursor_spc, "page-1.json": cursor_page(pages[0], first),
              "page-2.json": cursor_page(pages[1], second), "page-3.json": cursor_page(pages[2], None)})

    scenario(out, "cursor-loop", "The server hands out the same nextCursor again.",
             discovery("./spc.json") + [cursor_route("", [{"body": "page-1.json"}]),
                                        cursor_route("again", [{"body": "page-2.json"}])],
             {"spc.json": cursor_spc, "page-1.json": cursor_page(pages[0], "again"),
              "page-2.json": cursor_page(pages[1], "again")})

    scenario(out, "cursor-ignored", "The configuration announces cursors, but the server ignores cursor= and "
             "answers index page 1 without nextCursor.",
             discovery("./spc.json") + [cursor_route("", [{"body": "../recorded/page-1.json"}])]
             + index_routes(recorded_pages), {"spc.json": cursor_spc})

    scenario(out, "forced-cursor", "Index paging asked, but the server pages by cursor anyway (RFC 9865 §2.3).",
             discovery() + [users_route(1, [{"body": "page-1.json"}]),
                            cursor_route("c2", [{"body": "page-2.json"}]),
                            cursor_route("c3", [{"body": "page-3.json"}])],
             {"page-1.json": {**pages[0], "nextCursor": "c2"}, "page-2.json": cursor_page(pages[1], "c3"),
              "page-3.json": cursor_page(pages[2], None)})

    # Servers without Groups (issue 11, item 13): Users only; a /Groups that fails after its first page; a
    # Group resource type announced whose endpoint answers 404.
    users_only = [{"path": "/v2/ServiceProviderConfig", **ok("../recorded/spc.json")}] + index_routes(recorded_pages)
    scenario(out, "no-groups-endpoint",
             "A server with Users only: no /ResourceTypes and no /Groups (both 404), users without User.groups.",
             users_only)
    groups = [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": f"g{n}",
               "displayName": f"Group {n}", "members": [{"value": users[n]["id"]}]} for n in range(1, 6)]
    gone = {"status": 404, "json": {"schemas": [ERROR], "status": "404", "detail": "gone"}}
    scenario(out, "groups-fail-midlisting",
             "No /ResourceTypes; /Groups serves its first page, then answers 404 for the second: a failed listing.",
             users_only + [{"path": "/v2/Groups", "query": {"startIndex": "1"}, **ok("groups-1.json")},
                           {"path": "/v2/Groups", "query": {"startIndex": "6"}, "responses": [gone]}],
             {"groups-1.json": list_page(groups, 7, 1)})
    scenario(out, "groups-announced-missing",
             "/ResourceTypes announces a Group resource at /Groups, which answers 404: the listing fails.",
             discovery() + index_routes(recorded_pages))
    print(f"recorded {len(users)} users; scenarios in {out}")


if __name__ == "__main__":
    main()
