import Foundation

extension Configuration {
    /// The `schedule` section: how often `dirsync run` reconciles.
    public struct ScheduleSection: Sendable, Equatable {
        public var every: TimeSpan?
        public var jitter: TimeSpan
        /// How long an agent's lease lasts without renewal; a dead agent is taken over after this.
        public var lease: TimeSpan

        public init(every: TimeSpan? = nil, jitter: TimeSpan = TimeSpan(seconds: 0), lease: TimeSpan = .minutes(1)) {
            self.every = every
            self.jitter = jitter
            self.lease = lease
        }
    }

    /// The `notify` section: who hears about failed or blocked runs.
    public struct NotifySection: Sendable, Equatable {
        public var webhook: URL?
        public var email: EmailAddress?
        /// At most one problem notification per this long.
        public var every: TimeSpan

        public init(webhook: URL? = nil, email: EmailAddress? = nil, every: TimeSpan = .hours(1)) {
            self.webhook = webhook
            self.email = email
            self.every = every
        }
    }

    static func parseSchedule(_ section: YAMLValue) throws(ConfigError) -> ScheduleSection {
        let keys = try section.mapping(allowed: ["every", "jitter", "lease"])
        var schedule = ScheduleSection()
        if let value = keys["every"] {
            let every = try value.timeSpan()
            guard every.seconds >= 1 else { throw value.error("must be at least 1s") }
            schedule.every = every
        }
        if let value = keys["jitter"] { schedule.jitter = try value.timeSpan() }
        if let value = keys["lease"] {
            let lease = try value.timeSpan()
            guard lease.seconds >= 3 else { throw value.error("must be at least 3s") }
            schedule.lease = lease
        }
        return schedule
    }

    static func parseNotify(_ section: YAMLValue) throws(ConfigError) -> NotifySection {
        let keys = try section.mapping(allowed: ["webhook", "email", "every"])
        var notify = NotifySection()
        if let value = keys["webhook"] {
            let text = try value.nonEmptyString()
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host != nil
            else {
                throw value.error("must be an http or https URL")
            }
            notify.webhook = url
        }
        if let value = keys["email"] { notify.email = try value.email() }
        if let value = keys["every"] { notify.every = try value.timeSpan() }
        return notify
    }
}
