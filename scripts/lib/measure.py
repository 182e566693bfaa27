#!/usr/bin/env python3
"""Runs a command and prints its wall time, CPU time and peak RSS as JSON on stderr's last line.

Usage: measure.py [--repeat N] -- COMMAND [ARGS...]
With --repeat, the best (lowest) wall time of N runs is reported, with that run's CPU time and the
highest peak RSS seen. Peak RSS comes from getrusage(RUSAGE_CHILDREN), so it covers the command and
anything it waits for.
"""
import json
import os
import resource
import subprocess
import sys
import time


def run_once(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime
    code = os.waitstatus_to_exitcode(status)
    return wall, cpu, usage.ru_maxrss * 1024, code


def main():
    args = sys.argv[1:]
    repeat = 1
    if args[:1] == ["--repeat"]:
        repeat = int(args[1])
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    best = None
    peak = 0
    for _ in range(repeat):
        wall, cpu, rss, code = run_once(args)
        if code != 0:
            print(json.dumps({"error": f"exit {code}", "command": args}), file=sys.stderr)
            sys.exit(code)
        peak = max(peak, rss)
        if best is None or wall < best[0]:
            best = (wall, cpu)
    print(json.dumps({"wall_s": round(best[0], 3), "cpu_s": round(best[1], 3), "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main()
