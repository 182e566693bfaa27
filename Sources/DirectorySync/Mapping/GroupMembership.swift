/// A DN in matching form (`DistinguishedName.matchingForm`), reduced to 128 bits: what membership resolution
/// keeps per entry and per member value instead of the text, so a million-entry export stays small. Two
/// independent SipHash values with this process's random seed: a collision is not something an export can
/// aim for, and by chance it is about one in 2^128.
struct DNKey: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    /// The key of `text` when it is a DN.
    init?(dn text: String) {
        guard let form = DistinguishedName.matchingForm(of: text) else { return nil }
        var first = Hasher()
        first.combine(0x6469_7273_796E_6331 as UInt64)
        first.combine(form)
        var second = Hasher()
        second.combine(0x6469_7273_796E_6332 as UInt64)
        second.combine(form)
        high = UInt64(bitPattern: Int64(first.finalize()))
        low = UInt64(bitPattern: Int64(second.finalize()))
    }
}

/// What membership resolution needs of one raw entry, made by the mapper on the reading thread.
enum MembershipRecord: Sendable {
    /// A group entry: its members, by DN (`member`, `uniqueMember`) and by uid (`memberUid`), and the groups it
    /// is itself a member of (its `memberOf`).
    case group(GroupEntry)
    /// Any other entry: it exists (so a group naming it has no dangling member), and, when it became a user,
    /// the uids a posixGroup's `memberUid` may name it by.
    case entry(key: DNKey?, uids: [String])

    /// A group entry as read.
    struct GroupEntry: Sendable {
        let key: DNKey?
        /// The DN as the export spells it: the group's id.
        let dn: String
        /// Its `cn`, or the value of the DN's first RDN.
        let name: String
        /// `member` and `uniqueMember` values (the latter without a `#'…'B` suffix), as written.
        let members: [String]
        let memberUids: [String]
        /// The DNs of the groups this group is a member of, as written.
        let memberOf: [String]
        let location: SourceLocation
    }
}

/// Membership read from group entries, resolved once the whole export is read (groups may come before or after
/// their members): each user's direct groups from the group entries and the mapping's `memberOf`-style
/// attributes, then their effective groups over groups that contain groups, cycles cut, with diagnostics for
/// cycles and for member values that name no entry. Holds one small record per entry and per membership,
/// never the entries' text.
struct GroupMembership: Sendable {
    private enum NodeKind: UInt8 {
        /// Only named as a member so far.
        case referenced
        /// An entry that is neither a user nor a group (an OU, a contact, an excluded account).
        case entry
        case user
        case group
    }

    private struct Group {
        let id: String
        let name: String
        let location: SourceLocation?
        var members: [Int32] = []
        var memberUids: [String] = []
        var memberOf: [String] = []
    }

    private var nodes: [DNKey: Int32] = [:]
    private var kinds: [NodeKind] = []
    /// The user position (in reading order) or the group index of a node.
    private var targets: [Int32: Int] = [:]
    /// Member values as written, for nodes only named so far (for the dangling diagnostics).
    private var referenced: [Int32: String] = [:]
    private var groups: [Group] = []
    private var uids: [(uid: String, user: Int)] = []

    /// The node of `key`, made when new.
    private mutating func node(_ key: DNKey) -> Int32 {
        if let node = nodes[key] { return node }
        let node = Int32(kinds.count)
        nodes[key] = node
        kinds.append(.referenced)
        return node
    }

    /// Records one entry; `user` is its position among the users read when it became one.
    mutating func record(_ record: MembershipRecord, user: Int?) {
        switch record {
        case .entry(let key, let uids):
            guard let user else {
                if let key { mark(node(key), as: .entry, target: nil) }
                return
            }
            if let key { mark(node(key), as: .user, target: user) }
            for uid in uids { self.uids.append((uid, user)) }
        case .group(let entry):
            let index = groups.count
            var group = Group(id: entry.dn, name: entry.name, location: entry.location)
            group.members.reserveCapacity(entry.members.count)
            for text in entry.members {
                guard let key = DNKey(dn: text) else {
                    // Not a DN: a node of its own that no entry can be, reported as dangling.
                    let node = Int32(kinds.count)
                    kinds.append(.referenced)
                    referenced[node] = text
                    group.members.append(node)
                    continue
                }
                let member = node(key)
                if kinds[Int(member)] == .referenced, referenced[member] == nil { referenced[member] = text }
                group.members.append(member)
            }
            group.memberUids = entry.memberUids
            group.memberOf = entry.memberOf
            groups.append(group)
            if let key = entry.key { mark(node(key), as: .group, target: index) }
        }
    }

