"""An independent computation of each person's effective groups in an LDIF export, for the tests to compare
dirsync's with: its own LDIF reading and RFC 4514 DN comparison, membership from member, uniqueMember
(without the #'...'B suffix) and memberUid (exact uid), and the transitive closure over groups in groups.
Prints JSON: {email: {group cn: true when direct}}. Usage: effective_groups.py EXPORT.ldif"""
import base64
import json
import re
import sys

GROUP_CLASSES = {"group", "groupofnames", "groupofuniquenames", "posixgroup", "groupofentries", "groupofmembers"}


def entries(path):
    with open(path, "rb") as file:
        text = file.read().decode("utf-8")
    lines = []
    for line in text.split("\n"):
        if line.startswith(" ") and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
    entry = {}
    for line in lines + [""]:
        if not line:
            if entry:
                yield entry
            entry = {}
            continue
        if line.startswith("#"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(":"):
            value = base64.b64decode(value[1:].strip()).decode("utf-8")
        else:
            value = value[1:] if value.startswith(" ") else value
        entry.setdefault(name.lower(), []).append(value)


def split_unescaped(text, separators):
    parts, current, i = [], "", 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 2
            continue
        if char in separators:
            parts.append(current)
            current = ""
        else:
            current += char
        i += 1
    parts.append(current)
    return parts


def unescape(value):
    out = bytearray()
    i = 0
    raw = value.encode("utf-8")
    while i < len(raw):
        if raw[i:i + 1] == b"\\" and i + 2 < len(raw) + 1:
            pair = raw[i + 1:i + 3]
            if re.fullmatch(rb"[0-9A-Fa-f]{2}", pair):
                out.append(int(pair, 16))
                i += 3
                continue
            out += raw[i + 1:i + 2]
            i += 2
            continue
        out += raw[i:i + 1]
        i += 1
    return out.decode("utf-8", "replace")


def normalize(dn):
    rdns = []
    for rdn in split_unescaped(dn.strip(), ",;"):
        avas = []
        for ava in split_unescaped(rdn, "+"):
            kind, _, value = ava.partition("=")
            value = " ".join(unescape(value.strip()).split(" ")).strip().lower()
            value = re.sub(" +", " ", value)
            avas.append(kind.strip().lower() + "=" + value)
        rdns.append("+".join(sorted(avas)))
    return ",".join(rdns)


def main(path):
    people, groups = {}, {}
    for entry in entries(path):
        classes = {value.lower() for value in entry.get("objectclass", [])}
        dn = normalize(entry["dn"][0])
        if classes & GROUP_CLASSES:
            members = [normalize(m) for m in entry.get("member", [])]
            members += [normalize(re.sub(r"#'[01]*'B$", "", m)) for m in entry.get("uniquemember", [])]
            groups[dn] = {"cn": entry.get("cn", [dn])[0], "members": members, "uids": entry.get("memberuid", [])}
        elif "inetorgperson" in classes and entry.get("mail"):
            people[dn] = {"mail": entry["mail"][0].lower(), "uid": entry.get("uid", [])}
    parents = {dn: [] for dn in groups}
    for dn, group in groups.items():
        for member in group["members"]:
            if member in groups:
                parents[member].append(dn)
    result = {}
    for dn, person in people.items():
        direct = [g for g, group in groups.items()
                  if dn in group["members"] or any(uid in group["uids"] for uid in person["uid"])]
        effective = {g: True for g in direct}
        stack = list(direct)
        while stack:
            for parent in parents[stack.pop()]:
                if parent not in effective:
                    effective[parent] = False
                    stack.append(parent)
        result[person["mail"]] = {groups[g]["cn"]: is_direct for g, is_direct in effective.items()}
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
