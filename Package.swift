// swift-tools-version:6.0
// sharkfin-relay: one Sharkfin WebSocket session shared by many local programs.
// SPDX-License-Identifier: Apache-2.0

import PackageDescription

/// Settings every Swift target shares (Swift 6 language mode comes with the tools version).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "sharkfin-relay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sharkfin-relay", targets: ["sharkfin-relay"]),
        .executable(name: "sharkfin-devserver", targets: ["sharkfin-devserver"]),
        .library(name: "SharkfinClient", targets: ["SharkfinClient"]),
    ],
    targets: [
        // C modules over Debian's development packages.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        // Layers, lowest first.
        .target(name: "Logging", swiftSettings: strictSettings),
        .target(name: "JSON", swiftSettings: strictSettings),
        .target(
            name: "SocketIO",
            dependencies: ["CLinux", "Logging"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TLS",
            dependencies: ["COpenSSL", "SocketIO", "Logging"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "WebSocket",
            dependencies: ["SocketIO", "Logging", "COpenSSL", "TLS"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SharkfinClient",
            dependencies: ["WebSocket", "SocketIO", "JSON", "Logging"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Systemd",
            dependencies: ["CSystemd", "Logging"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Relay",
            dependencies: ["SharkfinClient", "WebSocket", "SocketIO", "JSON", "Logging", "Systemd"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DevServer",
            dependencies: ["WebSocket", "SocketIO", "JSON", "Logging"],
            swiftSettings: strictSettings
        ),

        .target(
            name: "RelayCLI",
            dependencies: [
                "Relay", "SharkfinClient", "Systemd", "Logging", "JSON", "SocketIO", "TLS",
                "WebSocket",
            ],
            swiftSettings: strictSettings
        ),

        // Thin executables.
        .executableTarget(
            name: "sharkfin-relay",
            dependencies: ["RelayCLI"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sharkfin-devserver",
            dependencies: ["DevServer", "Logging"],
            swiftSettings: strictSettings
        ),
        // Drives the Autobahn (kosoku) fuzzing server's cases through our WebSocket client.
        .executableTarget(
            name: "autobahn-client",
            dependencies: ["WebSocket", "SocketIO", "Logging"],
            swiftSettings: strictSettings
        ),

        // Tests.
        .target(
            name: "TestSupport",
            dependencies: ["CLinux", "Logging", "SocketIO", "JSON"],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JSONTests",
            dependencies: ["JSON"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: ["SocketIO", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TLSTests",
            dependencies: ["TLS", "SocketIO", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WebSocketTests",
            dependencies: ["WebSocket", "SocketIO", "TLS", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SharkfinClientTests",
            dependencies: ["SharkfinClient", "DevServer", "JSON", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: ["Systemd", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DevServerTests",
            dependencies: ["DevServer", "WebSocket", "JSON", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RelayCLITests",
            dependencies: [
                "RelayCLI", "Relay", "DevServer", "SharkfinClient", "JSON", "SocketIO",
                "TestSupport", "Logging",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RelayTests",
            dependencies: ["Relay", "SharkfinClient", "DevServer", "JSON", "TestSupport", "Logging"],
            swiftSettings: strictSettings
        ),
    ]
)
