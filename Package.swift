// swift-tools-version:6.1
import Foundation
import PackageDescription

/// SECUREMAIL_SANITIZE=1 (scripts/test.sh --sanitize, with -sanitize=address for Swift) adds the
/// undefined-behaviour sanitizer to SecureMail's own C shims, stopping at the first report.
let cSanitizers: [CSetting] = ProcessInfo.processInfo.environment["SECUREMAIL_SANITIZE"] == nil
    ? [] : [.unsafeFlags(["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"])]

let package = Package(
    name: "SecureMail",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SecureMail", targets: ["SecureMail"]),
        .executable(name: "securemail-relay", targets: ["securemail-relay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    ],
    targets: [
        .target(
            name: "COpenSSL",
            cSettings: cSanitizers,
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(
            name: "CZlib",
            cSettings: cSanitizers,
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(name: "CPosix", cSettings: cSanitizers),
        .target(name: "CTextScan", cSettings: cSanitizers),
        .target(
            name: "SecureMail",
            dependencies: [
                "COpenSSL",
                "CZlib",
                "CPosix",
                "CTextScan",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "securemail-relay",
            dependencies: [
                "SecureMail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "SecureMailFuzzing", dependencies: ["SecureMail"]),
        .testTarget(
            name: "SecureMailTests",
            dependencies: ["SecureMail", "SecureMailFuzzing"],
            resources: [.copy("Fixtures")]
        ),
    ]
)

// The libFuzzer executable, built only by scripts/fuzz.sh (SECUREMAIL_FUZZ=1, -sanitize=fuzzer):
// it needs libFuzzer's runtime, which an ordinary build does not link.
if ProcessInfo.processInfo.environment["SECUREMAIL_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "securemail-fuzz", dependencies: ["SecureMailFuzzing"], path: "Fuzz"))
}
