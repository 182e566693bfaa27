import ArgumentParser
import DirectorySync
import DirectorySyncSQLite
import Foundation

/// `dirsync explain EMAIL`: why dirsync does (or does not) do something for one person.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            "Explain one person: the directory entry, the mapping result, each rule tried, and the planned action.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("An email address (or a directory anchor).", valueName: "email")) var person: String

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readOnly)
        let organization = try await environment.organization()
        let configuration = environment.configuration
        let target = person.trimmingCharacters(in: .whitespaces).lowercased()
        let email = try? EmailAddress(person)

        // 1. The entry and what the mapping made of it.
        guard let source = configuration.source, source.path != nil || source.scimSection != nil else {
            throw CommandError.invalidArgument("explain reads the configured source; none is configured", hint: nil)
        }
        let reference =
            configuration.mapping ?? Mapping.defaultPresetName(for: source.kind).map(MappingReference.preset)
        guard let reference else { throw CommandError.invalidArgument("no mapping configured", hint: nil) }
        let mapping = try Mapping.load(reference)
        let mapper = Mapper(mapping: mapping)
        var found: [(DirectoryEntry, Mapper.Outcome)] = []
        let consider: (DirectoryEntry) -> Void = { entry in
            let outcome = mapper.map(entry)
            let matches: Bool
            switch outcome {
            case .user(let user, _): matches = user.email?.canonical == target || user.anchor.lowercased() == target
            case .skipped:
                // An entry the mapping skipped has no anchor or address of its own: it matches when one of its
                // values is exactly what was asked for (its mail, its objectGUID text…).
                matches = entry.names.contains { entry.strings($0).contains { $0.lowercased() == target } }
            }
            if matches { found.append((entry, outcome)) }
        }
        if let section = source.scimSection {
            for entry in try await SCIMSource(section).rawEntries() { consider(entry) }
        } else if let path = source.path {
            let file = FileSource(kind: source.kind, path: path, displayName: source.pathAsWritten ?? path)
            try file.forEachRawEntry(csv: mapping.csv, consider)
        }

        // 2. The organization's records and the plan.
        let preview = try await environment.syncEngine().preview(organization, now: environment.now)
        var anchors = Set(
            found.compactMap { entry, outcome -> String? in
                if case .user(let user, _) = outcome { return user.anchor }
                return nil
            })
        // Not an address: it may be the anchor of someone no longer in the directory.
        if email == nil { anchors.insert(person.trimmingCharacters(in: .whitespaces)) }
        let (member, invitation) = try await environment.store.read { [anchors] db in
            let members = try db.members(in: organization.id)
            let pending = try db.invitations(in: organization.id, statuses: [.pending])
            return (
                members.first { $0.email == email || ($0.anchor.map(anchors.contains) ?? false) },
                pending.first { $0.email == email || ($0.anchor.map(anchors.contains) ?? false) }
            )
        }
        if found.isEmpty && member == nil && invitation == nil {
            throw CommandError.invalidArgument(
                "nothing in the directory or the organization matches '\(person)'"
                    + (email == nil ? " (it is neither an email address nor the anchor of a directory entry)" : ""),
                hint: "give a person's email address or directory anchor ('dirsync source show' lists both)")
        }
        let changes = preview.plan.changes.filter { change in
            if let email, change.email == email || change.fromEmail == email { return true }
            return change.anchor.map(anchors.contains) ?? false
        }

        var lines: [String] = []
        let style = Style.stdout
        if found.isEmpty {
            lines.append(style.bold("Directory"))
            let sourceName = source.pathAsWritten ?? source.scimSection?.settings.baseURL.absoluteString ?? "the source"
            lines.append("  no entry of \(sourceName) has \(person) (read with \(reference))")
        }
        for (entry, outcome) in found {
            lines.append(style.bold("Entry") + " \(entry.location)" + (entry.dn.map { "  \($0)" } ?? ""))
            for name in entry.names {
                let values = entry.values(name).map(\.description)
                let shown =
                    values.prefix(4).joined(separator: "; ") + (values.count > 4 ? "; … (\(values.count) values)" : "")
                lines.append("  \(name): \(shown)")
            }
            lines.append("")
            lines.append(style.bold("Mapping") + " \(reference)")
            switch outcome {
            case .skipped(let reason, _):
                lines.append("  skipped: \(reason)")
            case .user(let user, let diagnostics):
                lines.append("  anchor  \(user.anchor)")
                lines.append("  email   \(user.email?.canonical ?? "(none)")")
                lines.append(
                    "  name    \(user.displayName ?? [user.givenName, user.familyName].compactMap { $0 }.joined(separator: " "))"
                )
                lines.append(
                    "  groups  \(user.groups.isEmpty ? "(none)" : user.groups.map(\.name).joined(separator: ", "))")
                lines.append("  active  \(user.isActive ? "yes" : "no")")
                for (key, values) in user.attributes.sorted(by: { $0.key < $1.key }) {
                    lines.append("  \(key)  \(values.joined(separator: "; "))")
                }
                for diagnostic in diagnostics {
                    lines.append("  \(diagnostic.severity.rawValue): \(diagnostic.message)")
                }
                lines.append("")
                lines.append(style.bold("Rules"))
                let evaluation = configuration.rules.evaluate(user)
                for step in evaluation.steps { lines.append("  \(step)") }
                switch evaluation.outcome {
                case .wanted(let role, let entry, let rule):
                    lines.append(
                        "  → wanted as \(role), by \(entry == .join ? "joining directly" : "invitation") (\(rule))")
                case .skipped(let reason):
                    lines.append("  → not wanted: \(reason)")
                }
            }
            lines.append("")
        }
        lines.append(style.bold("Organization") + " \(organization.name)")
        if let member {
            lines.append(
                "  member \(member.email) (\(member.role), \(member.isManaged ? "managed by dirsync" : "added by hand, not managed")"
                    + (member.anchor.map { ", anchor \($0)" } ?? "") + ")")
        }
        if let invitation {
            lines.append(
                "  pending invitation #\(invitation.id) to \(invitation.email) (\(invitation.role), \(invitation.state(at: environment.now)), "
                    + "\(invitation.isManaged ? "managed by dirsync" : "sent by hand"))")
        }
        if member == nil && invitation == nil { lines.append("  neither a member nor invited") }
        lines.append("")
        lines.append(style.bold("Plan"))
        if changes.isEmpty {
            lines.append(
                "  no change" + (preview.plan.blocked.map { " (the whole plan is blocked: \($0.reason))" } ?? ""))
        }
        for change in changes {
            lines.append(
                "  \(PlanTextView.symbol(change.action)) \(PlanTextView.name(change.action)) \(change.email) "
                    + "\(PlanTextView.roles(change)): \(PlanTextView.reason(change))")
        }
        Console.out(lines.joined(separator: "\n"))
    }
}
