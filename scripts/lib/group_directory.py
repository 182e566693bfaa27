"""Writes the LDIF of a small directory whose memberships live only in group entries (no memberOf):
groupOfNames nested three deep, a two-group cycle, a self-reference, dangling members, member DNs spelled
in another case and spacing and with escapes, groupOfUniqueNames with #'...'B suffixes, a posixGroup with
memberUid and a group of 1,100 members. scripts/make-group-fixtures loads it into slapd and exports it."""
import sys

BASE = "dc=example,dc=com"
PEOPLE = f"ou=People,{BASE}"
GROUPS = f"ou=Groups,{BASE}"


def person(uid, given, family, number, cn=None):
    cn = cn or f"{given} {family}"
    rdn = f"uid={uid}"
    return [
        f"dn: {rdn},{PEOPLE}",
        "objectClass: inetOrgPerson",
        "objectClass: posixAccount",
        f"uid: {uid}",
        f"cn: {cn}",
        f"givenName: {given}",
        f"sn: {family}",
        f"mail: {uid}@example.com",
        f"uidNumber: {10000 + number}",
        f"gidNumber: {10000 + number}",
        f"homeDirectory: /home/{uid}",
    ]


def group(cn, members, kind="groupOfNames"):
    attribute = {"groupOfNames": "member", "groupOfUniqueNames": "uniqueMember"}[kind]
    lines = [f"dn: cn={cn},{GROUPS}", f"objectClass: {kind}", f"cn: {cn}"]
    lines += [f"{attribute}: {member}" for member in members]
    return lines


def dn(uid):
    return f"uid={uid},{PEOPLE}"


def gdn(cn):
    return f"cn={cn},{GROUPS}"


def main(out):
    entries = [
        [f"dn: {BASE}", "objectClass: dcObject", "objectClass: organization", "o: Example", "dc: example"],
        [f"dn: {PEOPLE}", "objectClass: organizationalUnit", "ou: People"],
        [f"dn: {GROUPS}", "objectClass: organizationalUnit", "ou: Groups"],
    ]
    names = ["ada", "bo", "cy", "dee", "eve", "fay", "gus", "hal", "ivy", "jo", "kim", "lu"]
    for number, name in enumerate(names):
        entries.append(person(name, name.capitalize(), "Example", number))
    for number in range(1100):
        entries.append(person(f"staff{number:04d}", "Staff", f"Member {number:04d}", 100 + number))
    # Nested three deep: Everyone > Legal > Legal EU > Legal EU Paris.
    entries.append(group("Legal EU Paris", [dn("ada"), dn("bo")]))
    entries.append(group("Legal EU", [gdn("Legal EU Paris"), dn("cy")]))
    entries.append(group("Legal", [gdn("Legal EU"), dn("dee")]))
    entries.append(group("Everyone", [gdn("Legal"), dn("eve")]))
    # A cycle of two and a group that contains itself.
    entries.append(group("Cycle A", [gdn("Cycle B"), dn("fay")]))
    entries.append(group("Cycle B", [gdn("Cycle A"), dn("gus")]))
    entries.append(group("Self", [gdn("Self"), dn("hal")]))
    # Dangling members: DNs of entries that do not exist.
    entries.append(group("Dangling", [dn("ivy"), dn("ghost1"), dn("ghost2"), f"cn=Nobody,{GROUPS}"]))
    # Member DNs in another case and spacing, and with a hex escape of an ordinary character (\6a = j).
    entries.append(group("Spelled", ["UID=jo , OU=people,DC=Example, dc=COM", "uid=\\6bim,ou=People,dc=example,dc=com"]))
    # groupOfUniqueNames, with and without the optional bit-string UID suffix.
    entries.append(group("Unique", [dn("lu") + "#'0101'B", dn("ada")], kind="groupOfUniqueNames"))
    # posixGroup: members by uid.
    entries.append(
        [f"dn: cn=Developers,{GROUPS}", "objectClass: posixGroup", "cn: Developers", "gidNumber: 5000",
         "memberUid: bo", "memberUid: CY", "memberUid: nobody-here"])
    # Over a thousand members, one of them a group.
    entries.append(group("All Staff", [dn(f"staff{n:04d}") for n in range(1100)] + [gdn("Everyone")]))
    with open(out, "w") as file:
        file.write("\n\n".join("\n".join(lines) for lines in entries) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
