// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import TestSupport
import Testing

@testable import RelayCLI

/// `sharkfin-relay check-config`, run in-process through `RelayCommandLine.main`. Every run
/// names its config file with `--config`, so none reads /etc or ~/.config.
@Suite struct CheckConfigTests {
    @Test func printsEverySettingWithItsSourceAndExitsZero() async throws {
        let fixture = try ConfigFixture(config: "max-clients = 20\nurl = \"wss://chat/ws\"\n")
        defer { fixture.remove() }
        let run = await runCommandLine(
            ["check-config", "--config", fixture.configPath, "--stall-timeout", "5s"],
            environment: ["SHARKFIN_API_KEY_FILE": fixture.keyFile]
        )
        #expect(run.status == 0)
        #expect(run.standardError == "")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String? { lines.first { $0.hasPrefix("\(key) =") } }
        #expect(line("max-clients")?.hasSuffix("# \(fixture.configPath):1") == true)
        #expect(line("url")?.hasPrefix("url = wss://chat/ws ") == true)
        #expect(line("stall-timeout")?.hasSuffix("# flag --stall-timeout") == true)
        #expect(line("max-line-bytes")?.hasSuffix("# default") == true)
        #expect(line("api-key")?.hasSuffix("# environment SHARKFIN_API_KEY_FILE") == true)
        #expect(line("ca-file")?.hasSuffix("# default (not set)") == true)
        for option in ServeOptions.settingOptions where option.name != "api-key-file" {
            #expect(line(option.name) != nil, "no line for \(option.name)")
        }
    }

    @Test func theKeyNeverAppearsInTextOrJSON() async throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.writeConfig("api-key-file = \(fixture.keyFile)\n")
        for extra in [[], ["--json"]] {
            let run = await runCommandLine(
                ["check-config", "--config", fixture.configPath] + extra,
                environment: [:]
            )
            #expect(run.status == 0)
            #expect(!run.standardOutput.contains(fixture.key))
            #expect(!run.standardError.contains(fixture.key))
            let redacted =
                "<redacted, \(fixture.key.utf8.count) bytes from file \(fixture.keyFile)>"
            #expect(run.standardOutput.contains(redacted))
        }
        let fromEnvironment = await runCommandLine(
            ["check-config", "--config", fixture.configPath],
            environment: ["SHARKFIN_API_KEY": "env-secret-99"]
        )
        #expect(!fromEnvironment.standardOutput.contains("env-secret-99"))
        #expect(
            fromEnvironment.standardOutput.contains(
                "<redacted, 13 bytes from environment SHARKFIN_API_KEY>"
            )
        )
    }

    @Test func jsonOutputCarriesValuesSourcesAndWarnings() async throws {
        let fixture = try ConfigFixture(config: "allow-uid = 0\nallow-uid = 1, 2\n")
        defer { fixture.remove() }
        let run = await runCommandLine(
            [
                "check-config", "--json", "--config", fixture.configPath, "--max-clients", "7",
                "--insecure-skip-verify",
            ],
            environment: ["SHARKFIN_API_KEY_FILE": fixture.keyFile]
        )
        #expect(run.status == 0)
        let json = try JSONValue(parsing: run.standardOutput)
        #expect(json["valid"]?.boolValue == true)
        #expect(json["configFile"]?.stringValue == fixture.configPath)
        #expect(json["settings"]?["max-clients"]?["value"]?.intValue == 7)
        #expect(json["settings"]?["max-clients"]?["source"]?.stringValue == "flag --max-clients")
        #expect(json["settings"]?["allow-uid"]?["value"] == [0, 1, 2])
        #expect(
            json["settings"]?["allow-uid"]?["source"]?[2]?.stringValue
                == "\(fixture.configPath):2"
        )
        #expect(json["settings"]?["read-only-socket"]?["value"] == .null)
        #expect(json["warnings"]?.arrayValue?.isEmpty == false)
    }

    @Test func invalidConfigurationExitsOneWithTheErrorOnStandardError() async throws {
        let fixture = try ConfigFixture(config: "\nmax-client = 5\n")
        defer { fixture.remove() }
        let run = await runCommandLine(
            ["check-config", "--config", fixture.configPath],
            environment: ["SHARKFIN_API_KEY": "k"]
        )
        #expect(run.status == 1)
        #expect(run.standardOutput == "")
        #expect(
            run.standardError
                == "sharkfin-relay: invalid configuration: \(fixture.configPath):2: unknown key"
                + " 'max-client' (did you mean 'max-clients'?)\n"
        )
        let badFlag = await runCommandLine(
            ["check-config", "--config", fixture.configPath, "--max-clients", "-3"],
            environment: [:]
        )
        #expect(badFlag.status == 1)
        let asJSON = await runCommandLine(
            ["check-config", "--json", "--config", fixture.configPath],
            environment: [:]
        )
        #expect(asJSON.status == 1)
        let failure = try JSONValue(parsing: asJSON.standardOutput)
        #expect(failure["valid"] == false)
        #expect(failure["error"]?.stringValue?.contains("max-client") == true)
    }

    @Test func unknownOptionsAreUsageErrorsAndHelpSucceeds() async throws {
        let fixture = try ConfigFixture(config: "")
        defer { fixture.remove() }
        let unknown = await runCommandLine(
            ["check-config", "--config", fixture.configPath, "--frobnicate"],
            environment: [:]
        )
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("unknown option '--frobnicate'"))
        let help = await runCommandLine(["check-config", "--help"], environment: [:])
        #expect(help.status == 0)
        #expect(help.standardOutput.hasPrefix("usage: sharkfin-relay check-config"))
        let overview = await runCommandLine(["--help"], environment: [:])
        #expect(overview.standardOutput.contains("check-config"))
    }
}
