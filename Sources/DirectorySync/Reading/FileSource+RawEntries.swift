extension FileSource {
    /// Every entry of the file, unmapped and with all its attributes: for `dirsync explain`.
    public func forEachRawEntry(csv: Mapping.CSVOptions, _ body: (DirectoryEntry) -> Void) throws(ReadError) {
        _ = try forEachEntry(projection: nil, csv: csv, progress: nil, body)
    }
}
