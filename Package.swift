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
        .systemLibrary(name: "CSystem"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "DirectorySyncCurl", dependencies: ["DirectorySync", "CCurl"]),
        .target(name: "DirectorySyncFolderMailer", dependencies: ["DirectorySync", "CSystem"]),
        .target(name: "DirectorySyncSMTP", dependencies: ["DirectorySync", "DirectorySyncCurl", "CCurl"]),
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
