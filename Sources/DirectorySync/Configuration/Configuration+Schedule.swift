import Foundation

extension Configuration {
    /// The `schedule` section: how often `dirsync run` reconciles.
    public struct ScheduleSection: Sendable, Equatable {
        /// How often an agent may be told to run: 1s to 365d.
        public static let everyRange = TimeSpan.seconds(1)...TimeSpan.days(365)
        /// The jitter added to each wait: at most 1d.
        public static let jitterRange = TimeSpan.seconds(0)...TimeSpan.days(1)
        /// How long a lease may last without renewal: 3s to 1d.
        public static let leaseRange = TimeSpan.seconds(3)...TimeSpan.days(1)

        /// How often `dirsync run` reconciles when `--every` is not given; nil: it must be given.
        public var every: TimeSpan?
        /// The most random delay added to each wait, so many agents do not reach one directory at once; 0: none.
        public var jitter: TimeSpan
        /// How long an agent's lease lasts without renewal; a dead agent is taken over after this.
        public var lease: TimeSpan

        /// A section with these values; the defaults are those of a file without `schedule`.
        public init(every: TimeSpan? = nil, jitter: TimeSpan = TimeSpan(seconds: 0), lease: TimeSpan = .minutes(1)) {
            self.every = every
            self.jitter = jitter
            self.lease = lease
        }
    }

    /// The `notify` section: who hears about failed or blocked runs.
    public struct NotifySection: Sendable, Equatable {
        /// An http(s) URL that problem notifications are POSTed to as JSON; nil for none.
        public var webhook: URL?
        /// An address that problem notifications are mailed to (through `mail`); nil for none.
        public var email: EmailAddress?
        /// At most one problem notification per this long.
        public var every: TimeSpan

        /// A section with these values; by default nobody is notified, and at most once an hour.
        public init(webhook: URL? = nil, email: EmailAddress? = nil, every: TimeSpan = .hours(1)) {
            self.webhook = webhook
            self.email = email
            self.every = every
        }
    }

    static func parseSchedule(_ section: YAMLValue) throws(ConfigError) -> ScheduleSection {
        let keys = try section.mapping(allowed: ["every", "jitter", "lease"])
        var schedule = ScheduleSection()
        if let value = keys["every"] { schedule.every = try value.timeSpan(in: ScheduleSection.everyRange) }
        if let value = keys["jitter"] { schedule.jitter = try value.timeSpan(in: ScheduleSection.jitterRange) }
        if let value = keys["lease"] { schedule.lease = try value.timeSpan(in: ScheduleSection.leaseRange) }
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
        if let value = keys["every"] { notify.every = try value.timeSpan(in: .seconds(0)...TimeSpan.days(30)) }
        return notify
    }
}
