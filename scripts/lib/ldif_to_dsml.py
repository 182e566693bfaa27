"""Converts an LDIF content file (slapcat output) to a DSML v2 batchResponse with one searchResponse:
the same entries, attributes and values, base64 values kept as xsd:base64Binary. Usage: IN.ldif OUT.xml"""
import base64
import sys
from xml.sax.saxutils import escape, quoteattr


def records(path):
    with open(path, "rb") as file:
        lines = file.read().decode("utf-8").split("\n")
    unfolded = []
    for line in lines:
        if line.startswith(" ") and unfolded:
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    record = []
    for line in unfolded + [""]:
        if line == "":
            if record:
                yield record
            record = []
        elif not line.startswith("#"):
            name, _, rest = line.partition(":")
            if rest.startswith(":"):
                record.append((name, base64.b64decode(rest[1:].strip()), True))
            else:
                record.append((name, rest[1:] if rest.startswith(" ") else rest, False))


def main(source, target):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core" '
           'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
           "<searchResponse>"]
    for record in records(source):
        (_, dn, encoded), attributes = record[0], record[1:]
        dn = dn.decode("utf-8") if encoded else dn
        out.append(f"<searchResultEntry dn={quoteattr(dn)}>")
        by_name = {}
        for name, value, encoded in attributes:
            by_name.setdefault(name, []).append((value, encoded))
        for name, values in by_name.items():
            out.append(f"  <attr name={quoteattr(name)}>")
            for value, encoded in values:
                if encoded:
                    text = base64.b64encode(value).decode("ascii")
                    out.append(f'    <value xsi:type="xsd:base64Binary">{text}</value>')
                else:
                    out.append(f"    <value>{escape(value)}</value>")
            out.append("  </attr>")
        out.append("</searchResultEntry>")
    out += ['<searchResultDone><resultCode code="0"/></searchResultDone>', "</searchResponse>", "</batchResponse>"]
    with open(target, "w") as file:
        file.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
