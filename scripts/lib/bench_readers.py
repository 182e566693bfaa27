#!/usr/bin/env python3
"""Benchmark rows for the readers: runs dirsync and its peers on the same generated files in one run and
prints Markdown rows `| work | dirsync | peer (same run) | target |` (see scripts/bench.sh).

Usage: bench_readers.py ldif|dsml   (environment: DIRSYNC_BIN, BENCH_DIR, MEASURE, PYLDAP_PYTHON, LDAPADD)
"""
import json
import os
import shutil
import subprocess
import sys

DIRSYNC = os.environ["DIRSYNC_BIN"]
BENCH = os.environ["BENCH_DIR"]
MEASURE = os.environ["MEASURE"]
LDIF_USERS = int(os.environ.get("BENCH_LDIF_USERS", "1000000"))
SMALL_USERS = LDIF_USERS // 10


def generate(fmt, users, groups, name):
    path = os.path.join(BENCH, name)
    if not os.path.exists(path):
        subprocess.run(
            [DIRSYNC, "generate", "--format", fmt, "--users", str(users), "--groups", str(groups), "--seed", "1",
             "--output", path + ".tmp"], check=True)
        os.rename(path + ".tmp", path)
    return path


def measure(command, repeat=1):
    """Wall, CPU and peak RSS of `command` (its output discarded), plus the output's last line."""
    out_file = os.path.join(BENCH, "last-output.txt")
    wrapped = ["bash", "-c", 'exec "$@" > "$OUT" 2>&1', "_"] + command
    result = subprocess.run(
        [sys.executable, MEASURE, "--repeat", str(repeat), "--"] + wrapped, capture_output=True, text=True,
        env={**os.environ, "OUT": out_file})
    with open(out_file, errors="replace") as handle:
        lines = handle.read().strip().splitlines()
    last = lines[-1] if lines else ""
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed: {last}")
    return json.loads(result.stdout.strip().splitlines()[-1]), last


def figures(stats, size, entries):
    wall = stats["wall_s"]
    return (f"{wall:.2f} s, {size / wall / 1e6:.0f} MB/s, {entries / wall / 1000:.0f}k entries/s, "
            f"{stats['peak_rss_bytes'] / 1048576:.0f} MB RSS")


def count_entries(check_line):
    # "FILE: 1000102 entries, 24000001 values, 123 bytes: no errors"
    return int(check_line.split(": ")[1].split(" entries")[0])


def ldif():
    big = generate("ad-ldif", LDIF_USERS, 1000, f"ad-{LDIF_USERS}.ldif")
    small = generate("ad-ldif", SMALL_USERS, 1000, f"ad-{SMALL_USERS}.ldif")
    size = os.path.getsize(big)
    small_size = os.path.getsize(small)
    label = f"{LDIF_USERS:,}"

    check, line = measure([DIRSYNC, "source", "check", "--source", f"ldif:{big}"], repeat=3)
    entries = count_entries(line)
    check_small, _ = measure([DIRSYNC, "source", "check", "--source", f"ldif:{small}"], repeat=3)
    show, show_line = measure(
        [DIRSYNC, "source", "show", "--source", f"ldif:{big}", "--mapping", "active-directory", "--summary"])
    show_small, _ = measure(
        [DIRSYNC, "source", "show", "--source", f"ldif:{small}", "--mapping", "active-directory", "--summary"])

    peers = []
    python = os.environ.get("PYLDAP_PYTHON")
    if python:
        script = os.path.join(os.path.dirname(__file__), "pyldap_parse.py")
        py, py_line = measure([python, script, big])
        py_small, _ = measure([python, script, small])
        py_entries = int(py_line.split(" entries")[0])
        note = "" if py_entries == entries else f" (saw {py_entries:,} entries)"
        peers.append(("python-ldap 3.4.8 `LDIFParser`", py, py_small, py_entries, 15.0, note))
    ldapadd = os.environ.get("LDAPADD")
    if ldapadd:
        la, _ = measure([ldapadd, "-n", "-c", "-f", big], repeat=3)
        la_small, _ = measure([ldapadd, "-n", "-c", "-f", small], repeat=3)
        peers.append(("OpenLDAP `ldapadd -n -f`", la, la_small, entries, 1.0, ""))

    rows = []
    peer_cells = []
    for name, stats, _, peer_entries, target, note in peers:
        ratio = stats["wall_s"] / check["wall_s"]
        verdict = "met" if ratio >= target else "not met"
        peer_cells.append(f"{name}: {figures(stats, size, peer_entries)}{note} → dirsync {ratio:.1f}× ({verdict}, target ≥{target:g}×)")
    rows.append(
        f"| LDIF parse, {label} AD-style users ({size / 1e9:.2f} GB; `dirsync source check`: every record, "
        f"base64 decoded, DN UTF-8 checked) | {figures(check, size, entries)} | "
        + ("<br>".join(peer_cells) or "peers not installed")
        + " | ≥15× python-ldap, ≥1.0× ldapadd |")
    rows.append(
        f"| LDIF read + map with `active-directory` (`source show --summary`: every entry parsed and mapped on two threads, duplicates checked; no user kept) "
        f"| {figures(show, size, entries)} | — | — |")
    memory_peers = "; ".join(
        f"{name}: {s['peak_rss_bytes'] / 1048576:.0f} MB → {b['peak_rss_bytes'] / 1048576:.0f} MB"
        for name, b, s, _, _, _ in peers)
    rows.append(
        f"| LDIF peak RSS, {SMALL_USERS:,} → {LDIF_USERS:,} users ({small_size / 1e6:.0f} MB → {size / 1e6:.0f} MB) "
        f"| check: {check_small['peak_rss_bytes'] / 1048576:.0f} MB → {check['peak_rss_bytes'] / 1048576:.0f} MB "
        f"(flat); show: {show_small['peak_rss_bytes'] / 1048576:.0f} MB → {show['peak_rss_bytes'] / 1048576:.0f} MB "
        f"(the duplicate check's index of every anchor and email) | {memory_peers or '—'} | constant memory |")
    print("\n".join(rows))


def dsml():
    users = int(os.environ.get("BENCH_DSML_USERS", "200000"))
    big = generate("dsml", users, 1000, f"users-{users}.xml")
    small = generate("dsml", users // 10, 1000, f"users-{users // 10}.xml")
    size = os.path.getsize(big)
    check, line = measure([DIRSYNC, "source", "check", "--source", f"dsml:{big}"], repeat=3)
    check_small, _ = measure([DIRSYNC, "source", "check", "--source", f"dsml:{small}"], repeat=3)
    entries = count_entries(line)
    verdict = "met" if size / check["wall_s"] / 1e6 >= 50 else "not met"
    print(
        f"| DSML v2 parse, {users:,} users ({size / 1e6:.0f} MB; `source check`, XMLParser) | "
        f"{figures(check, size, entries)}; RSS {check_small['peak_rss_bytes'] / 1048576:.0f} MB at {users // 10:,} "
        f"users ({verdict}) | — | ≥ 50 MB/s, constant memory |")


if __name__ == "__main__":
    {"ldif": ldif, "dsml": dsml}[sys.argv[1]]()
