import DirectorySyncTesting
import Foundation

@testable import DirectorySync

/// Reads every entry of an LDIF fixture with all attributes.
func readLDIF(_ fixture: String, chunkSize: Int = 1 << 20) throws -> (entries: [DirectoryEntry], log: DiagnosticLog) {
    let reader = try LDIFReader(path: Fixtures.url(fixture).path, file: fixture, chunkSize: chunkSize)
    var entries: [DirectoryEntry] = []
    while let entry = try reader.nextEntry(projection: nil) { entries.append(entry) }
    return (entries, reader.log)
}

/// Reads LDIF text from memory.
func readLDIF(text: String) throws -> (entries: [DirectoryEntry], log: DiagnosticLog) {
    let reader = LDIFReader(bytes: Array(text.utf8), file: "test.ldif")
    var entries: [DirectoryEntry] = []
    while let entry = try reader.nextEntry(projection: nil) { entries.append(entry) }
    return (entries, reader.log)
}

/// Reads every entry of a DSML fixture.
func readDSML(_ fixture: String) throws -> (entries: [DirectoryEntry], log: DiagnosticLog) {
    try readDSML(path: Fixtures.url(fixture).path, name: fixture)
}

func readDSML(path: String, name: String) throws -> (entries: [DirectoryEntry], log: DiagnosticLog) {
    let reader = try DSMLReader(path: path, file: name)
    var entries: [DirectoryEntry] = []
    try reader.read { entries.append($0) }
    return (entries, reader.log)
}

/// Reads every row of a CSV fixture.
func readCSV(_ fixture: String, options: Mapping.CSVOptions = Mapping.CSVOptions()) throws -> [DirectoryEntry] {
    try readCSV(path: Fixtures.url(fixture).path, name: fixture, options: options)
}

func readCSV(path: String, name: String, options: Mapping.CSVOptions = Mapping.CSVOptions()) throws
    -> [DirectoryEntry]
{
    let reader = try CSVReader(path: path, file: name, options: options)
    var entries: [DirectoryEntry] = []
    try reader.read { entries.append($0) }
    return entries
}

/// The error a throwing read produced, as a `ReadError`.
func readError(_ body: () throws -> Void) -> ReadError? {
    do {
        try body()
        return nil
    } catch let error as ReadError {
        return error
    } catch {
        return .unsupported("unexpected error type: \(error)")
    }
}
