/// How to read one kind of directory: which attributes are the anchor, the email, the names, the groups
/// and the account state, which entries are people and which are excluded. Loaded from a YAML mapping
/// file (`Mappings/*.yaml`, see `Mapping+Parsing.swift`) or built in code.
public struct Mapping: Sendable, Equatable {
    /// Where the stable identifier comes from.
    public struct AnchorSource: Sendable, Equatable {
        /// A normalised attribute name, or `dn` for the distinguished name (a last resort).
        public var attribute: String
        /// The attribute as the mapping wrote it, for messages.
        public var label: String
        /// How the value becomes the anchor string; by default `guid` for objectGUID and its kin, `text` otherwise.
        public var format: AnchorFormat

        /// An anchor read from `attribute` (any case or alias) in `format`, or in the attribute's default format.
        public init(attribute: String, format: AnchorFormat? = nil) {
            self.label = attribute
            self.attribute = AttributeName.normalize(attribute)
            self.format = format ?? AnchorFormat.defaultFormat(for: self.attribute)
        }

        /// Whether this source is the DN, which changes on a rename or a move.
        public var isDN: Bool { attribute == "dn" }
    }

    /// Where an email address comes from: an attribute, optionally only its values with a case-sensitive
    /// prefix (`proxyAddresses:SMTP` takes `SMTP:bo@x.io`, the primary address, and not `smtp:` aliases).
    public struct EmailSource: Sendable, Equatable, CustomStringConvertible {
        /// The attribute holding the address, normalised.
        public var attribute: String
        /// The attribute as the mapping wrote it, for messages.
        public var label: String
        /// When set, only values starting with this (case-sensitively) are read, with it stripped; it ends with the
        /// colon (`SMTP:`). Nil reads every value.
        public var prefix: String?

        /// Addresses from `attribute`; `prefix`, when given, must end with the colon that separates it (`SMTP:`).
        public init(attribute: String, prefix: String? = nil) {
            self.label = attribute
            self.attribute = AttributeName.normalize(attribute)
            self.prefix = prefix
        }

        /// The source as a mapping writes it: `proxyAddresses:SMTP`, or the attribute alone.
        public var description: String { prefix.map { "\(label):\($0.dropLast())" } ?? label }
    }

    /// CSV settings: the field separator and which columns hold several values.
    public struct CSVOptions: Sendable, Equatable {
        /// The field separator; nil sniffs `,`, `;` or TAB from the header row.
        public var delimiter: UInt8?
        /// Columns whose values are several values joined by a separator (csvde joins with `;`).
        public var split: [String: String]

        /// Options for a CSV source; `split` is keyed by normalised column name, its values the separators.
        public init(delimiter: UInt8? = nil, split: [String: String] = [:]) {
            self.delimiter = delimiter
            self.split = split
        }
    }

    /// One profile field of the `profile:` block: its key, the attributes it is read from (tried in order, the
    /// first with a value wins) and whether the value is an email address (`manager`).
    public struct ProfileField: Sendable, Equatable {
        /// The field's key, as `members show` and the plan name it (`title`).
        public var key: String
        /// The attributes, normalised.
        public var attributes: [String]
        /// The attributes as the mapping wrote them, for messages and `explain`.
        public var labels: [String]
        /// Whether the value must be an email address; it is kept in canonical form.
        public var isEmail: Bool

        /// The field `key` read from `attributes` (as written); an email address when `isEmail`.
        public init(key: String, attributes: [String], isEmail: Bool = false) {
            self.key = key
            self.labels = attributes
            self.attributes = attributes.map(AttributeName.normalize)
            self.isEmail = isEmail
        }
    }

