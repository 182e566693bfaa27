import DirectorySync

/// `dirsync explain` as text: the entry, the mapping, the rules, the organization's record, the plan.
struct ExplanationView {
    let explanation: Explanation
    let style: Style

    func render() -> String {
        let explanation = self.explanation
        var lines: [String] = []
        if explanation.entries.isEmpty {
            lines.append(style.bold("Directory"))
            lines.append(
                "  no entry of \(explanation.sourceName) has \(explanation.person) (read with \(explanation.mapping))")
        }
        for item in explanation.entries {
            let entry = item.entry
            lines.append(
                style.bold("Entry") + (item.sourceName.map { " (\($0))" } ?? "") + " \(entry.location)"
                    + (entry.dn.map { "  \($0)" } ?? ""))
            for name in entry.names {
                let values = entry.values(name).map(\.description)
                let shown =
                    values.prefix(4).joined(separator: "; ") + (values.count > 4 ? "; … (\(values.count) values)" : "")
                lines.append("  \(name): \(shown)")
            }
            lines.append("")
            lines.append(style.bold("Mapping") + " \(item.mapping ?? explanation.mapping)")
            for trace in item.computed {
                lines.append("  computed \(trace.name) = \(trace.source)")
                for step in trace.steps { lines.append("    \(step)") }
            }
            switch item.outcome {
            case .skipped(let reason, _):
                lines.append("  skipped: \(reason)")
            case .user(let user, let notes):
                lines += fields(of: user)
                for source in item.profile {
                    lines.append(
                        "  profile \(source.field) = \(source.value.map { "'\($0)'" } ?? "(none)")"
                            + (source.attribute.map { " from \($0)" } ?? " (no value in the entry)"))
                }
                for diagnostic in notes.map(\.diagnostic) {
                    lines.append("  \(diagnostic.severity.rawValue): \(diagnostic.message)")
                }
                if let evaluation = item.evaluation { lines += rules(evaluation) }
            }
            lines.append("")
        }
        if let merged = explanation.merged {
            let provenance = merged.user.provenance
            lines.append(
                style.bold("Merged") + " from " + (provenance?.sources.joined(separator: " and ") ?? "one source"))
            lines += fields(of: merged.user)
            if let provenance { lines.append("  \(provenance.summary)") }
            lines += rules(merged.evaluation)
            lines.append("")
        }
        lines.append(style.bold("Organization") + " \(explanation.organization)")
        if let member = explanation.member {
            lines.append(
                "  member \(member.email) (\(member.accessRemovedAt.map { "access removed on \(DateText.short($0))" } ?? member.role.rawValue), \(member.isManaged ? "managed by dirsync" : "added by hand, not managed")"
                    + (member.anchor.map { ", anchor \($0)" } ?? "") + ")")
            if !explanation.memberGrants.isEmpty {
                let held = explanation.memberGrants.map { $0.grant.description + ($0.isManaged ? "" : " (by hand)") }
                lines.append("  grants \(held.joined(separator: ", "))")
            }
        }
        if let invitation = explanation.invitation {
            lines.append(
                "  pending invitation #\(invitation.id) to \(invitation.email) (\(invitation.role), \(invitation.state(at: explanation.now)), "
                    + "\(invitation.isManaged ? "managed by dirsync" : "sent by hand"))")
            if invitation.flow == .accountFirst {
                let step =
                    explanation.accessRequest.map { request in
                        request.state(at: explanation.now) == .pending
                            ? "step 2 of 3: requested access as \(request.username) on "
                                + "\(DateText.short(request.requestedAt)); waits for approval (an admin, or the directory "
                                + "at the next sync) until \(DateText.short(request.expiresAt))"
                            : "the request as \(request.username) is \(request.state(at: explanation.now))"
                    } ?? "step 1 of 3: account invitation sent with a code; waits for them to request access"
                lines.append("  account-first flow, \(step)")
            } else if let request = explanation.accessRequest, request.status == .approved {
                lines.append(
                    "  account-first flow, step 3 of 3: access approved as \(request.username) by "
                        + "\(request.closedBy ?? "?"); the organization invitation waits to be accepted")
            }
        }
        if explanation.member == nil && explanation.invitation == nil { lines.append("  neither a member nor invited") }
        lines.append("")
        lines.append(style.bold("Plan"))
        if explanation.changes.isEmpty {
            lines.append(
                "  no change" + (explanation.blocked.map { " (the whole plan is blocked: \($0.reason))" } ?? ""))
        }
        for change in explanation.changes {
            lines.append(
                "  \(PlanTextView.symbol(change.action)) \(PlanTextView.name(change.action)) \(change.email) "
                    + "\(PlanTextView.roles(change)): \(PlanTextView.reason(change))")
        }
        return lines.joined(separator: "\n")
    }

    /// A mapped user's fields, one per line.
    private func fields(of user: DirectoryUser) -> [String] {
        var lines = [
            "  anchor  \(user.anchor)", "  email   \(user.email?.canonical ?? "(none)")",
            "  name    \(user.displayName ?? [user.givenName, user.familyName].compactMap { $0 }.joined(separator: " "))",
        ]
        let groups = user.groups.map { group in
            group.isDirect ? group.name : "\(group.name) (via \(user.path(to: group).joined(separator: " ⊂ ")))"
        }
        lines.append("  groups  \(groups.isEmpty ? "(none)" : groups.joined(separator: ", "))")
        lines.append("  active  \(user.isActive ? "yes" : "no")")
        for (key, values) in user.attributes.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(key)  \(values.joined(separator: "; "))")
        }
        return lines
    }

    /// Every rule tried and what it decided.
    private func rules(_ evaluation: AccessRules.Evaluation) -> [String] {
        var lines = ["", style.bold("Rules")]
        for step in evaluation.steps { lines.append("  \(step)") }
        switch evaluation.outcome {
        case .wanted(let role, let entry, let rule):
            lines.append("  → wanted as \(role), by \(entry == .join ? "joining directly" : "invitation") (\(rule))")
            if !evaluation.grants.isEmpty {
                lines.append("  → grants \(evaluation.grants.map(\.description).joined(separator: ", "))")
            }
        case .skipped(let reason):
            lines.append("  → not wanted: \(reason)")
        }
        return lines
    }
}
