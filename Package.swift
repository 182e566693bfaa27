// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "dirsync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dirsync", targets: ["dirsync"]),
        .library(name: "DirectorySync", targets: ["DirectorySync"]),
        .library(name: "DirectorySyncSQLite", targets: ["DirectorySyncSQLite"]),
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
        .target(
            name: "DirectorySyncSQLite",
            dependencies: [
                "DirectorySync",
                .product(name: "GRDB", package: "GRDB.swift"),
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
            dependencies: ["DirectorySync", "DirectorySyncSQLite", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "dirsync",
            dependencies: [
                "DirectorySync",
                "DirectorySyncSQLite",
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
                "DirectorySyncSQLite", "DirectorySyncTesting", "DirectorySyncFolderMailer",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
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
                "DirectorySyncServe", "DirectorySync", "DirectorySyncSQLite", "DirectorySyncTesting",
                "DirectorySyncFolderMailer", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "dirsyncTests",
            dependencies: ["dirsync", "DirectorySync", "DirectorySyncSQLite", "DirectorySyncTesting"],
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
