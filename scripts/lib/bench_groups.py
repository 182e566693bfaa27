#!/usr/bin/env python3
"""Benchmark of group resolution (scripts/bench.d/groups.sh): an AD-style export of N users and 5,000 groups
nested four deep (4,000 leaf groups in 800, in 160, in 40), every user in two leaf groups, written twice:
once with the memberships only in the groups' member lists (no memberOf anywhere), once with memberOf on
people and on groups (the shape of an AD export). For each: `source check` (parse only) and `plan` against an
empty organization with a rule on a top-level group (so every rule needs effective membership), wall time
and peak RSS. Data is built once under $BENCH_DIR."""
import base64
import json
import os
import random
import subprocess
import sys

from bench_plan import BENCH, BIN, measure
LEVELS = [4000, 800, 160, 40]


def group_dn(level, index):
    return f"CN=L{level} Group {index:04d},OU=Groups,DC=contoso,DC=test"


def write(path, users, members):
    random.seed(5)
    leaf = LEVELS[0]
    memberships = [random.sample(range(leaf), 2) for _ in range(users)]
    with open(path, "w") as out:
        for i in range(users):
            guid = base64.b64encode(i.to_bytes(16, "little")).decode()
            out.write(f"dn: CN=User {i:07d},OU=Staff,DC=contoso,DC=test\nobjectClass: top\nobjectClass: person\n"
                      f"objectClass: organizationalPerson\nobjectClass: user\ncn: User {i:07d}\n"
                      f"sAMAccountName: u{i:07d}\nmail: u{i:07d}@contoso.test\nobjectGUID:: {guid}\n"
                      f"userAccountControl: 512\n")
            if not members:
                for g in memberships[i]:
                    out.write(f"memberOf: {group_dn(0, g)}\n")
            out.write("\n")
        by_group = [[] for _ in range(leaf)]
        if members:
            for i, groups in enumerate(memberships):
                for g in groups:
                    by_group[g].append(i)
        for level, count in enumerate(LEVELS):
            for index in range(count):
                out.write(f"dn: {group_dn(level, index)}\nobjectClass: top\nobjectClass: group\n"
                          f"cn: L{level} Group {index:04d}\n")
                if members:
                    if level == 0:
                        for i in by_group[index]:
                            out.write(f"member: CN=User {i:07d},OU=Staff,DC=contoso,DC=test\n")
                    else:
                        for child in range(index * 5, index * 5 + 5):
                            out.write(f"member: {group_dn(level - 1, child)}\n")
                elif level + 1 < len(LEVELS):
                    out.write(f"memberOf: {group_dn(level + 1, index // 5)}\n")
                out.write("\n")


CONFIG = """organization:
  name: Bench
  seats: 5000000
  inviter: owner@contoso.test
  auto_join: { domains: [contoso.test], role: member }
store: dirsync.sqlite
source: { kind: ldif, path: export.ldif }
mapping: active-directory
roles:
  - { role: admin, when: { group: "L3 Group 0000" } }
policy: { max_deletion_ratio: 1.0, max_shrink_ratio: 1.0 }
"""


def case(users, members):
    name = f"groups-{'members' if members else 'memberof'}-{users}"
    folder = os.path.join(BENCH, name)
    if not os.path.exists(os.path.join(folder, "ready")):
        subprocess.run(["rm", "-rf", folder], check=True)
        os.makedirs(folder)
        write(os.path.join(folder, "export.ldif"), users, members)
        with open(os.path.join(folder, "dirsync.yaml"), "w") as f:
            f.write(CONFIG)
        subprocess.run([BIN, "init", "--org", "Bench", "--seats", "5000000", "--owner", "owner@contoso.test"],
                       cwd=folder, check=True, stdout=subprocess.DEVNULL)
        open(os.path.join(folder, "ready"), "w").close()
    check = measure([BIN, "source", "check"], folder)
    plan = measure([BIN, "plan", "--format", "json", "--out", "plan.json"], folder)
    with open(os.path.join(folder, "plan.json")) as f:
        summary = json.load(f)["summary"]
    label = f"{users // 1000}k" if users < 1_000_000 else f"{users // 1_000_000}M"
    where = "member lists of group entries, no memberOf" if members else "memberOf on people and groups"
    print(f"| `plan`, {label} AD users, 5,000 groups 4 deep, {where} ({summary.get('join', 0):,} joins, "
          f"{summary.get('join_admin', 0) if 'join_admin' in summary else '—'}) | {plan['wall_s']:.2f} s, "
          f"{plan['peak_rss_bytes'] / 1e6:.0f} MB peak RSS; parse alone {check['wall_s']:.2f} s | — | "
          f"report beside each other |")


if __name__ == "__main__":
    for size in sys.argv[1:]:
        case(int(size), members=False)
        case(int(size), members=True)
