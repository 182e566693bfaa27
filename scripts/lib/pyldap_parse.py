#!/usr/bin/env python3
"""Streams an LDIF file through python-ldap's LDIFParser (the peer in scripts/bench.d/ldif.sh) and prints
the number of entries and values it saw, so the benchmark can check both parsers read the same file."""
import sys

import ldif


class Counter(ldif.LDIFParser):
    def __init__(self, stream):
        super().__init__(stream)
        self.entries = 0
        self.values = 0

    def handle(self, dn, entry):
        self.entries += 1
        self.values += sum(len(values) for values in entry.values())


with open(sys.argv[1], "rb") as stream:
    parser = Counter(stream)
    parser.parse()
print(f"{parser.entries} entries, {parser.values} values")