    private mutating func mark(_ node: Int32, as kind: NodeKind, target: Int?) {
        // The first entry with a DN decides what it is (a duplicate DN is the reader's or the duplicate
        // check's business).
        guard kinds[Int(node)] == .referenced else { return }
        kinds[Int(node)] = kind
        referenced[node] = nil
        if let target { targets[node] = target }
    }

    /// Sets every user's groups to their effective groups: direct ones first (`memberOf` order, then group
    /// entries in reading order), then those reached through groups that contain groups, each once, with
    /// `via` naming the group it was reached through. Reports cycles and dangling members to `log`.
    mutating func resolve(_ users: inout [DirectoryUser], log: inout DiagnosticLog) {
        var direct = [[Int32]](repeating: [], count: users.count)
        var parents = [[Int32]](repeating: [], count: groups.count)
        var external: [String: Int32] = [:]

        /// The group index of a `memberOf` value: a group entry, or an outside group known only by that value.
        func group(named text: String) -> Int32 {
            if let key = DNKey(dn: text), let node = nodes[key], kinds[Int(node)] == .group, let index = targets[node] {
                return Int32(index)
            }
            let form = DistinguishedName.matchingForm(of: text) ?? RoleRule.normalizedGroup(text)
            if let index = external[form] { return index }
            let index = Int32(groups.count)
            groups.append(Group(id: text, name: DistinguishedName.firstValue(of: text) ?? text, location: nil))
            parents.append([])
            external[form] = index
            return index
        }

        for (position, user) in users.enumerated() where !user.groups.isEmpty {
            direct[position] = user.groups.map { group(named: $0.id) }
        }
        var byUID: [String: [Int]] = [:]
        if groups.contains(where: { !$0.memberUids.isEmpty }) {
            for (uid, user) in uids { byUID[uid, default: []].append(user) }
        }
        for index in 0..<groups.count {
            var dangling: [String] = []
            var danglingCount = 0
            func missing(_ text: String) {
                danglingCount += 1
                if dangling.count < 3 { dangling.append(text) }
            }
            for member in groups[index].members {
                switch kinds[Int(member)] {
                case .user: if let user = targets[member] { direct[user].append(Int32(index)) }
                case .group: if let child = targets[member] { parents[child].append(Int32(index)) }
                case .entry: break
                case .referenced: missing(referenced[member] ?? "?")
                }
            }
            for uid in groups[index].memberUids {
                guard let users = byUID[uid] else {
                    missing("memberUid \(uid)")
                    continue
                }
                for user in users { direct[user].append(Int32(index)) }
            }
            for text in groups[index].memberOf { parents[index].append(group(named: text)) }
            if danglingCount > 0 {
                log.add(
                    Self.dangling(
                        group: groups[index].name, count: danglingCount, examples: dangling, in: "the export",
                        at: groups[index].location), kind: "group-dangling")
            }
        }
        for cycle in Self.cycles(parents) {
            log.add(
                Self.cycle(cycle.map { groups[Int($0)].name }, at: groups[Int(cycle[0])].location), kind: "group-cycle")
        }
        var closure = GroupClosure(groups: groups.count)
        var cache: [[Int32]: [DirectoryUser.Group]] = [:]
        for position in users.indices where !direct[position].isEmpty {
            if let known = cache[direct[position]] {
                users[position].groups = known
                continue
            }
            let result = closure.effective(from: direct[position], parents: parents).map { group, via in
                DirectoryUser.Group(
                    id: groups[Int(group)].id, name: groups[Int(group)].name, isDirect: via == nil,
                    via: via.map { groups[Int($0)].id })
            }
            if cache.count < 1 << 16 { cache[direct[position]] = result }
            users[position].groups = result
        }
    }

    /// The warning for a group with `count` member values that name nothing in `place`, showing `examples`.
    static func dangling(group: String, count: Int, examples: [String], in place: String, at location: SourceLocation?)
        -> Diagnostic
    {
        let shown = examples.prefix(3).joined(separator: "; ") + (count > min(examples.count, 3) ? "; …" : "")
        return Diagnostic(
            .warning,
            "group '\(group)': \(Plural.count(count, "member")) \(count == 1 ? "names" : "name") no entry of "
                + "\(place) (\(shown))", at: location)
    }

