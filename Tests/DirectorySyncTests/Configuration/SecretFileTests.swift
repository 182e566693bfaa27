import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Every secret file (the SCIM token, the SMTP password and login) is read by `SecretFile.read`: a regular
/// file that only its owner can read or change, owned by this user (or root).
@Suite struct SecretFileTests {
    /// Reads a secret the way each user of `SecretFile` does; the error as its message would print it.
    enum Reader: String, CaseIterable, Sendable {
        case scimToken, smtpPassword

        /// An error as the user sees it.
        struct Refusal: Error {
            let description: String
            let hint: String?
        }

        func read(_ path: String) -> Result<String, Refusal> {
            do {
                switch self {
                case .scimToken: return .success(try SCIMToken.fromFile(path).value)
                case .smtpPassword:
                    return .success(try SecretSource.file(path).resolve(key: "mail.password_file", environment: [:]))
                }
            } catch let error as any UserFacingError {
                return .failure(Refusal(description: error.description, hint: error.hint))
            } catch {
                return .failure(Refusal(description: "unexpected error \(error)", hint: nil))
            }
        }
    }

    private func secret(in directory: TemporaryDirectory, mode: Int, _ text: String = "s3cret-token\n") throws
        -> String
    {
        let path = directory.file("secret").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static let modes: [(mode: Int, accepted: Bool)] =
        [0o600, 0o400, 0o700, 0o500].map { ($0, true) }
        + [0o640, 0o604, 0o644, 0o660, 0o666, 0o606, 0o620, 0o602, 0o610, 0o601, 0o777, 0o444].map { ($0, false) }

    @Test(arguments: Reader.allCases, modes.indices)
    func onlyTheOwnerMayReadOrChangeASecretFile(_ reader: Reader, _ index: Int) throws {
        let (mode, accepted) = Self.modes[index]
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try secret(in: directory, mode: mode)
        switch reader.read(path) {
        case .success(let value):
            #expect(accepted, "mode \(String(mode, radix: 8)) was accepted")
            #expect(value == "s3cret-token")
        case .failure(let error):
            #expect(!accepted, "mode \(String(mode, radix: 8)): \(error)")
            #expect(error.description.contains("\(path) may be read or changed by other users"), "\(error)")
            #expect(error.description.contains("(mode \(String(mode, radix: 8)))"), "\(error)")
            #expect(error.hint == "chmod 600 \(path)")
            #expect(!error.description.contains("s3cret"))
        }
    }

    @Test(arguments: Reader.allCases)
    func aDirectoryOrAFIFOIsNotASecretFile(_ reader: Reader) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.file("folder").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        chmod(folder, 0o700)
        let fifo = directory.file("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for path in [folder, fifo] {
            guard case .failure(let error) = reader.read(path) else {
                Issue.record("\(path) was read")
                continue
            }
            #expect(error.description.contains("\(path) is not a regular file"), "\(error)")
        }
    }

    @Test(arguments: Reader.allCases)
    func aSymbolicLinkIsFollowedAndItsTargetChecked(_ reader: Reader) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = try secret(in: directory, mode: 0o600)
        let link = directory.file("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try reader.read(link).get() == "s3cret-token")
        chmod(target, 0o644)
        guard case .failure(let error) = reader.read(link) else {
            Issue.record("a link to a world-readable file was read")
            return
        }
        #expect(error.hint == "chmod 600 \(link)")
    }

    @Test(arguments: Reader.allCases)
    func aFileOfAnotherUserIsRefused(_ reader: Reader) throws {
        guard geteuid() == 0 else { return }  // only root can give a file away
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try secret(in: directory, mode: 0o600)
        #expect(chown(path, 65_534, 65_534) == 0)
        guard case .failure(let error) = reader.read(path) else {
            Issue.record("another user's file was read")
            return
        }
        #expect(error.description.contains("\(path) belongs to another user (uid 65534)"), "\(error)")
    }

    @Test func aMissingFileIsNamedUnlessItsNameLooksLikeAToken() {
        let missing = "/nonexistent/scim-token"
        #expect(throws: SCIMError.tokenFile(SecretFile.Failure(file: missing, problem: .missing))) {
            try SCIMToken.fromFile(missing)
        }
        let pasted = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N"
        for reader in Reader.allCases {
            guard case .failure(let error) = reader.read("/etc/dirsync/" + pasted) else {
                Issue.record("read a missing file")
                continue
            }
            #expect(!error.description.contains("eyJ"), "\(error)")
            #expect(!(error.hint ?? "").contains("eyJ"))
            #expect(error.description.contains("not shown"), "\(error)")
        }
    }

    @Test func anEmptyOrHugeFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let empty = try secret(in: directory, mode: 0o600, "\n")
        #expect(throws: SecretFile.Failure(file: empty, problem: .empty)) { try SecretFile.read(empty) }
        let huge = try secret(in: directory, mode: 0o600, String(repeating: "x", count: 70_000))
        #expect(throws: SecretFile.Failure(file: huge, problem: .tooLarge)) { try SecretFile.read(huge) }
    }
}