    /// The file the mapping was read from, or a preset name, for messages.
    public var name: String
    /// Tried in order; the first that has a value is the anchor.
    public var anchor: [AnchorSource]
    /// Tried in order; the first valid address wins.
    public var email: [EmailSource]
    /// Attributes holding the given name, tried in order; the first with a value wins.
    public var givenName: [String]
    /// Attributes holding the family name, tried in order; the first with a value wins.
    public var familyName: [String]
    /// Attributes holding the display name, tried in order; when none has a value, the given and family names
    /// joined are used.
    public var displayName: [String]
    /// Attributes of a person holding group DNs (or names, for sources without DNs).
    public var groups: [String]
    /// Whether membership is also read from group entries of a file export (`groups.from` has `members`):
    /// `member`, `uniqueMember` and `memberUid`, resolved once the whole file is read.
    public var readsGroupEntries = false
    /// Fields computed from attributes before anything else reads the entry (`computed:`), in order.
    public var computed: [ComputedField] = []
    /// An entry is a person when any of these holds; empty means every entry is a person.
    public var person: [Condition]
    /// The account is disabled when any of these holds.
    public var disabled: [Condition]
    /// An entry is skipped when any of these holds.
    public var exclude: [Condition]
    /// Extra attributes carried into `DirectoryUser.attributes` for the role rules.
    public var attributes: [String]
    /// Attributes holding the role a source itself gives a person (the bulk template's `role` column): when one
    /// holds admin, member or viewer, that role decides before the configuration's role rules.
    public var role: [String] = []
    /// Attributes holding the person's username (`username:`: `sAMAccountName`, `uid`, SCIM `userName`), tried
    /// in order; without one, the username is derived from the email.
    public var username: [String] = []
    /// Profile fields (`profile:`) a sync keeps in step on managed members and pending invitations, in the
    /// file's order.
    public var profile: [ProfileField] = []
    /// How to read a CSV export; other sources ignore it.
    public var csv: CSVOptions

    /// A mapping built in code, attribute names normalised. `role` is not a parameter: it starts empty and is set
    /// afterwards.
    public init(
        name: String, anchor: [AnchorSource], email: [EmailSource], givenName: [String] = [],
        familyName: [String] = [], displayName: [String] = [], groups: [String] = [], person: [Condition] = [],
        disabled: [Condition] = [], exclude: [Condition] = [], attributes: [String] = [], csv: CSVOptions = CSVOptions()
    ) {
        self.name = name
        self.anchor = anchor
        self.email = email
        self.givenName = givenName.map(AttributeName.normalize)
        self.familyName = familyName.map(AttributeName.normalize)
        self.displayName = displayName.map(AttributeName.normalize)
        self.groups = groups.map(AttributeName.normalize)
        self.person = person
        self.disabled = disabled
        self.exclude = exclude
        self.attributes = attributes.map(AttributeName.normalize)
        self.csv = csv
    }

    /// Every attribute the mapping reads, normalised, with whether it is read as bytes (binary anchors)
    /// rather than text. Readers decode only these.
    public var projection: AttributeProjection {
        var names: [String: AttributeProjection.Decoding] = [:]
        func want(_ name: String, _ decoding: AttributeProjection.Decoding = .text) {
            guard name != "dn" else { return }
            if names[name] != .bytes { names[name] = decoding }
        }
        for source in anchor { want(source.attribute, source.format.isBinary ? .bytes : .text) }
        for source in email { want(source.attribute) }
        for name in givenName + familyName + displayName + groups + attributes + role + username { want(name) }
        for field in profile { for name in field.attributes { want(name) } }
        for condition in person + disabled + exclude { want(condition.attribute) }
        for field in computed { for name in field.expression.attributes { want(name) } }
        if readsGroupEntries {
            for name in ["objectclass", "cn", "uid"] + GroupEntryReading.memberAttributes { want(name) }
        }
        return AttributeProjection(names)
    }
}

/// How an anchor value becomes the anchor string.
public enum AnchorFormat: String, Sendable, Equatable, CaseIterable {
    /// The value as text.
    case text
    /// The value as text, lower-cased (an email address used as the anchor of a CSV list).
    case lowercase
    /// 16 bytes in Microsoft GUID layout (first three fields little-endian) → `xxxxxxxx-xxxx-…`, lower case.
    case guid
    /// The bytes in lower-case hexadecimal.
    case hex

    static func defaultFormat(for attribute: String) -> AnchorFormat {
        ["objectguid", "ms-ds-consistencyguid", "msexchmailboxguid"].contains(attribute) ? .guid : .text
    }

    var isBinary: Bool { self == .guid || self == .hex }
}

/// The attributes a reader should decode for a mapping, and how.
public struct AttributeProjection: Sendable, Equatable {
    /// Text values must be UTF-8 (an error otherwise); bytes are taken as they are.
    public enum Decoding: Sendable, Equatable { case text, bytes }

    /// Normalised name → decoding.
    public let names: [String: Decoding]

    /// A projection of these normalised attribute names, each with how it is decoded.
    public init(_ names: [String: Decoding]) { self.names = names }
}
