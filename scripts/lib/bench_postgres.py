#!/usr/bin/env python3
"""Benchmarks for the PostgreSQL store (scripts/bench.d/postgres.sh), on a throw-away cluster that
scripts/postgres started ($DIRSYNC_POSTGRES_DIR).

plan N: the plan case of bench_plan.py (N AD users against 70% members, 25% invited, 5% new, 1% re-roled),
once on its SQLite store and once on a PostgreSQL store holding the same rows; the ratio of the two.

pool ORGS USERS AGENTS...: ORGS organizations registered for the agent pool, each with its own CSV
directory of USERS people (70% already members, 25% invited, 5% new, 1% of the members re-roled) and an
outbox folder; for each agent count, a fresh copy of that store (CREATE DATABASE ... TEMPLATE) reconciled
by that many `dirsync run --all-organizations --once` processes at once. Reports organizations per second,
the agents' CPU and PostgreSQL's CPU (its server processes, read from /proc) over the same interval.
Data is built once under $BENCH_DIR and reused; the template database lives as long as the cluster.
"""
import csv
import datetime
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench_plan  # noqa: E402

BIN = os.environ["DIRSYNC_BIN"]
BENCH = os.environ["BENCH_DIR"]
STATE = os.environ["DIRSYNC_POSTGRES_DIR"]
SERVER = json.load(open(os.path.join(STATE, "server.json")))
PSQL_ENV = dict(os.environ, PGPASSWORD=open(SERVER["password_file"]).read().strip(), PGSSLMODE="verify-full",
                PGSSLROOTCERT=SERVER["ca_file"], PGOPTIONS="-c client_min_messages=warning")
TICKS = os.sysconf("SC_CLK_TCK")


def url(database):
    return f"postgresql://{SERVER['user']}@127.0.0.1:{SERVER['port']}/{database}?sslmode=require"


def store_lines(database):
    return f'store: "{url(database)}"\nstore_password_file: {SERVER["password_file"]}\n'


def psql(database, sql=None, file=None, stdin=None):
    args = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(SERVER["port"]),
            "-U", SERVER["user"], "-w", "-d", database]
    args += ["-c", sql] if sql is not None else ["-f", file]
    return subprocess.run(args, env=PSQL_ENV, check=True, stdout=subprocess.PIPE, text=True, input=stdin).stdout


