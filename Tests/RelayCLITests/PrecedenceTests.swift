// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport
import Testing

@testable import RelayCLI

/// Flags beat the environment, which beats the config file, which beats the defaults; each
/// resolved value remembers where it came from.
@Suite struct PrecedenceTests {
    @Test func urlComesFromFlagThenEnvironmentThenFileThenDefault() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeConfig("api-key-file = \(fixture.keyFile)\nurl = ws://file:3/ws\n")
        let environment = ["SHARKFIN_URL": "ws://env:2/ws"]

        let fromFlag = try fixture.options(["--url", "ws://flag:1/ws"], environment: environment)
        #expect(fromFlag.upstreamURL == "ws://flag:1/ws")
        #expect(fromFlag.sources["url"] == [.flag(name: "url")])

        let fromEnvironment = try fixture.options(environment: environment)
        #expect(fromEnvironment.upstreamURL == "ws://env:2/ws")
        #expect(fromEnvironment.sources["url"] == [.environment(variable: "SHARKFIN_URL")])

        let fromFile = try fixture.options()
        #expect(fromFile.upstreamURL == "ws://file:3/ws")
        #expect(fromFile.sources["url"] == [.file(path: fixture.configPath, line: 2)])
        #expect(fromFile.configFile == fixture.configPath)

        try fixture.writeConfig("api-key-file = \(fixture.keyFile)\n")
        let fromDefault = try fixture.options()
        #expect(fromDefault.upstreamURL == ServeOptions.defaultURL)
        #expect(fromDefault.sources["url"] == [.defaultValue])
    }

    @Test func logLevelFromEnvironmentBeatsFileAndFlagBeatsBoth() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeConfig("api-key-file = \(fixture.keyFile)\nlog-level = error\n")
        let environment = ["SHARKFIN_RELAY_LOG_LEVEL": "debug"]
        #expect(try fixture.options().logLevel == .error)
        #expect(try fixture.options(environment: environment).logLevel == .debug)
        #expect(
            try fixture.options(["--log-level", "trace"], environment: environment).logLevel
                == .trace
        )
    }

    @Test func numbersAndDurationsFromFlagBeatFileBeatDefault() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeConfig(
            """
            api-key-file = \(fixture.keyFile)
            max-clients = 20
            reconnect-max = 2m
            """
        )
        let fromFile = try fixture.options()
        #expect(fromFile.maxClients == 20)
        #expect(fromFile.reconnectMaximum == .seconds(120))
        #expect(fromFile.reconnectMinimum == .milliseconds(500))
        #expect(fromFile.sources["reconnect-min"] == [.defaultValue])
        let fromFlags = try fixture.options(["--max-clients=30", "--reconnect-max", "45s"])
        #expect(fromFlags.maxClients == 30)
        #expect(fromFlags.reconnectMaximum == .seconds(45))
        #expect(fromFlags.maxLineBytes == 1 << 20)
    }

    @Test func emptyEnvironmentVariablesCountAsUnset() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeConfig("api-key-file = \(fixture.keyFile)\nurl = wss://file/ws\n")
        let environment = ["SHARKFIN_URL": "", "SHARKFIN_RELAY_LOG_LEVEL": ""]
        let options = try fixture.options(environment: environment)
        #expect(options.upstreamURL == "wss://file/ws")
        #expect(options.logLevel == .info)
    }

    @Test func emptyURLWithNothingElseSetExplainsHowToSetIt() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let environment = ["SHARKFIN_URL": "", "SHARKFIN_API_KEY_FILE": fixture.keyFile]
        #expect(throws: ConfigurationError.emptyURL) {
            try fixture.options(environment: environment)
        }
        #expect(ConfigurationError.emptyURL.description.contains("systemctl edit sharkfin-relay"))
    }

    @Test func flagListsReplaceFileListsAndEveryValueKeepsItsLine() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeConfig(
            """
            api-key-file = \(fixture.keyFile)
            allow-uid = root, 1000
            # another
            allow-uid = 1001
            allow-gid = root
            """
        )
        let fromFile = try fixture.options()
        #expect(fromFile.allowedUIDs == [0, 1000, 1001])
        #expect(fromFile.allowedGIDs == [0])
        let line = { (number: Int) in OptionSource.file(path: fixture.configPath, line: number) }
        #expect(fromFile.sources["allow-uid"] == [line(2), line(2), line(4)])

        let fromFlags = try fixture.options(["--allow-uid", "7", "--allow-uid=8,9"])
        #expect(fromFlags.allowedUIDs == [7, 8, 9])
        #expect(fromFlags.allowedGIDs == [0])
        #expect(try fixture.options().allowedUIDs.count == 3)
    }

    @Test func apiKeySourcesKeepTheirOrder() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let other = fixture.directory.file("other-key")
        try "from-other-file".write(toFile: other, atomically: true, encoding: .utf8)
        chmod(other, 0o600)
        try fixture.writeConfig("api-key-file = \(fixture.keyFile)\n")

        // The config file is the last resort...
        let fromFile = try fixture.options()
        #expect(fromFile.apiKey == fixture.key)
        #expect(fromFile.sources["api-key"] == [.file(path: fixture.configPath, line: 1)])
        // ...the key in the environment beats it...
        let environment = ["SHARKFIN_API_KEY": "from-env"]
        #expect(try fixture.options(environment: environment).apiKey == "from-env")
        // ...a key file in the environment beats that...
        let fileEnvironment = environment.merging(["SHARKFIN_API_KEY_FILE": other]) { $1 }
        #expect(try fixture.options(environment: fileEnvironment).apiKey == "from-other-file")
        // ...and the flag beats all but the systemd credential.
        #expect(
            try fixture.options(["--api-key-file", fixture.keyFile], environment: fileEnvironment)
                .apiKey == fixture.key
        )
        let credentials = TemporaryDirectory()
        defer { credentials.remove() }
        try "from-systemd".write(
            toFile: credentials.file("sharkfin-api-key"),
            atomically: true,
            encoding: .utf8
        )
        let withCredential = try fixture.options(
            ["--api-key-file", fixture.keyFile],
            environment: ["CREDENTIALS_DIRECTORY": credentials.path]
        )
        #expect(withCredential.apiKey == "from-systemd")
        #expect(withCredential.apiKeyFile == credentials.file("sharkfin-api-key"))
        #expect(withCredential.warnings.contains { $0.contains("is ignored") })
    }

    @Test func namedConfigFileMustExistButTheDefaultMayBeAbsent() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let environment = ["SHARKFIN_API_KEY": "k"]
        let options = try fixture.options(environment: environment)
        #expect(options.configFile == nil)
        let missing = fixture.directory.file("missing")
        #expect(
            throws: ConfigurationError.unreadableConfigFile(
                path: missing,
                source: .flag(name: "config"),
                reason: "No such file or directory"
            )
        ) {
            try fixture.options(["--config", missing], environment: environment)
        }
        try "max-clients = 3\n".write(toFile: missing, atomically: true, encoding: .utf8)
        let named = try fixture.options(["--config", missing], environment: environment)
        #expect(named.maxClients == 3)
        #expect(named.configFile == missing)
    }
}
