import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySync

/// Random truncations and byte flips of every fixture: each mutated file either reads or fails with an
/// error that names the file (and the line, where there is one). Nothing crashes, nothing hangs.
@Suite struct MutationTests {
    static let fixtures: [String] =
        Fixtures.files(in: "ldif-edge-cases", extensions: [".ldif"])
        + Fixtures.files(in: "openldap", extensions: [".ldif"])
        + Fixtures.files(in: "openldap-2.5", extensions: [".ldif"])
        + Fixtures.files(in: "ad-shaped", extensions: [".ldif"])
        + Fixtures.files(in: "opendj-dsml", extensions: [".ldif", ".res", ".dat"])
        + Fixtures.files(in: "apache-ldap-api-dsml", extensions: [".xml"])
        + Fixtures.files(in: "dsmlv1", extensions: [".xml"])
        + Fixtures.files(in: "dsml-cases", extensions: [".xml"])
        + Fixtures.files(in: "csv", extensions: [".csv"])

    @Test func everyReaderFixtureIsCovered() {
        #expect(Self.fixtures.count >= 55)
    }

    @Test(arguments: fixtures)
    func mutatedFilesReadOrFailWithALocatedError(_ fixture: String) throws {
        let original = try Fixtures.bytes(fixture)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var random = SeededRandom(seed: UInt64(truncatingIfNeeded: fixture.hashValueStable))
        let rounds = original.count > 100_000 ? 8 : 24
        for round in 0..<rounds {
            var bytes = original
            if round % 2 == 0 {
                bytes.removeLast(Int(random.next() % UInt64(bytes.count + 1)))
            } else {
                for _ in 0...(random.next() % 3) where !bytes.isEmpty {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            let url = directory.file("mutant-\(round)")
            try Data(bytes).write(to: url)
            let name = "\(fixture)#\(round)"
            do {
                try read(url.path, name: name, kind: Self.kind(of: fixture))
            } catch let error as ReadError {
                let location = try #require(error.location, "\(name): \(error) names no location")
                #expect(location.source == name)
                if Self.kind(of: fixture) != .dsml, error.description.contains("UTF-16") == false {
                    #expect(location.line != nil, "\(name): \(error)")
                }
            }
        }
    }

    private func read(_ path: String, name: String, kind: SourceKind) throws {
        switch kind {
        case .ldif:
            let reader = try LDIFReader(path: path, file: name, chunkSize: 4096)
            while try reader.nextEntry(projection: nil) != nil {}
        case .dsml:
            _ = try readDSML(path: path, name: name)
        default:
            _ = try readCSV(path: path, name: name)
        }
    }

    static func kind(of fixture: String) -> SourceKind {
        if fixture.hasSuffix(".ldif") { return .ldif }
        if fixture.hasSuffix(".csv") { return .csv }
        return .dsml
    }
}

/// SplitMix64, so every run mutates the same bytes.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per run).
    var hashValueStable: Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash)
    }
}
