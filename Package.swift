// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "dirsync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dirsync", targets: ["dirsync"]),
        .library(name: "DirectorySync", targets: ["DirectorySync"]),
        .library(name: "DirectorySyncSQLite", targets: ["DirectorySyncSQLite"]),
        .library(name: "DirectorySyncPostgres", targets: ["DirectorySyncPostgres"]),
        .library(name: "DirectorySyncSMTP", targets: ["DirectorySyncSMTP"]),
        .library(name: "DirectorySyncCurl", targets: ["DirectorySyncCurl"]),
        .library(name: "DirectorySyncFolderMailer", targets: ["DirectorySyncFolderMailer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // The pages of `dirsync serve`; without swift-configuration support, which dirsync does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        // Hummingbird's own dependencies, named for the header and socket types the pages use.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The PostgreSQL store; swift-nio-ssl comes with it, for TLS to the server.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "DirectorySync",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The ledger primitives in SQL, once for both engines.
        .target(name: "DirectorySyncSQL", dependencies: ["DirectorySync"]),
        .target(
            name: "DirectorySyncSQLite",
            dependencies: [
                "DirectorySync",
                "DirectorySyncSQL",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "DirectorySyncPostgres",
            dependencies: [
                "DirectorySync",
                "DirectorySyncSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(name: "CSyncFS"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "DirectorySyncCurl", dependencies: ["DirectorySync", "CCurl"]),
        .target(name: "DirectorySyncFolderMailer", dependencies: ["DirectorySync", "CSyncFS"]),
        .target(name: "DirectorySyncSMTP", dependencies: ["DirectorySync", "DirectorySyncCurl", "CCurl"]),
        .target(
            name: "DirectorySyncServe",
            dependencies: [
                "DirectorySync",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "DirectorySyncTesting",
            dependencies: [
                "DirectorySync", "DirectorySyncSQL", "DirectorySyncSQLite", "DirectorySyncPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "dirsync",
            dependencies: [
                "DirectorySync",
                "DirectorySyncSQL",
                "DirectorySyncSQLite",
                "DirectorySyncPostgres",
                "DirectorySyncSMTP",
                "DirectorySyncCurl",
                "DirectorySyncFolderMailer",
                "DirectorySyncServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "DirectorySyncTests", dependencies: ["DirectorySync", "DirectorySyncTesting"]),
        .testTarget(
            name: "DirectorySyncSQLiteTests",
            dependencies: [
                "DirectorySyncSQL", "DirectorySyncSQLite", "DirectorySyncPostgres", "DirectorySyncTesting",
                "DirectorySyncFolderMailer", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "DirectorySyncCurlTests",
            dependencies: ["DirectorySyncCurl", "DirectorySync", "DirectorySyncTesting"]
        ),
        .testTarget(
            name: "DirectorySyncFolderMailerTests",
            dependencies: ["DirectorySyncFolderMailer", "DirectorySync", "DirectorySyncTesting"]
        ),
        .testTarget(name: "DirectorySyncSMTPTests", dependencies: ["DirectorySyncSMTP", "DirectorySyncTesting"]),
        .testTarget(
            name: "DirectorySyncServeTests",
            dependencies: [
                "DirectorySyncServe", "DirectorySync", "DirectorySyncSQL", "DirectorySyncSQLite",
                "DirectorySyncTesting",
                "DirectorySyncFolderMailer", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "dirsyncTests",
            dependencies: [
                "dirsync", "DirectorySync", "DirectorySyncSQL", "DirectorySyncSQLite", "DirectorySyncPostgres",
                "DirectorySyncTesting",
            ],
            exclude: ["Golden"]  // read from the source tree by the golden-file tests
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
