import CCurl
import DirectorySync
import DirectorySyncCurl
import Foundation

/// One libcurl easy handle talking SMTP to one server. Successive messages on the same handle reuse its
/// connection (curl keeps it open after each transfer), so a batch costs one connect, one TLS handshake and
/// one AUTH instead of one per message.
///
/// Not thread-safe: `SMTPMailer` uses it from one serial queue.
final class CurlSession {
    /// What every transfer of the session shares.
    struct Setup: Sendable {
        var settings: SMTPSettings
        var credentials: SMTPMailer.Credentials?
        var sender: EmailAddress

        /// `smtp://host:port/domain`: curl says the path's domain in EHLO (in ASCII: Punycode for an IDN).
        var url: String { settings.url + "/" + sender.asciiDomain }
    }

    private let handle: UnsafeMutableRawPointer
    private let setup: Setup
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private let transcript = TranscriptBox()
    private let upload = Upload()
    /// Messages sent over the connection open now.
    private var sentOnConnection = 0

    init(_ setup: Setup) throws(MailDeliveryError) {
        guard Curl.isReady, let handle = curl_easy_init() else {
            errorBuffer.deallocate()
            throw .unavailable("libcurl could not be initialised")
        }
        self.handle = handle
        self.setup = setup
        errorBuffer[0] = 0
        do {
            try configure()
        } catch {
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
            throw error
        }
    }

    deinit {
        // Sends QUIT on an open connection, then closes it.
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    private func configure() throws(MailDeliveryError) {
        let settings = setup.settings
        try set(CURLOPT_URL, setup.url)
        // Domains as Punycode, whether or not this libcurl was built with IDN support; a non-ASCII local part is
        // passed as it is, and libcurl (7.71 and later) adds SMTPUTF8 to MAIL FROM when the server offers it.
        try set(CURLOPT_MAIL_FROM, "<\(setup.sender.transportForm)>")
        try set(CURLOPT_UPLOAD, 1)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeout.seconds * 1000)
        try set(CURLOPT_TIMEOUT_MS, settings.timeout.seconds * 1000)
        if !settings.isImplicitTLS {
            let level =
                switch settings.startTLS {
                case .required: CURLUSESSL_ALL
                case .optional: CURLUSESSL_TRY
                case .off: CURLUSESSL_NONE
                }
            try set(CURLOPT_USE_SSL, Int(level.rawValue))
        }
        if let caFile = settings.caFile { try set(CURLOPT_CAINFO, caFile) }
        if let credentials = setup.credentials {
            try set(CURLOPT_USERNAME, credentials.user)
            try set(CURLOPT_PASSWORD, credentials.password.revealed)
        }
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        try check(ccurl_setopt_read_callback(handle, readCallback))
        try check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque()))
        // The transcript needs curl's debug stream; with a debug function of ours, curl prints nothing itself.
        try check(ccurl_setopt_debug_callback(handle, debugCallback))
        try check(ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(transcript).toOpaque()))
        try set(CURLOPT_VERBOSE, 1)
    }

    /// Sends one message to `recipient`; returns once the server has accepted it or refused it.
    func send(_ content: String, to recipient: EmailAddress) -> Result<Void, MailDeliveryError> {
        guard let recipients = curl_slist_append(nil, "<\(recipient.transportForm)>") else {
            return .failure(.unavailable("out of memory"))
        }
        defer { curl_slist_free_all(recipients) }
        let isLastOnConnection = sentOnConnection + 1 >= setup.settings.messagesPerConnection
        do {
            try check(ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients))
            try set(CURLOPT_FORBID_REUSE, isLastOnConnection ? 1 : 0)
        } catch {
            return .failure(error)
        }
        upload.load(content)
        transcript.value.reset()
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        upload.load("")
        guard code == CURLE_OK else {
            sentOnConnection = 0
            var message = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            var osError = 0
            if ccurl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osError) == CURLE_OK, osError != 0 {
                message += " (\(String(cString: strerror(Int32(osError)))))"
            }
            return .failure(
                transcript.value.failure(
                    curlCode: Int(code.rawValue), curlMessage: message, server: setup.settings.url,
                    sender: setup.sender.canonical))
        }
        sentOnConnection = isLastOnConnection ? 0 : sentOnConnection + 1
        return .success(())
    }

    private func set(_ option: CURLoption, _ value: Int) throws(MailDeliveryError) {
        try check(ccurl_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(MailDeliveryError) {
        // curl copies string options.
        try check(ccurl_setopt_string(handle, option, value))
    }

    private func check(_ code: CURLcode) throws(MailDeliveryError) {
        guard code == CURLE_OK else {
            throw .unavailable("libcurl refused an option: \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// The message being uploaded, handed to curl in pieces by `readCallback`.
private final class Upload {
    private var bytes: [UInt8] = []
    private var offset = 0

    func load(_ content: String) {
        bytes = Array(content.utf8)
        offset = 0
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            UnsafeMutableRawPointer(buffer).copyMemory(from: base + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// The transcript, in a box curl's debug callback can reach.
private final class TranscriptBox {
    var value = SMTPTranscript()
}

private let readCallback: ccurl_read_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    return Unmanaged<Upload>.fromOpaque(userdata).takeUnretainedValue().read(into: buffer, capacity: size * count)
}

private let debugCallback: ccurl_debug_callback = { _, type, data, size, userdata in
    guard let data, let userdata, type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else { return 0 }
    let box = Unmanaged<TranscriptBox>.fromOpaque(userdata).takeUnretainedValue()
    if type == CURLINFO_HEADER_IN {
        let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
        box.value.received(text)
    } else {
        // Only the first word of what the client sends is looked at: after AUTH it is a credential.
        let word = UnsafeRawBufferPointer(start: data, count: min(size, 12)).prefix { $0 != 0x20 && $0 != 0x0D }
        box.value.sent(String(decoding: word, as: UTF8.self))
    }
    return 0
}
