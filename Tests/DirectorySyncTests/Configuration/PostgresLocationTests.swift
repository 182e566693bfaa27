import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// `store: postgresql://…` is read where it is parsed, bounded, and never carries or shows a password.
@Suite struct PostgresLocationTests {
    private func parse(_ yaml: String) throws(ConfigError) -> Configuration {
        try Configuration.parse(
            YAMLValue.parse(yaml, file: "dirsync.yaml"), directory: URL(fileURLWithPath: "/etc/dirsync"))
    }

    @Test func readsEveryPart() throws {
        let location = try PostgresLocation(
            "postgresql://dirsync@db.internal:6432/org_store?sslmode=verify-full&sslrootcert=/etc/ssl/db.pem")
        #expect(location.user == "dirsync")
        #expect(location.host == "db.internal")
        #expect(location.port == 6432)
        #expect(location.database == "org_store")
        #expect(location.tls == .verifyFull)
        #expect(location.rootCertificates == "/etc/ssl/db.pem")
        #expect(
            location.description
                == "postgresql://dirsync@db.internal:6432/org_store?sslmode=verify-full&sslrootcert=/etc/ssl/db.pem")
        let plain = try PostgresLocation("postgres://a%40b@[::1]/d")
        #expect(plain.user == "a@b")
        #expect(plain.host == "::1")
        #expect(plain.port == 5432)
        #expect(plain.tls == .prefer)
        #expect(plain.description == "postgresql://a%40b@[::1]:5432/d")
    }

    @Test(
        arguments: [
            ("postgresql://u:hunter2@h/d", PostgresLocation.Invalid.password),
            ("postgresql://u:@h/d", .password),
            ("postgresql://h/d", .noUser),
            ("postgresql://u@h", .noDatabase),
            ("postgresql://u@h/", .noDatabase),
            ("postgresql://u@h:0/d", .port),
            ("postgresql://u@h:65536/d", .port),
            ("postgresql://u@h:99999999999999999999/d", .port),
            ("postgresql://u@h:-1/d", .port),
            ("postgresql://u@h x/d", .host),
            ("postgresql://u@/d", .host),
            ("postgresql://u@h/d?sslmode=allow", .tlsMode("allow")),
            ("postgresql://u@h/d?sslrootcert=relative.pem&sslmode=verify-full", .rootCertificates),
            ("postgresql://u@h/d?sslrootcert=/x.pem", .rootsWithoutVerification),
            ("postgresql://u@h/d?password=hunter2", .parameter("password")),
            ("postgresql://u@h/" + String(repeating: "d", count: 64), .badName),
            ("postgresql://u@h/" + String(repeating: "d", count: 3000), .tooLong),
            ("mysql://u@h/d", .scheme),
        ] as [(String, PostgresLocation.Invalid)])
    func refusesWhatItCannotUse(url: String, expected: PostgresLocation.Invalid) {
        #expect(throws: expected) { try PostgresLocation(url) }
        #expect(!expected.description.contains("hunter2"))
    }

    @Test func theConfigurationKeepsTheURLAndNamesThePasswordSource() throws {
        let configuration = try parse(
            "store: postgresql://dirsync@127.0.0.1:5432/dirsync\nstore_password_file: secrets/pg\n")
        #expect(configuration.storePath == "postgresql://dirsync@127.0.0.1:5432/dirsync")
        #expect(configuration.storePassword == .file("/etc/dirsync/secrets/pg"))
        let fromEnvironment = try parse("store: postgresql://dirsync@db/x\nstore_password_env: DIRSYNC_PG\n")
        #expect(fromEnvironment.storePassword == .environment("DIRSYNC_PG"))
    }

    @Test(
        arguments: [
            (
                "store: postgresql://dirsync:hunter2@db/x\n",
                "dirsync.yaml:1: store: the store URL carries a password; remove it and name a file "
                    + "(store_password_file) or an environment variable (store_password_env) that holds it"
            ),
            (
                "store: postgresql://dirsync@db:70000/x\n",
                "dirsync.yaml:1: store: the store URL's port is not a number from 1 to 65535"
            ),
            (
                "store: x.sqlite\nstore_password_file: pg\n",
                "dirsync.yaml:2: store_password_file: a store password is only used with a PostgreSQL store"
            ),
            (
                "store: postgresql://dirsync@db/x\nstore_password_file: pg\nstore_password_env: PG\n",
                "dirsync.yaml:3: store_password_env: store_password_env and store_password_file are alternatives"
            ),
        ] as [(String, String)])
    func configurationErrorsNameTheKeyAndNeverThePassword(yaml: String, expected: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.description == expected)
            #expect(!error.description.contains("hunter2"))
        }
    }
}
