// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import TestSupport
import Testing

@testable import RelayCLI

@Suite struct ArgumentParserTests {
    let parser = ArgumentParser(options: [
        OptionSpec(name: "socket", kind: .value(placeholder: "PATH"), help: ""),
        OptionSpec(name: "type", kind: .repeatedValue(placeholder: "T"), help: ""),
        OptionSpec(name: "raw", kind: .flag, help: ""),
    ])

    @Test func parsesBothValueFormsFlagsAndPositionals() throws {
        let parsed = try parser.parse([
            "version", "--socket", "/a", "--type=x", "--raw", "--type", "y", "--", "--raw",
        ])
        #expect(parsed.value("socket") == "/a")
        #expect(parsed.all("type") == ["x", "y"])
        #expect(parsed.has("raw"))
        #expect(parsed.positionals == ["version", "--raw"])
    }

    @Test func unknownOptionsAndMissingValuesNameTheOption() {
        #expect(throws: UsageError("unknown option '--nope'")) { try parser.parse(["--nope"]) }
        #expect(throws: UsageError("option '--socket' needs a value (PATH)")) {
            try parser.parse(["--socket"])
        }
        #expect(throws: UsageError("option '--raw' takes no value")) {
            try parser.parse(["--raw=1"])
        }
    }

    @Test func durationsAcceptUnitsAndRejectNonsense() {
        #expect(parseDuration("500ms") == .milliseconds(500))
        #expect(parseDuration("30s") == .seconds(30))
        #expect(parseDuration("2m") == .seconds(120))
        #expect(parseDuration("1.5") == .milliseconds(1500))
        #expect(parseDuration("-1s") == nil)
        #expect(parseDuration("soon") == nil)
    }
}

@Suite struct ServeOptionsTests {
    @Test func keyOnTheCommandLineIsRefused() throws {
        #expect(throws: ConfigurationError.self) {
            try serveOptions(["--api-key", "secret"], environment: [:])
        }
    }

    @Test func flagsBeatEnvironmentAndKeyFileIsTrimmed() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let keyFile = directory.file("key")
        try "  key-alice \n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o600)
        let options = try serveOptions(
            ["--url", "ws://flag:1/ws", "--api-key-file", keyFile],
            environment: ["SHARKFIN_URL": "ws://env:2/ws", "SHARKFIN_API_KEY": "other"]
        )
        #expect(options.upstreamURL == "ws://flag:1/ws")
        #expect(options.apiKey == "key-alice")
        #expect(options.apiKeySource == "file \(keyFile)")
        #expect(options.warnings.isEmpty)
    }

    @Test func environmentSuppliesURLAndKeyFileAndWarnsAboutOpenModes() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let keyFile = directory.file("key")
        try "k\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        let options = try serveOptions(
            [],
            environment: ["SHARKFIN_URL": "ws://env:2/ws", "SHARKFIN_API_KEY_FILE": keyFile]
        )
        #expect(options.upstreamURL == "ws://env:2/ws")
        #expect(options.apiKey == "k")
        #expect(options.warnings.count == 1)
    }

    @Test func credentialsDirectoryComesFirst() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try "from-systemd".write(
            toFile: directory.file("sharkfin-api-key"),
            atomically: true,
            encoding: .utf8
        )
        let options = try serveOptions(
            [],
            environment: ["CREDENTIALS_DIRECTORY": directory.path, "SHARKFIN_API_KEY": "env"]
        )
        #expect(options.apiKey == "from-systemd")
    }

    @Test func badValuesAreConfigurationErrors() {
        let environment = ["SHARKFIN_API_KEY": "k"]
        #expect(throws: ConfigurationError.self) {
            try serveOptions(["--max-clients", "0"], environment: environment)
        }
        #expect(throws: ConfigurationError.self) {
            try serveOptions(["--url", "http://x/ws"], environment: environment)
        }
        #expect(throws: ConfigurationError.self) {
            try serveOptions(["--log-level", "loud"], environment: environment)
        }
        #expect(throws: ConfigurationError.self) {
            try serveOptions(["--max-in-flight", "256"], environment: environment)
        }
        #expect(throws: ConfigurationError.self) { try serveOptions([], environment: [:]) }
    }

    @Test func defaultSocketPathFollowsXDGForUsersAndRunForRoot() {
        let environment = ["XDG_RUNTIME_DIR": "/run/user/1000"]
        #expect(
            RelayPaths.defaultSocketPath(environment: environment, userID: 1000)
                == "/run/user/1000/sharkfin-relay/relay.sock"
        )
        #expect(
            RelayPaths.defaultSocketPath(environment: environment, userID: 0)
                == "/run/sharkfin-relay/relay.sock"
        )
        #expect(
            RelayPaths.defaultSocketPath(environment: [:], userID: 1000)
                == "/run/sharkfin-relay/relay.sock"
        )
    }
}
