import Foundation

/// An email ready to be rendered as an RFC 5322 message: multipart/alternative plain text and HTML.
public struct MailMessage: Sendable, Equatable {
    /// The sender, as the `From` header names it.
    public var from: Mailbox
    /// The one recipient, as the `To` header names it.
    public var to: Mailbox
    /// The subject line as plain text; `rendered()` encodes it (RFC 2047) when it is not ASCII.
    public var subject: String
    /// The `Date` header's time.
    public var date: Date
    /// With angle brackets: `<…@host>`.
    public var messageID: String
    /// The plain-text alternative, with `\n` line breaks.
    public var text: String
    /// The HTML alternative: a whole document, its text already escaped.
    public var html: String

    /// A message with these headers and bodies; `makeMessageID(domain:)` makes a suitable `messageID`.
    public init(from: Mailbox, to: Mailbox, subject: String, date: Date, messageID: String, text: String, html: String)
    {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.text = text
        self.html = html
    }

    /// A new, globally unique Message-ID on the sender's domain.
    public static func makeMessageID(domain: String) -> String {
        "<\(UUID().uuidString.lowercased())@\(domain)>"
    }

    /// The message as RFC 5322 text with CRLF line endings.
    public func rendered() -> String {
        let boundary = "=_dirsync_" + Digest.sha256Hex(messageID).prefix(24)
        var lines = [
            header("Date", Self.rfc5322Date(date)),
            header("From", MIMEText.mailbox(from)),
            header("To", MIMEText.mailbox(to)),
            header("Subject", MIMEText.encodedWords(subject)),
            header("Message-ID", messageID),
            header("MIME-Version", "1.0"),
            header("Auto-Submitted", "auto-generated"),
            header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
            "",
            "This is a multi-part message in MIME format.",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            let (encoding, encoded) = MIMEText.bodyEncoding(body)
            lines += [
                "--\(boundary)",
                "Content-Type: \(type); charset=utf-8",
                "Content-Transfer-Encoding: \(encoding)",
                "",
                encoded,
            ]
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private func header(_ name: String, _ value: String) -> String { "\(name): \(value)" }

    /// `Sat, 21 Nov 2026 10:26:00 +0000` (RFC 5322 §3.3), always in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        let time = CivilTime(date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[time.weekday]), \(two(time.day)) \(months[time.month - 1]) \(time.year) "
            + "\(two(time.hour)):\(two(time.minute)):\(two(time.second)) +0000"
    }
}

/// The MIME encodings a message needs: RFC 2047 encoded words and quoted-printable bodies.
enum MIMEText {
    private static let addressSpecials = Set("()<>[]:;@\\,.\"")

    /// Header text on one line: every line break and control character becomes a space, so no value (a display
    /// name, a subject) can end its header and start another.
    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isLineBreakOrControl) else { return text }
        var line = String.UnicodeScalarView()
        for character in text {
            if character.isNewline || character.unicodeScalars.contains(where: isLineBreakOrControl) {
                line.append(" ")
            } else {
                line.append(contentsOf: character.unicodeScalars)
            }
        }
        return String(line)
    }

    private static func isLineBreakOrControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// `Name <addr>`, the name quoted or encoded as needed; the address with its domain in ASCII (Punycode).
    static func mailbox(_ mailbox: Mailbox) -> String {
        let address = mailbox.address.transportForm
        guard let displayName = mailbox.displayName else { return address }
        let name = singleLine(displayName)
        let shown: String
        if !name.allSatisfy(\.isASCII) {
            shown = encodedWords(name)
        } else if name.contains(where: { addressSpecials.contains($0) }) {
            shown =
                "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        } else {
            shown = name
        }
        return "\(shown) <\(address)>"
    }

    /// ASCII text as is; anything else as RFC 2047 `=?utf-8?b?…?=` words of at most 75 characters,
    /// split between characters, folded onto continuation lines.
    static func encodedWords(_ text: String) -> String {
        let line = singleLine(text)
        if line.utf8.allSatisfy({ $0 < 0x80 }) { return line }
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        // 75 - "=?utf-8?b?".count - "?=".count = 63 base64 characters, i.e. 45 bytes.
        for character in line {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?b?" + Data($0).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    /// `7bit` for ASCII text with lines of at most 998 bytes, else `quoted-printable`. Lines end at LF or CRLF;
    /// they are rejoined with CRLF.
    static func bodyEncoding(_ body: String) -> (name: String, encoded: String) {
        let bytes = Array(body.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            let end = index > start && bytes[index - 1] == UInt8(ascii: "\r") ? index - 1 : index
            lines.append(bytes[start..<end])
            start = index + 1
        }
        lines.append(bytes[start...])
        let is7bit = lines.allSatisfy { line in
            line.count <= 998 && line.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\r") }
        }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bytes.count + bytes.count / 8)
        for (number, line) in lines.enumerated() {
            if number > 0 { encoded += [UInt8(ascii: "\r"), UInt8(ascii: "\n")] }
            if is7bit { encoded += line } else { quotedPrintable(line, into: &encoded) }
        }
        return (is7bit ? "7bit" : "quoted-printable", String(decoding: encoded, as: UTF8.self))
    }

    /// One line of text, quoted-printable encoded (RFC 2045 §6.7) with soft breaks at 76 characters.
    static func quotedPrintable(_ bytes: [UInt8]) -> String {
        var encoded: [UInt8] = []
        quotedPrintable(bytes[...], into: &encoded)
        return String(decoding: encoded, as: UTF8.self)
    }

    private static func quotedPrintable(_ bytes: ArraySlice<UInt8>, into output: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        var lineLength = 0
        for index in bytes.indices {
            let byte = bytes[index]
            let isLast = index == bytes.index(before: bytes.endIndex)
            let literal =
                (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 32 || byte == 9) && !isLast)
            let width = literal ? 1 : 3
            if lineLength + width > 75 {
                output += [UInt8(ascii: "="), UInt8(ascii: "\r"), UInt8(ascii: "\n")]
                lineLength = 0
            }
            if literal {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
            lineLength += width
        }
    }
}