    /// The warning for a cycle of groups, by name (one name: a group that is a member of itself). A long cycle
    /// is named by its first groups and its length, so one line stays one line.
    static func cycle(_ names: [String], at location: SourceLocation?) -> Diagnostic {
        guard names.count > 1 else {
            return Diagnostic(
                .warning, "group '\(names.first ?? "")' is a member of itself; that membership is ignored", at: location
            )
        }
        let shown = names.count > 10 ? Array(names.prefix(10)) + ["… (\(names.count) groups)"] : names + [names[0]]
        return Diagnostic(
            .warning,
            "groups form a cycle: \(shown.joined(separator: " ⊂ ")); each of their members is a member of all of them",
            at: location)
    }

    /// The cycles of the "is a member of" graph (`parents[g]` are the groups `g` is in), one per strongly
    /// connected component of more than one group or with a self-loop, each as a path that returns to its
    /// first group. Iterative (Tarjan), so a long chain of groups cannot exhaust the stack.
    static func cycles(_ parents: [[Int32]]) -> [[Int32]] {
        let count = parents.count
        var order = [Int32](repeating: -1, count: count)
        var low = [Int32](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int32] = []
        var counter: Int32 = 0
        var result: [[Int32]] = []
        for root in 0..<count where order[root] < 0 {
            var frames: [(node: Int32, edge: Int)] = [(Int32(root), 0)]
            order[root] = counter
            low[root] = counter
            counter += 1
            stack.append(Int32(root))
            onStack[root] = true
            while let frame = frames.last {
                let node = Int(frame.node)
                if frame.edge < parents[node].count {
                    frames[frames.count - 1].edge += 1
                    let next = Int(parents[node][frame.edge])
                    if order[next] < 0 {
                        order[next] = counter
                        low[next] = counter
                        counter += 1
                        stack.append(Int32(next))
                        onStack[next] = true
                        frames.append((Int32(next), 0))
                    } else if onStack[next] {
                        low[node] = min(low[node], order[next])
                    }
                    continue
                }
                frames.removeLast()
                if let caller = frames.last { low[Int(caller.node)] = min(low[Int(caller.node)], low[node]) }
                guard low[node] == order[node] else { continue }
                var component: [Int32] = []
                while let top = stack.popLast() {
                    onStack[Int(top)] = false
                    component.append(top)
                    if Int(top) == node { break }
                }
                if component.count > 1 {
                    result.append(path(around: Int32(node), within: Set(component), parents))
                } else if parents[node].contains(Int32(node)) {
                    result.append([Int32(node)])
                }
            }
        }
        return result
    }

    /// A shortest path from `start` back to itself inside one component, without the final return.
    private static func path(around start: Int32, within component: Set<Int32>, _ parents: [[Int32]]) -> [Int32] {
        var previous: [Int32: Int32] = [:]
        var queue: [Int32] = [start]
        var next = 0
        while next < queue.count {
            let node = queue[next]
            next += 1
            for parent in parents[Int(node)] where component.contains(parent) {
                if parent == start {
                    var path = [node]
                    while let before = previous[path[path.count - 1]] { path.append(before) }
                    return path.reversed()
                }
                if previous[parent] == nil, parent != start {
                    previous[parent] = node
                    queue.append(parent)
                }
            }
        }
        return [start]
    }
}

/// Effective groups over "is a member of" edges (`parents[g]`: the groups `g` is in), breadth first: the direct
/// groups each once in the order given, then each group reached, once, with the group it was reached through.
/// Reuses one visited-stamp array for every user, so a million users cost no allocation per group.
struct GroupClosure {
    private var seen: [UInt32]
    private var stamp: UInt32 = 0

    /// A closure over `groups` group indexes.
    init(groups: Int) { seen = [UInt32](repeating: 0, count: groups) }

    /// `direct`'s groups (via nil), then those reached through them (via: the group they came from).
    mutating func effective(from direct: [Int32], parents: [[Int32]]) -> [(group: Int32, via: Int32?)] {
        stamp &+= 1
        if stamp == 0 {
            // After 2^32 users the stamps wrap: start the array afresh.
            seen = [UInt32](repeating: 0, count: seen.count)
            stamp = 1
        }
        var result: [(group: Int32, via: Int32?)] = []
        for group in direct where seen[Int(group)] != stamp {
            seen[Int(group)] = stamp
            result.append((group, nil))
        }
        var next = 0
        while next < result.count {
            let child = result[next].group
            next += 1
            for parent in parents[Int(child)] where seen[Int(parent)] != stamp {
                seen[Int(parent)] = stamp
                result.append((parent, child))
            }
        }
        return result
    }
}
