import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Profile sync as an admin runs it: the demo company with a mapping whose `profile:` block maps title and
/// department, through plan, apply, a directory change, a hand edit, an owner and an invitation sent by hand.
@Suite struct ProfileSyncTests {
    /// The demo workspace read with the Active Directory preset plus a profile block.
    static func workspace() async throws -> (TemporaryDirectory, CLIProcess) {
        let (folder, cli) = try await ReconciliationCommandsTests.demoWorkspace()
        let preset = try String(
            contentsOf: ReconciliationCommandsTests.fixtures.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Mappings/active-directory.yaml"), encoding: .utf8)
        try (preset + "profile: { title: title, department: [department, company] }\n").write(
            to: folder.file("acme.yaml"), atomically: true, encoding: .utf8)
        let configuration = try String(contentsOf: folder.file("dirsync.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "mapping: active-directory", with: "mapping: acme.yaml")
        try configuration.write(to: folder.file("dirsync.yaml"), atomically: true, encoding: .utf8)
        return (folder, cli)
    }

    static func plan(_ cli: CLIProcess, at now: String) async throws -> [String: Any] {
        let result = try await cli.run(["plan", "--format", "json", "--now", now])
        #expect(result.status == 0, "\(result)")
        return try #require(try ReconciliationCommandsTests.json(result) as? [String: Any])
    }

    static func changes(_ plan: [String: Any], _ action: String) -> [[String: Any]] {
        ((plan["changes"] as? [[String: Any]]) ?? []).filter { $0["action"] as? String == action }
    }

    static func fields(_ change: [String: Any]) -> [String] {
        ((change["fields"] as? [[String: Any]]) ?? []).map {
            "\($0["field"] as? String ?? "?"):\($0["from"] as? String ?? "-")>\($0["to"] as? String ?? "-")"
        }
    }

    static func profile(_ cli: CLIProcess, _ email: String) async throws -> [String: String] {
        let shown = try await cli.run(["members", "show", email, "--format", "json"])
        #expect(shown.status == 0, "\(shown)")
        let json = try #require(try ReconciliationCommandsTests.json(shown) as? [String: Any])
        let identity = try #require(json["identity"] as? [String: Any])
        return (identity["fields"] as? [String: String]) ?? [:]
    }

    /// Replaces `old` with `new` in the line after Bo's (or anyone's) `dn:` block: the export changes.
    static func edit(_ folder: TemporaryDirectory, _ old: String, _ new: String) throws {
        let text = try String(contentsOf: folder.file("export.ldif"), encoding: .utf8)
        #expect(text.contains(old), "the export has no \(old.debugDescription)")
        try text.replacingOccurrences(of: old, with: new).write(
            to: folder.file("export.ldif"), atomically: true, encoding: .utf8)
    }

    @Test func joinsCarryTheProfileChangesAreFieldDiffsAndTheDirectoryWinsOverAHandEdit() async throws {
        let (folder, cli) = try await Self.workspace()
        defer { folder.remove() }
        // Ivy is invited by hand before the first sync: her invitation is not managed, so never updated.
        let byHand = try await cli.run([
            "invitations", "send", "ivy@partner.io", "--role", "viewer", "--field", "title=Guest",
            "--now", "2026-10-01T08:00:00Z",
        ])
        #expect(byHand.status == 0, "\(byHand)")

        let first = try await Self.plan(cli, at: "2026-10-01T09:00:00Z")
        let bo = try #require(Self.changes(first, "join").first { $0["email"] as? String == "bo@acme.com" })
        #expect(Self.fields(bo) == ["department:->Engineering", "title:->Engineer"])
        let jo = try #require(Self.changes(first, "invite").first { $0["email"] as? String == "jo@partner.io" })
        #expect(Self.fields(jo) == ["title:->Contractor"])
        let applied = try await cli.run(["apply", "--yes", "--now", "2026-10-01T09:05:00Z"])
        #expect(applied.status == 0, "\(applied)")
        #expect(try await Self.profile(cli, "bo@acme.com") == ["title": "Engineer", "department": "Engineering"])
        // The owner is never touched: the directory's CEO is not written on Ada.
        #expect(try await Self.profile(cli, "ada@acme.com") == [:])
        // Converged: the next plan has nothing to do.
        let again = try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-10-01T09:06:00Z"])
        #expect(again.status == 0, "\(again)")

        // The directory promotes Bo and Jo: field-level updates of a member and of a pending invitation.
        try Self.edit(
            folder, "title: Engineer\nuserAccountControl: 512\nobjectGUID:: fpwi",
            "title: Senior Engineer\nuserAccountControl: 512\nobjectGUID:: fpwi")
        try Self.edit(
            folder, "SMTP:jo@partner.io\nproxyAddresses: smtp:jo@acme.onmicrosoft.com\ntitle: Contractor",
            "SMTP:jo@partner.io\nproxyAddresses: smtp:jo@acme.onmicrosoft.com\ntitle: Lead Contractor")
        try Self.edit(
            folder, "SMTP:ivy@partner.io\nproxyAddresses: smtp:ivy@acme.onmicrosoft.com\ntitle: Contractor",
            "SMTP:ivy@partner.io\nproxyAddresses: smtp:ivy@acme.onmicrosoft.com\ntitle: Senior Contractor")
        let second = try await Self.plan(cli, at: "2026-10-02T09:00:00Z")
        let updates = Self.changes(second, "update")
        let boUpdate = try #require(updates.first { $0["email"] as? String == "bo@acme.com" })
        #expect(Self.fields(boUpdate) == ["title:Engineer>Senior Engineer"])
        #expect(boUpdate["member_id"] is Int && boUpdate["invitation_id"] is NSNull)
        let joUpdate = try #require(updates.first { $0["email"] as? String == "jo@partner.io" })
        #expect(Self.fields(joUpdate) == ["title:Contractor>Lead Contractor"])
        #expect(joUpdate["invitation_id"] is Int && joUpdate["member_id"] is NSNull)
        // Gus is also an Engineer, unchanged; the hand-sent invitation is not the sync's to change.
        #expect(Set(updates.compactMap { $0["email"] as? String }) == ["bo@acme.com", "jo@partner.io"])
        let text = try await cli.run(["plan", "--now", "2026-10-02T09:00:00Z"])
        #expect(text.stdout.contains("title 'Engineer' → 'Senior Engineer'"), "\(text)")
        let updated = try await cli.run(["apply", "--yes", "--now", "2026-10-02T09:05:00Z"])
        #expect(updated.status == 0, "\(updated)")
        #expect(try await Self.profile(cli, "bo@acme.com")["title"] == "Senior Engineer")
        let shownJo = try await cli.run(["members", "show", "jo@partner.io", "--format", "json"])
        #expect(shownJo.stdout.contains("Lead Contractor"), "\(shownJo)")
        let audit = try await cli.run(["audit", "--format", "json"])
        let events = try #require(try ReconciliationCommandsTests.json(audit) as? [[String: Any]])
        let boEvent = try #require(
            events.last {
                $0["event"] as? String == "TEAM_MEMBER_UPDATED" && $0["subject"] as? String == "bo@acme.com"
            })
        #expect((boEvent["details"] as? [String: Any])?["fields"] as? String == "title")
        #expect(try await cli.run(["plan", "--detailed-exitcode", "--now", "2026-10-02T09:06:00Z"]).status == 0)

        // An admin edits a managed field by hand: the directory wins, and the plan says so.
        let edit = try await cli.run(["members", "identity", "set", "bo@acme.com", "--field", "title=Boss"])
        #expect(edit.status == 0, "\(edit)")
        let third = try await Self.plan(cli, at: "2026-10-03T09:00:00Z")
        let back = try #require(Self.changes(third, "update").first { $0["email"] as? String == "bo@acme.com" })
        #expect(Self.fields(back) == ["title:Boss>Senior Engineer"])
        let diagnostics = (third["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(
            diagnostics.contains { $0.contains("bo@acme.com's title was edited by hand ('Boss')") }, "\(diagnostics)")
        // A field the mapping does not manage is the admin's: never touched.
        #expect(try await cli.run(["members", "identity", "set", "bo@acme.com", "--field", "phone=555"]).status == 0)
        #expect(try await cli.run(["apply", "--yes", "--now", "2026-10-03T09:05:00Z"]).status == 0)
        #expect(
            try await Self.profile(cli, "bo@acme.com") == [
                "title": "Senior Engineer", "department": "Engineering", "phone": "555",
            ])

        // The directory clears the title: the field goes.
        try Self.edit(folder, "title: Senior Engineer\n", "")
        let fourth = try await Self.plan(cli, at: "2026-10-04T09:00:00Z")
        let cleared = try #require(Self.changes(fourth, "update").first { $0["email"] as? String == "bo@acme.com" })
        #expect(Self.fields(cleared) == ["title:Senior Engineer>-"])

        // explain names each field's source attribute and value.
        let explained = try await cli.run(["explain", "dee@acme.com", "--now", "2026-10-04T09:00:00Z"])
        #expect(explained.stdout.contains("profile title = 'Counsel' from title"), "\(explained)")
        #expect(explained.stdout.contains("profile department = 'Legal' from department"), "\(explained)")
    }

    @Test func aSavedPlanIsRefusedOnceAProfileWasEditedAfterIt() async throws {
        let (folder, cli) = try await Self.workspace()
        defer { folder.remove() }
        #expect(try await cli.run(["apply", "--yes", "--now", "2026-10-01T09:05:00Z"]).status == 0)
        try Self.edit(folder, "title: Counsel", "title: General Counsel")
        let saved = try await cli.run(["plan", "--out", "plan.json", "--now", "2026-10-02T09:00:00Z"])
        #expect(saved.status == 0, "\(saved)")
        #expect(try await cli.run(["members", "identity", "set", "dee@acme.com", "--field", "title=Boss"]).status == 0)
        let stale = try await cli.run(["apply", "plan.json", "--yes", "--now", "2026-10-02T09:01:00Z"])
        #expect(stale.status != 0 && stale.stderr.contains("changed"), "\(stale)")
        #expect(try await Self.profile(cli, "dee@acme.com")["title"] == "Boss")
    }

    @Test func aProfileBlockIsCheckedWhereItIsParsed() throws {
        let base = "anchor: objectGUID\nemail: mail\n"
        let good = try Mapping.parse(
            base
                + "profile: { title: title, phone: [telephoneNumber, mobile], manager: { attribute: managerMail, as: email } }\n",
            file: "m.yaml")
        #expect(good.profile.map(\.key) == ["title", "phone", "manager"])
        #expect(good.profile[1].attributes == ["telephonenumber", "mobile"] && good.profile[2].isEmail)
        #expect(good.projection.names.keys.contains("managermail"))
        for (block, problem) in [
            ("{ Title: title }", "'Title' cannot name a profile field"),
            ("{ given_name: givenName }", "'given_name' is a name, not a profile field"),
            ("{ manager: { attribute: manager, as: dn } }", "a profile field is text, or 'as: email'"),
            ("{ title: 'ti tle' }", "is not an attribute name"),
        ] {
            #expect {
                try Mapping.parse(base + "profile: \(block)\n", file: "m.yaml")
            } throws: { error in
                "\(error)".contains("m.yaml:3") && "\(error)".contains(problem)
            }
        }
    }

    @Test func anEmailFieldIsCanonicalAndABadOneIsLeftEmptyWithAWarning() throws {
        var mapping = Mapping(name: "m", anchor: [.init(attribute: "uid")], email: [.init(attribute: "mail")])
        mapping.profile = [.init(key: "manager", attributes: ["managerMail"], isEmail: true)]
        let mapper = Mapper(mapping: mapping)
        func user(_ manager: String) -> (DirectoryUser?, [String]) {
            var entry = DirectoryEntry(location: SourceLocation(source: "x", line: 1))
            entry.append("u1", to: "uid")
            entry.append("a@x.io", to: "mail")
            entry.append(manager, to: "managerMail")
            guard case .user(let user, let notes) = mapper.map(entry) else { return (nil, []) }
            return (user, notes.map(\.diagnostic.message))
        }
        #expect(user("Boss@Example.COM").0?.profile == ["manager": "boss@example.com"])
        let (bad, notes) = user("CN=Boss,OU=Staff")
        #expect(bad?.profile == [:])
        #expect(notes.contains { $0.hasPrefix("profile field manager (as: email):") && $0.hasSuffix("left empty") })
    }
}
