// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "Sleeve",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sleeve", targets: ["sleeve"]),
        .library(name: "SleeveCore", targets: ["SleeveCore"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    targets: [
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(name: "CSystemShims"),
        .target(
            name: "HTTPServer",
            dependencies: ["CMicroHTTPD"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SleeveCore",
            dependencies: ["HTTPServer", "CSQLite", "CSystemShims"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sleeve",
            dependencies: ["SleeveCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SleeveCoreTests",
            dependencies: ["SleeveCore", "SleeveTestSupport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SleeveTestSupport",
            dependencies: ["SleeveCore"],
            path: "Tests/SleeveTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["SleeveCore", "SleeveTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
