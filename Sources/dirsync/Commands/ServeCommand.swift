import ArgumentParser
import DirectorySync
import DirectorySyncSQL
import DirectorySyncSQLite
import DirectorySyncServe
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `dirsync serve`: the pages people reach from dirsync's mails.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the pages invitation, offer and account-first links open (SIGTERM or SIGINT to stop).",
        discussion: """
            Listens on --listen (default: serve.listen, else 127.0.0.1:8080); put a TLS reverse proxy in front \
            for the internet (see the README). Port 0 takes a free port; the line 'dirsync serve: listening on \
            http://HOST:PORT' on standard error names it.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Where to listen (an IP address or localhost, and a port).", valueName: "host:port"))
    var listen: String?
    @Option(help: "Log format: text or json.") var logFormat: LogFormat = .text
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: LogLevel = .info

    func run() async throws {
        let environment = try CommandEnvironment.open(global, access: .readWrite)
        let configuration = environment.configuration
        var chosen = configuration.serve.listen
        if let listen {
            switch Configuration.ListenAddress.parse(listen) {
            case .success(let parsed): chosen = parsed
            case .failure(let problem):
                throw CommandError.invalidArgument(
                    "--listen \(listen): \(problem.text)", hint: "for example --listen 127.0.0.1:8080")
            }
        }
        let address = chosen
        let format = logFormat
        let level = logLevel.level
        let logger = Logger(label: "dirsync") { label in LineLogHandler(label: label, format: format, logLevel: level) }
        let organization = try await environment.organization()
        let store = environment.store
        let key = try await store.read { db in try db.planSigningKey() }
        let mail = configuration.mail.settings
        let mailer = try? environment.mailer()
        let retry = configuration.mail.retry
        let clock = environment.liveClock
        let server = PageServer(
            store: store,
            settings: PageServer.Settings(
                publicURL: configuration.serve.publicURL, trustForwardedFor: configuration.serve.trustForwardedFor,
                organization: organization.id, accessRequestValidity: configuration.policy.accessRequestValidity,
                notify: configuration.organization.notify, mail: mail),
            formKey: key, logger: logger, clock: clock,
            afterRequest: {
                guard let mailer = mailer ?? nil else { return }
                do {
                    _ = try await OutboxDelivery(store: store, mailer: mailer, policy: retry)
                        .deliverHoldingLease(for: organization, now: clock)
                } catch {
                    logger.error("mail delivery failed", metadata: ["error": "\(type(of: error))"])
                }
            })
        let application = Application(
            router: server.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                Console.note("dirsync serve: listening on http://\(host):\(port)")
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: application, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as IOError where [EADDRINUSE, EACCES, EADDRNOTAVAIL].contains(error.errnoCode) {
            let reason =
                switch error.errnoCode {
                case EADDRINUSE: "the address is in use"
                case EACCES: "permission denied (ports below 1024 need privileges)"
                default: "no interface has that address"
                }
            throw CommandError.invalidArgument(
                "cannot listen on \(address): \(reason)",
                hint: "pick another with --listen or serve.listen (port 0 takes a free one)")
        }
    }
}
