// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport
import Testing

@testable import RelayCLI

/// Every bad value is refused with an error that names its source.
@Suite struct ValidationTests {
    let keyEnvironment = ["SHARKFIN_API_KEY": "k"]

    /// The description of the error resolving these options raises, or `nil`.
    func failure(
        _ arguments: [String] = [],
        environment: [String: String]? = nil,
        config: String? = nil
    ) throws -> String? {
        let fixture = try ConfigFixture(config: config)
        defer { fixture.remove() }
        do {
            _ = try fixture.options(arguments, environment: environment ?? keyEnvironment)
            return nil
        } catch {
            return "\(error)".replacingOccurrences(of: fixture.configPath, with: "CONFIG")
        }
    }

    @Test func errorsNameTheFlagTheVariableOrTheFileLine() throws {
        #expect(
            try failure(["--max-clients", "0"])
                == "--max-clients (flag): must be a positive integer, got '0'"
        )
        #expect(
            try failure(environment: ["SHARKFIN_URL": "http://x/ws", "SHARKFIN_API_KEY": "k"])
                == "SHARKFIN_URL (environment): must start with ws:// or wss://, got 'http://x/ws'"
        )
        #expect(
            try failure(config: "# limits\n\nmax-clients = none\n")
                == "CONFIG:3: max-clients must be a positive integer, got 'none'"
        )
        #expect(
            try failure(environment: ["SHARKFIN_RELAY_LOG_LEVEL": "loud", "SHARKFIN_API_KEY": "k"])
                == "SHARKFIN_RELAY_LOG_LEVEL (environment): must be one of trace, debug, info,"
                + " notice, warning, error, critical, got 'loud'"
        )
        #expect(
            try failure(config: "insecure-skip-verify = maybe\n")
                == "CONFIG:1: insecure-skip-verify must be true or false, got 'maybe'"
        )
        #expect(
            try failure(["--max-in-flight", "256"])
                == "--max-in-flight (flag): must stay well below the server's 256-frame queue"
                + " (at most 200), got '256'"
        )
        #expect(
            try failure(["--request-timeout", "0s"])
                == "--request-timeout (flag): must be a duration above zero like 30s, 500ms"
                + " or 2m, got '0s'"
        )
        #expect(
            try failure(config: "log-target = syslog")
                == "CONFIG:1: log-target must be auto, stderr or journal, got 'syslog'"
        )
        #expect(
            try failure(["--url", "ws:///ws"])?.hasPrefix("--url (flag): must be a URL") == true
        )
    }

    @Test func keyFileProblemsNameWhereTheFileWasGiven() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let empty = fixture.directory.file("empty")
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) {
            try fixture.options(["--api-key-file", fixture.directory.file("missing")])
        }
        #expect(
            throws: ConfigurationError.invalidValue(
                key: "api-key-file",
                source: .environment(variable: "SHARKFIN_API_KEY_FILE"),
                problem: "names \(empty), which is empty"
            )
        ) {
            try fixture.options(environment: ["SHARKFIN_API_KEY_FILE": empty])
        }
        #expect(throws: ConfigurationError.keyRefused(source: .flag(name: "api-key"))) {
            try fixture.options(["--api-key", "secret"])
        }
        #expect(throws: ConfigurationError.missingAPIKey) { try fixture.options() }
    }

    @Test func socketModesMustLetClassesConnectOrNot() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        for (text, mode) in [("0600", 0o600), ("660", 0o660), ("0o666", 0o666)] {
            let options = try fixture.options(["--socket-mode", text], environment: keyEnvironment)
            #expect(options.socketMode == mode_t(mode))
        }
        #expect(try fixture.options(environment: keyEnvironment).socketMode == 0o600)
        for text in ["0700", "0664", "0640", "0060", "01666", "0777", "rw", "", "0800"] {
            #expect(throws: ConfigurationError.self, "mode '\(text)'") {
                try fixture.options(["--socket-mode", text], environment: keyEnvironment)
            }
        }
        #expect(
            try failure(["--socket-mode", "0644"])
                == "--socket-mode (flag): gives group 4: connecting needs read and write, so"
                + " give group 6 or 0 (0600, 0660 or 0666), got '0644'"
        )
    }

    @Test func groupsAndUsersResolveByNameOrNumber() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let options = try fixture.options(
            ["--socket-group", "root", "--allow-gid", "4242", "--allow-uid", "root"],
            environment: keyEnvironment
        )
        #expect(options.socketGroup == 0)
        #expect(options.allowedGIDs == [4242])
        #expect(options.allowedUIDs == [0])
        #expect(try fixture.options(environment: keyEnvironment).socketGroup == nil)
        #expect(
            try failure(["--allow-uid", "no-such-user-sfr"])
                == "--allow-uid (flag): names no user on this system: 'no-such-user-sfr'"
        )
        #expect(
            try failure(config: "socket-group = no-such-group-sfr\n")
                == "CONFIG:1: socket-group names no group on this system: 'no-such-group-sfr'"
        )
        #expect(
            try failure(config: "allow-gid = 1,,2\n")
                == "CONFIG:1: allow-gid has an empty entry in '1,,2'"
        )
    }

    @Test func socketPathsMustFitAndDiffer() throws {
        let long = "/tmp/" + String(repeating: "s", count: 103)
        #expect(
            try failure(["--socket", long])
                == "--socket (flag): is 108 bytes; a Unix socket path holds at most 107"
        )
        #expect(
            try failure(["--socket", "/tmp/a.sock", "--read-only-socket", "/tmp/a.sock"])
                == "--read-only-socket (flag): must differ from the socket path, got '/tmp/a.sock'"
        )
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let options = try fixture.options(
            ["--socket", "/tmp/a.sock", "--read-only-socket", "/tmp/b.sock"],
            environment: keyEnvironment
        )
        #expect(options.readOnlySocketPath == "/tmp/b.sock")
        #expect(!options.socketPathWasDefault)
    }

    @Test func reconnectMinimumMayNotExceedMaximumAndBlamesWhatWasSet() throws {
        #expect(
            try failure(["--reconnect-min", "1m"])
                == "--reconnect-min (flag): must not exceed reconnect-max (30s from default),"
                + " got '1m'"
        )
        #expect(
            try failure(config: "reconnect-max = 100ms\n")
                == "CONFIG:1: reconnect-max must be at least reconnect-min (500ms, default),"
                + " got '100ms'"
        )
        #expect(try failure(["--reconnect-min", "2s", "--reconnect-max", "2s"]) == nil)
    }

    @Test func caFileMustBeReadableAndSkippingVerificationWarnsLoudly() async throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let certificates = try await TLSTestCertificates.generate()
        defer { certificates.remove() }
        let environment = keyEnvironment.merging(["SHARKFIN_URL": "wss://x/ws"]) { $1 }
        let options = try fixture.options(
            ["--ca-file", certificates.caFile, "--insecure-skip-verify"],
            environment: environment
        )
        #expect(options.caFile == certificates.caFile)
        // A readable file that holds no certificate is refused, as serve would refuse it.
        #expect(try failure(["--ca-file", fixture.keyFile])?.contains("not a usable CA") == true)
        #expect(options.insecureSkipVerify)
        #expect(options.warnings.contains { $0.contains("VERIFICATION IS OFF") })
        #expect(try fixture.options(environment: environment).warnings.isEmpty)
        let missing = fixture.directory.file("ca.pem")
        #expect(
            try failure(["--ca-file", missing])
                == "--ca-file (flag): names \(missing): No such file or directory"
        )
        #expect(
            try failure(["--ca-file", "/tmp"])
                == "--ca-file (flag): names /tmp, which is a directory"
        )
        try fixture.writeConfig("insecure-skip-verify = yes\n")
        #expect(try fixture.options(environment: environment).insecureSkipVerify)
    }

    @Test func durationsPrintInTheirShortestExactForm() {
        #expect(formatDuration(.milliseconds(500)) == "500ms")
        #expect(formatDuration(.seconds(30)) == "30s")
        #expect(formatDuration(.seconds(120)) == "2m")
        #expect(formatDuration(.seconds(7200)) == "2h")
        #expect(formatDuration(.milliseconds(1500)) == "1500ms")
        #expect(parseDuration(formatDuration(.microseconds(1500))) == .microseconds(1500))
    }
}
