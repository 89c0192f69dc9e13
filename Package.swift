// swift-tools-version:6.1
import PackageDescription

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
    ],
    targets: [
        .target(
            name: "COpenSSL",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(
            name: "CZlib",
            linkerSettings: [.linkedLibrary("z")]
        ),
        .target(
            name: "SecureMail",
            dependencies: [
                "COpenSSL",
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
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
        .testTarget(
            name: "SecureMailTests",
            dependencies: ["SecureMail"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
