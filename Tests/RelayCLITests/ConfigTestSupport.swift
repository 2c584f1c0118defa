// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport

@testable import RelayCLI

/// A scratch directory holding a config file and an API key file, so tests never read the
/// real /etc or ~/.config.
struct ConfigFixture {
    let directory = TemporaryDirectory(prefix: "sfc")
    /// The key written to `keyFile`; tests assert it never shows in output.
    let key = "sekrit-key-4711"

    var configPath: String { directory.file("config") }
    var keyFile: String { directory.file("key") }

    init(config: String? = nil) throws {
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        if let config { try writeConfig(config) }
    }

    func writeConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func remove() { directory.remove() }

    /// Resolves as `serve` does, with this fixture's config file as the default file (which
    /// may not exist).
    func options(
        _ arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws -> ServeOptions {
        try ServeOptions(
            parsed: try ServeOptions.parser.parse(arguments),
            environment: environment,
            defaultConfigPath: configPath
        )
    }
}

/// Resolves `serve`'s options reading no config file at all.
func serveOptions(_ arguments: [String], environment: [String: String]) throws -> ServeOptions {
    try ServeOptions(
        parsed: try ServeOptions.parser.parse(arguments),
        environment: environment,
        defaultConfigPath: nil
    )
}

/// What a command printed, and its exit status.
struct CapturedRun {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs `sharkfin-relay ARGUMENTS` in-process and captures both output streams.
func runCommandLine(
    _ arguments: [String],
    environment: [String: String]
) async -> CapturedRun {
    let output = Recorder<String>()
    let error = Recorder<String>()
    let status = await RelayCommandLine.main(
        arguments: arguments,
        environment: environment,
        output: CommandOutput(
            standardOutput: { output.record($0) },
            standardError: { error.record($0) }
        )
    )
    return CapturedRun(
        status: status,
        standardOutput: output.values.joined(),
        standardError: error.values.joined()
    )
}