def postgres_cpu():
    """CPU seconds of the cluster's processes: the postmaster's own and its reaped children's (the backends of
    closed connections), and the live children's."""
    pid = SERVER["pid"]
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
        if int(entry) == pid:
            total += sum(int(x) for x in fields[11:15])
        elif int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def stored(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S.000")


def database_exists(name):
    return psql("postgres", sql=f"SELECT count(*) FROM pg_database WHERE datname = '{name}'").strip() == "1"


def building(name):
    """A fresh database to fill under a temporary name; `finished` gives it `name` once it is complete, so an
    interrupted build is never taken for a finished one."""
    psql("postgres", sql=f"DROP DATABASE IF EXISTS {name}_building")
    psql("postgres", sql=f"CREATE DATABASE {name}_building")
    return f"{name}_building"


def finished(name):
    psql("postgres", sql=f"ALTER DATABASE {name}_building RENAME TO {name}")


def copy_rows(database, table, columns, rows):
    lines = []
    for row in rows:
        lines.append(",".join("" if v is None else '"' + str(v).replace('"', '""') + '"' for v in row))
    psql(database, sql=f"\\copy {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)",
         stdin="\n".join(lines) + "\n")


# ---- plan on both stores ------------------------------------------------------------------------------------

def plan_case(users):
    folder = bench_plan.plan_folder(users)
    sqlite_result = bench_plan.measure(
        [BIN, "plan", "--format", "json", "--now", "2026-11-21T10:00:00Z", "--out", "plan.json"], folder, repeat=3)
    database = f"plan_{users}"
    pg_folder = os.path.join(BENCH, f"plan-postgres-{users}")
    if not database_exists(database):
        subprocess.run(["rm", "-rf", pg_folder], check=True)
        os.makedirs(pg_folder)
        filling = building(database)
        config = open(os.path.join(folder, "dirsync.yaml")).read().replace("store: dirsync.sqlite\n",
                                                                            store_lines(filling))
        with open(os.path.join(pg_folder, "dirsync.yaml"), "w") as f:
            f.write(config)
        bench_plan.run([BIN, "init", "--org", "Bench", "--seats", "5000000", "--owner", "owner@bench.example"],
                       cwd=pg_folder, stdout=subprocess.DEVNULL)
        organization = psql(filling, sql="SELECT id FROM organizations WHERE name = 'Bench'").strip()
        db = sqlite3.connect(os.path.join(folder, "dirsync.sqlite"))
        member_columns = ["email", "role", "joined_at", "origin", "anchor", "managed", "profile", "profile_synced"]
        copy_rows(filling, "members", ["organization_id"] + member_columns,
                  ((organization, *row) for row in db.execute(
                      f"SELECT {', '.join(member_columns)} FROM members WHERE origin != 'founder'")))
        invitation_columns = ["email", "role", "status", "created_at", "sent_at", "expires_at", "resend_count",
                              "invited_by", "anchor", "managed", "profile", "profile_synced"]
        copy_rows(filling, "invitations", ["organization_id"] + invitation_columns,
                  ((organization, *row) for row in db.execute(
                      f"SELECT {', '.join(invitation_columns)} FROM invitations")))
        db.close()
        psql(filling, sql="VACUUM ANALYZE")
        finished(database)
        with open(os.path.join(pg_folder, "dirsync.yaml"), "w") as f:
            f.write(config.replace(store_lines(filling), store_lines(database)))
    result = bench_plan.measure(
        [BIN, "plan", "--format", "json", "--now", "2026-11-21T10:00:00Z", "--out", "plan.json"], pg_folder, repeat=3)
    same = json.load(open(os.path.join(folder, "plan.json")))["summary"] == \
        json.load(open(os.path.join(pg_folder, "plan.json")))["summary"]
    if not same:
        raise SystemExit("bench: the PostgreSQL plan differs from the SQLite plan")
    label = f"{users // 1000}k"
    print(f"| `plan`, {label} vs {label} on PostgreSQL (the same rows; the same plan) | {result['wall_s']:.2f} s, "
          f"{result['peak_rss_bytes'] / 1e6:.0f} MB | SQLite store: {sqlite_result['wall_s']:.2f} s "
          f"(**{result['wall_s'] / sqlite_result['wall_s']:.2f}×** SQLite's time) | ≤ 2× SQLite |")


# ---- the agent pool -----------------------------------------------------------------------------------------

def pool_template(orgs, users):
    """A database with `orgs` registered organizations, reused while the cluster lives."""
    database = f"pool_{orgs}_{users}"
    root = os.path.join(BENCH, f"pool-{orgs}x{users}")
    if database_exists(database):
        return database, root
    subprocess.run(["rm", "-rf", root], check=True)
    os.makedirs(root)
    filling = building(database)
    now = datetime.datetime.now(datetime.timezone.utc)
    random.seed(5)
    names = [f"Org{i:04d}" for i in range(1, orgs + 1)]
    configurations = []
    for name in names:
        domain = f"{name.lower()}.example"
        folder = os.path.join(root, name.lower())
        os.makedirs(folder)
        with open(os.path.join(folder, "people.csv"), "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["email", "first_name", "last_name"])
            for i in range(users):
                out.writerow([f"p{i:05d}@{domain}", "Person", str(i)])
        configuration = (f"organization:\n  name: {name}\n  inviter: owner@{domain}\n  allowed_domains: [{domain}]\n"
                         f"{store_lines(filling)}source: {{ kind: csv, path: people.csv }}\nmapping: csv\n"
                         f"roles: [{{ role: member }}]\nschedule: {{ every: 1h }}\n"
                         f"mail: {{ outbox: outbox/, from: \"{name} <no-reply@{domain}>\", "
                         f"accept_url: \"https://app.example.com/accept?token={{token}}\" }}\n")
        with open(os.path.join(folder, "dirsync.yaml"), "w") as f:
            f.write(configuration)
        configurations.append((name, folder, configuration))
    # The organizations through the command a user types (the first one also migrates the empty database).
    first = configurations[0]
    bench_plan.run([BIN, "init", "--org", first[0], "--seats", str(users * 2), "--owner",
                    f"owner@{first[0].lower()}.example"], cwd=first[1], stdout=subprocess.DEVNULL)
    procs = []
    for name, folder, _ in configurations[1:]:
        procs.append(subprocess.Popen([BIN, "init", "--org", name, "--seats", str(users * 2), "--owner",
                                       f"owner@{name.lower()}.example"], cwd=folder, stdout=subprocess.DEVNULL))
        if len(procs) >= 8:
            if procs.pop(0).wait() != 0:
                raise SystemExit("bench: init failed")
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit("bench: init failed")
    ids = dict(line.split("|") for line in psql(filling, sql="SELECT name, id FROM organizations").split())
    members, invitations, registrations = [], [], []
    joined, sent, expires = stored(now - datetime.timedelta(days=30)), stored(now - datetime.timedelta(days=1)), \
        stored(now + datetime.timedelta(days=6))
    for name, folder, configuration in configurations:
        organization = ids[name]
        domain = f"{name.lower()}.example"
        for i in range(users):
            email = f"p{i:05d}@{domain}"
            draw = random.random()
            if draw < 0.70:
                role = "viewer" if random.random() < 0.01 else "member"
                members.append((organization, email, role, joined, "invitation", email, 1))
            elif draw < 0.95:
                invitations.append((organization, email, "member", "pending", sent, sent, expires, 0,
                                    f"owner@{domain}", email, 1))
        configuration = configuration.replace(store_lines(filling), store_lines(database))
        with open(os.path.join(folder, "dirsync.yaml"), "w") as f:
            f.write(configuration)
        registrations.append((organization, configuration, folder, f"{name.lower()}/dirsync.yaml", 3600,
                              stored(now), "bench", stored(now - datetime.timedelta(minutes=1))))
    copy_rows(filling, "members", ["organization_id", "email", "role", "joined_at", "origin", "anchor", "managed"],
              members)
    copy_rows(filling, "invitations", ["organization_id", "email", "role", "status", "created_at", "sent_at",
                                        "expires_at", "resend_count", "invited_by", "anchor", "managed"], invitations)
    copy_rows(filling, "pool_organizations", ["organization_id", "configuration", "folder", "file", "every_seconds",
                                               "registered_at", "registered_by", "next_due_at"], registrations)
    psql(filling, sql="VACUUM ANALYZE")
    finished(database)
    return database, root


def pool_case(orgs, users, agents):
    template, root = pool_template(orgs, users)
    database = f"pool_run_{agents}"
    psql("postgres", sql=f"DROP DATABASE IF EXISTS {database}")
    psql("postgres", sql=f"CREATE DATABASE {database} TEMPLATE {template}")
    for entry in os.listdir(root):
        subprocess.run(["rm", "-rf", os.path.join(root, entry, "outbox")], check=True)
    with open(os.path.join(root, "pool.yaml"), "w") as f:
        f.write(store_lines(database))
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_postgres = postgres_cpu()
    start = time.monotonic()
    # Each agent's log (warnings and errors) is kept beside the data, for when the checks below fail.
    logs = [open(os.path.join(root, f"agent-{agents}-{index}.log"), "w") for index in range(agents)]
    procs = [subprocess.Popen([BIN, "run", "--all-organizations", "--once", "--config", "pool.yaml"], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=log) for log in logs]
    failures = []
    for proc, log in zip(procs, logs):
        proc.wait()
        log.close()
        if proc.returncode != 0:
            failures.append(open(log.name).read()[-2000:])
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    agents_cpu = (after.ru_utime + after.ru_stime) - (before_children.ru_utime + before_children.ru_stime)
    postgres = postgres_cpu() - before_postgres
    if failures:
        raise SystemExit("bench: an agent failed: " + failures[0])
    counts = psql(database, sql="SELECT count(*) FILTER (WHERE outcome = 'completed'), count(*) FROM runs "
                                "WHERE trigger = 'run'").strip().split("|")
    sent = sum(len([n for n in os.listdir(os.path.join(root, entry, "outbox")) if n.endswith(".eml")])
               for entry in os.listdir(root) if os.path.isdir(os.path.join(root, entry, "outbox")))
    succeeded, runs = int(counts[0]), int(counts[1])
    if succeeded != orgs or runs != orgs:
        raise SystemExit(f"bench: {agents} agent(s) made {runs} runs, {succeeded} completed, for {orgs} organizations")
    print(f"| pool: {orgs:,} organizations × {users:,} users reconciled by {agents} agent{'s' if agents > 1 else ''} "
          f"(each its own process, 4 organizations at a time; {sent:,} invitations and role offers mailed) "
          f"| {wall:.1f} s, **{orgs / wall:.1f} organizations/s**; CPU: agents {agents_cpu:.1f} s, PostgreSQL "
          f"{postgres:.1f} s ({100 * postgres / (postgres + agents_cpu):.0f} % of all) | — | — |")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "plan":
        for size in sys.argv[2:]:
            plan_case(int(size))
    elif what == "pool":
        orgs, users = int(sys.argv[2]), int(sys.argv[3])
        for agents in sys.argv[4:]:
            pool_case(orgs, users, int(agents))
