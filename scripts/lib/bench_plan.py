#!/usr/bin/env python3
"""Benchmarks for plan and apply (scripts/bench.d/plan.sh).

plan-profile N: the same with five profile fields mapped (title, department, employee_number, upn,
description); members and invitations hold the directory's profile, 1% with another title (updates).

plan N: a generated AD-style directory of N users against an organization where 70% of them are members,
25% have pending invitations and 5% are new (plus 1% whose role changes): dirsync plan, wall time and peak
RSS. apply N: N new contractors, all invited: dirsync apply of a saved plan with the outbox mailer.
Data and stores are built once under $BENCH_DIR and reused.
"""
import json
import os
import random
import sqlite3
import subprocess
import sys

BIN = os.environ["DIRSYNC_BIN"]
BENCH = os.environ["BENCH_DIR"]
MEASURE = os.environ["MEASURE"]


def run(args, **kw):
    return subprocess.run(args, check=True, **kw)


def measure(args, cwd, repeat=1):
    out = subprocess.run([sys.executable, MEASURE, "--repeat", str(repeat), "--"] + args, cwd=cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [l for l in out.stdout.splitlines() + out.stderr.splitlines() if l.startswith("{")]
    result = json.loads(lines[-1])
    if "error" in result:
        raise SystemExit(f"bench: {' '.join(args)} failed: {out.stderr[-2000:]}")
    return result


CONFIG = """organization:
  name: Bench
  seats: 5000000
  inviter: owner@bench.example
  auto_join: {{ domains: [example.com], role: member }}
  allowed_domains: [partner.example]
store: dirsync.sqlite
source: {{ kind: ldif, path: {source} }}
mapping: active-directory
roles:
  - {{ role: admin, when: {{ group: "Group 0001" }} }}
  - {{ role: viewer, when: {{ domain: partner.example }} }}
policy: {{ max_deletion_ratio: 1.0, max_shrink_ratio: 1.0 }}
mail: {{ outbox: outbox/, from: "Bench <no-reply@bench.example>", accept_url: "https://bench.example/a?token={{token}}" }}
"""


PROFILE = """profile:
  title: title
  department: department
  employee_number: employeeID
  upn: userPrincipalName
  description: description
"""


def plan_folder(users, profile=False):
    """The folder of the plan case for `users`, with its directory and SQLite store, built if it is not yet."""
    folder = os.path.join(BENCH, f"plan-{'profile-' if profile else ''}{users}")
    source = os.path.join(BENCH, f"plan-{users}.ldif")
    if not os.path.exists(source):
        run([BIN, "generate", "--format", "ad-ldif", "--users", str(users), "--groups", "200", "--seed", "7", "-o", source])
    ready = os.path.join(folder, "ready")
    if not os.path.exists(ready):
        run(["rm", "-rf", folder])
        os.makedirs(folder)
        config = CONFIG.format(source=source)
        if profile:
            with open("Mappings/active-directory.yaml") as preset, open(os.path.join(folder, "bench.yaml"), "w") as f:
                f.write(preset.read() + PROFILE)
            config = config.replace("mapping: active-directory", "mapping: bench.yaml")
        with open(os.path.join(folder, "dirsync.yaml"), "w") as f:
            f.write(config)
        run([BIN, "init", "--org", "Bench", "--seats", "5000000", "--owner", "owner@bench.example"], cwd=folder,
            stdout=subprocess.DEVNULL)
        shown = subprocess.run([BIN, "source", "show", "--format", "json"], cwd=folder, check=True,
                               stdout=subprocess.PIPE).stdout
        people = [(u["anchor"], u["email"], u["groups"], json.dumps(u["profile"]))
                  for u in json.loads(shown)["users"] if u["email"] and u["active"]]
        del shown
        random.seed(11)
        db = sqlite3.connect(os.path.join(folder, "dirsync.sqlite"))
        members, invitations = [], []
        for anchor, email, groups, held in people:
            draw = random.random()
            if profile and random.random() < 0.01:
                changed = json.loads(held)
                changed["title"] = "Former title"
                held = json.dumps(changed)
            role = "admin" if "Group 0001" in groups else "member"
            if random.random() < 0.01:
                role = "viewer"  # the directory now says otherwise: a role change
            if draw < 0.70:
                members.append((email, role, "2026-01-01 00:00:00.000", "domain-auto-join", anchor, held, held))
            elif draw < 0.95:
                invitations.append((email, role, "2026-11-20 00:00:00.000", "2026-11-20 00:00:00.000",
                                    "2026-11-27 00:00:00.000", anchor, held, held))
        db.executemany("INSERT INTO members (organization_id, email, role, joined_at, origin, anchor, managed, "
                       "profile, profile_synced) VALUES (1, ?, ?, ?, ?, ?, 1, ?, ?)",
                       members)
        db.executemany("INSERT INTO invitations (organization_id, email, role, status, created_at, sent_at, expires_at, "
                       "resend_count, invited_by, anchor, managed, profile, profile_synced) "
                       "VALUES (1, ?, ?, 'pending', ?, ?, ?, 0, 'owner@bench.example', ?, 1, ?, ?)", invitations)
        db.commit()
        db.close()
        open(ready, "w").close()
    return folder


def plan_case(users, profile=False):
    folder = plan_folder(users, profile)
    result = measure([BIN, "plan", "--format", "json", "--now", "2026-11-21T10:00:00Z", "--out", "plan.json"], folder,
                     repeat=1 if users >= 1_000_000 else 3)
    with open(os.path.join(folder, "plan.json")) as f:
        summary = json.load(f)["summary"]
    changes = sum(v for k, v in summary.items() if k != "defer")
    target = "≤ 20 s, ≤ 1.5 GB" if users >= 1_000_000 else "≤ 2 s"
    label = f"{users // 1000}k" if users < 1_000_000 else f"{users // 1_000_000}M"
    fields = ", five profile fields mapped" if profile else ""
    print(f"| `plan`, {label} directory users vs {label} members and invitations{fields} ({changes:,} changes) "
          f"| {result['wall_s']:.2f} s, {result['peak_rss_bytes'] / 1e6:.0f} MB peak RSS | — | {target} |")


def apply_case(users):
    folder = os.path.join(BENCH, f"apply-{users}")
    # The previous run's 10,000 files are deleted only after this run is measured: on ext4, creating files
    # right after deleting as many is several times slower, which would measure the file system, not dirsync.
    previous = f"{folder}.previous"
    if os.path.exists(folder):
        run(["rm", "-rf", previous])
        os.rename(folder, previous)
    os.makedirs(folder)
    source = os.path.join(folder, "contractors.ldif")
    with open(source, "w") as f:
        f.write("version: 1\n")
        for i in range(users):
            f.write(f"\ndn: uid=c{i:06d},ou=People,dc=partner,dc=example\nobjectClass: inetOrgPerson\nuid: c{i:06d}\n"
                    f"cn: Contractor {i}\nsn: {i}\nmail: c{i:06d}@partner.example\n"
                    f"entryUUID: 00000000-0000-4000-8000-{i:012d}\n")
    with open(os.path.join(folder, "dirsync.yaml"), "w") as f:
        f.write(CONFIG.format(source=source).replace("mapping: active-directory", "mapping: openldap"))
    run([BIN, "init", "--org", "Bench", "--seats", "5000000", "--owner", "owner@bench.example"], cwd=folder,
        stdout=subprocess.DEVNULL)
    run([BIN, "plan", "--out", "plan.json", "--format", "json"], cwd=folder, stdout=subprocess.DEVNULL)
    result = measure([BIN, "apply", "plan.json", "--yes"], folder)
    sent = len([n for n in os.listdir(os.path.join(folder, "outbox")) if n.endswith(".eml")])
    run(["rm", "-rf", previous])
    print(f"| `apply`, {users:,} invitations (each with its token, audit event and .eml in the outbox folder; "
          f"{sent:,} files) | {result['wall_s']:.2f} s, {result['peak_rss_bytes'] / 1e6:.0f} MB | — | ≤ 3 s |")


if __name__ == "__main__":
    what = sys.argv[1]
    for size in sys.argv[2:]:
        if what == "apply":
            apply_case(int(size))
        else:
            plan_case(int(size), profile=what == "plan-profile")
