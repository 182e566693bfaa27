import DirectorySync
import Foundation

/// A plan for people: one aligned line per change (symbol, action, email, roles, reason), grouped by action,
/// then the diagnostics, then one summary line.
struct PlanTextView {
    let plan: Plan
    let style: Style

    func render() -> String {
        var lines = [
            style.bold("Plan for \(plan.basis.organization)")
                + " — \(plan.basis.sourceKind) source, \(Plural.count(plan.basis.sourceUsers, "user")) read, "
                + "\(plan.basis.seatsUsed) of \(plan.basis.seats) seats used, \(DateText.short(plan.basis.computedAt))",
            "",
        ]
        var table = TextTable(["", "ACTION", "EMAIL", "ROLE", "REASON"])
        table.showsHeader = false
        table.uncutColumns = [3]  // roles and grants: an exact preview shows every grant
        table.paint = { column, text in
            switch column {
            case 0: paint(symbol: text)
            default: text
            }
        }
        var rows: [[String]] = []
        var previous: Plan.Action?
        for change in plan.changes {
            if let previous, previous != change.action { rows.append([]) }
            previous = change.action
            rows.append([
                Self.symbol(change.action), Self.name(change.action), change.email.canonical, Self.roles(change),
                Self.reason(change),
            ])
        }
        if rows.isEmpty {
            lines.append("No changes: the organization matches the directory.")
        } else {
            table.rows = rows
            lines.append(table.render(style: style))
        }
        if !plan.diagnostics.isEmpty {
            lines.append("")
            lines.append(style.bold("Diagnostics"))
            for group in Self.grouped(plan.diagnostics) {
                let severity = group.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                let painted = group.severity == .info ? style.dim(severity) : style.yellow(severity)
                lines.append("  \(painted) \(group.text)")
            }
        }
        lines.append("")
        if let blocked = plan.blocked {
            lines.append(style.red("Blocked: \(blocked.reason)."))
            lines.append("Apply refuses this plan unless you pass --allow-deletions.")
        }
        lines.append(style.bold(Self.summary(plan)))
        return lines.joined(separator: "\n")
    }

    /// Diagnostics with the same message folded into one line naming where they were found, most severe first.
    static func grouped(_ diagnostics: [Diagnostic]) -> [(severity: Diagnostic.Severity, text: String)] {
        var order: [String] = []
        var groups: [String: [Diagnostic]] = [:]
        for diagnostic in diagnostics {
            let key = "\(diagnostic.severity.rawValue)|\(diagnostic.message)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(diagnostic)
        }
        let folded = order.compactMap { key -> (Diagnostic.Severity, String)? in
            guard let members = groups[key], let first = members.first else { return nil }
            let locations = members.compactMap(\.location)
            guard members.count > 1 else {
                return (first.severity, (first.location.map { "\($0): " } ?? "") + first.message)
            }
            let shown = locations.prefix(3).map(\.description).joined(separator: ", ")
            let more = locations.count > 3 ? ", …" : ""
            return (first.severity, "\(first.message) (\(members.count) times: \(shown)\(more))")
        }
        return folded.enumerated().sorted { lhs, rhs in
            lhs.element.0 != rhs.element.0 ? lhs.element.0 > rhs.element.0 : lhs.offset < rhs.offset
        }.map { ($0.element.0, $0.element.1) }
    }

    /// `Plan: 2 to join, 3 to invite, 1 role change, 1 to remove, 1 deferred.`
    static func summary(_ plan: Plan) -> String {
        let counts = plan.summary
        guard plan.changes.count > 0 else { return "Plan: no changes." }
        let phrases: [(Plan.Action, String, String)] = [
            (.join, "to join", "to join"), (.invite, "to invite", "to invite"), (.resend, "to resend", "to resend"),
            (.reinvite, "to reinvite", "to reinvite"), (.approve, "to approve", "to approve"),
            (.changeRole, "role change", "role changes"),
            (.update, "update", "updates"), (.grant, "to grant", "to grant"), (.offer, "to offer", "to offer"),
            (.resendOffer, "offer to resend", "offers to resend"),
            (.revokeOffer, "offer to revoke", "offers to revoke"),
            (.ungrant, "to ungrant", "to ungrant"),
            (.adopt, "to adopt", "to adopt"), (.revoke, "to revoke", "to revoke"),
            (.remove, "to remove", "to remove"), (.downgrade, "to downgrade", "to downgrade"),
            (.removeAccess, "to lose all access", "to lose all access"),
            (.restoreAccess, "to regain access", "to regain access"),
            (.defer, "deferred (no seat)", "deferred (no seat)"),
        ]
        let parts = phrases.compactMap { action, one, many -> String? in
            guard let count = counts[action], count > 0 else { return nil }
            return "\(count) \(count == 1 ? one : many)"
        }
        return "Plan: \(parts.joined(separator: ", "))."
    }

    static func symbol(_ action: Plan.Action) -> String {
        switch action {
        case .join, .invite, .grant, .restoreAccess, .approve: "+"
        case .offer: "?"
        case .revoke, .remove, .ungrant, .revokeOffer, .removeAccess: "-"
        case .reinvite: "-/+"
        case .resend, .resendOffer: ">"
        case .defer: "!"
        case .changeRole, .downgrade, .update, .adopt: "~"
        }
    }

    /// The action by the name the JSON plan gives it (`change_role`), so text and JSON say the same.
    static func name(_ action: Plan.Action) -> String { action.rawValue }

    /// The organization role (`admin`, `member → viewer`); for a grant or ungrant the grants it gives or takes
    /// (`signer, template-editor@Sales US`), and a join's grants after its role.
    static func roles(_ change: Plan.Change) -> String {
        let grants = change.grants.map(\.description).joined(separator: ", ")
        if [.grant, .ungrant, .resendOffer, .revokeOffer].contains(change.action) { return grants }
        if change.action == .offer {
            let role = change.toRole.map { "\(change.role?.rawValue ?? "") → \($0)" }
            return ([role].compactMap { $0 } + change.grants.map(\.description)).joined(separator: ", ")
        }
        if let from = change.fromRole, let to = change.toRole, from != to { return "\(from) → \(to)" }
        let role = (change.role ?? change.toRole ?? change.fromRole)?.rawValue ?? ""
        return grants.isEmpty ? role : "\(role) + \(grants)"
    }

    /// The reason, with the label of the deciding rule (`roles[0]`) when one decided.
    /// A profile update shows each field's change instead (`title 'Engineer' → 'Senior Engineer'`).
    static func reason(_ change: Plan.Change) -> String {
        if change.action == .update, !change.fields.isEmpty {
            return change.fields.map { "\($0.field) \(shown($0.from)) → \(shown($0.to))" }.joined(separator: ", ")
        }
        guard let rule = change.rule, let label = rule.split(separator: " ").first else {
            return change.reason.description
        }
        return "\(change.reason) [\(label)]"
    }

    /// A field's value as the plan quotes it.
    static func shown(_ value: String?) -> String { value.map { "'\($0)'" } ?? "empty" }

    private func paint(symbol: String) -> String {
        switch symbol {
        case "+": style.green(symbol)
        case "-": style.red(symbol)
        case "!": style.yellow(symbol)
        default: style.cyan(symbol)
        }
    }
}
