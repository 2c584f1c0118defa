// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import JSON
import TestSupport
import Testing

@testable import RelayCLI

/// `serve`'s socket permissions, peer allow-lists, read-only socket and API key hygiene,
/// on the real binary.
@Suite(.serialized) struct AccessProcessTests {
    private static func fileStatus(_ path: String) throws -> stat {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw TestTimeout(what: "stat \(path): \(errno)") }
        return info
    }

    @Test func socketModeAndGroupAreAppliedToTheSocketsAndANewDirectory() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            socketName: "run/relay.sock",
            extraArguments: [
                "--socket-mode", "0660", "--socket-group", "nogroup", "--read-only-socket",
                directory.file("run/ro.sock"),
            ]
        )
        try await relay.waitUntilConnected()
        for path in [relay.socketPath, directory.file("run/ro.sock")] {
            let info = try Self.fileStatus(path)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o7777 == 0o660, "\(path): \(String(info.st_mode, radix: 8))")
            #expect(info.st_gid == 65534)
        }
        let run = try Self.fileStatus(directory.file("run"))
        #expect(run.st_mode & 0o7777 == 0o750, "\(String(run.st_mode, radix: 8))")
        #expect(run.st_gid == 65534)
        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: relay.socketPath))
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/ro.sock")))
    }

    @Test func refusesToStartInADirectoryOthersMayWrite() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        chmod(directory.path, 0o777)
        let relay = try await RelayProcess.start(
            upstream: "ws://127.0.0.1:1/ws",
            directory: directory
        )
        #expect(try await relay.process.waitForExit() != 0)
        let errors = relay.process.standardError.values.joined(separator: "\n")
        #expect(errors.contains("writable by others"), "\(errors)")
    }

    @Test(.enabled(if: getuid() == 0, "needs root to run a client as another user"))
    func aUserOutsideTheAllowListIsRefusedAndAListedOneServed() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        chmod(directory.path, 0o755)
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            extraArguments: [
                "--socket-mode", "0666", "--allow-uid", "4242", "--read-only-socket",
                directory.file("ro.sock"), "--allow-uid", "nobody",
            ]
        )
        try await relay.waitUntilConnected()

        // nobody is listed: served on both sockets.
        let listed = try await runAs(nobody: ["call", "version", "--socket", relay.socketPath])
        #expect(listed.status == 0, "\(listed.err)")

        relay.process.signal(SIGTERM)
        _ = try await relay.process.waitForExit()

        let strict = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            socketName: "strict.sock",
            extraArguments: ["--socket-mode", "0666", "--allow-uid", "4242"]
        )
        try await strict.waitUntilConnected()
        let socat = try ManagedProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/socat", "-",
                "UNIX-CONNECT:\(strict.socketPath)",
            ],
            keepStandardInputOpen: true
        )
        let refusal = try await socat.waitForLine(containing: "relay.")
        #expect(refusal.contains(#""code":"relay.access_denied""#), "\(refusal)")
        #expect(try await socat.waitForExit() == 0)
        #expect(socat.standardOutput.values.count == 1)
        let warning = try await strict.process.waitForLine(
            containing: "client refused: not in the allow-lists",
            onStandardError: true
        )
        #expect(warning.contains("client.uid=65534"))
        #expect(warning.contains("message.id=1ded5823d62f4f0e9336cd67d446cb02"))
        // The CLI, whose request races the refusal, still reads and prints the reason.
        for _ in 0..<5 {
            let refused = try await runAs(nobody: ["call", "ping", "--socket", strict.socketPath])
            #expect(refused.status == 3)
            #expect(refused.err.contains("may not use this relay"), "\(refused.err)")
        }
        // Root (running this test, and the relay's own user) is always admitted.
        let root = try await runRelayCommand(["call", "ping", "--socket", strict.socketPath])
        #expect(root.status == 0, "\(root.err)")
        strict.process.signal(SIGTERM)
        #expect(try await strict.process.waitForExit() == 0)
    }

    @Test func readOnlySocketServesReadsAndEventsAndRefusesWrites() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let readOnlyPath = directory.file("ro.sock")
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            extraArguments: ["--read-only-socket", readOnlyPath]
        )
        try await relay.waitUntilConnected()
        let join = try await runRelayCommand([
            "call", "channel_join", #"{"channel":"general"}"#, "--socket", relay.socketPath,
        ])
        #expect(join.status == 0, "\(join.err)")

        let history = try await runRelayCommand([
            "call", "history", #"{"channel":"general"}"#, "--socket", readOnlyPath,
        ])
        #expect(history.status == 0, "\(history.err)")
        let write = try await runRelayCommand([
            "call", "send_message", #"{"channel":"general","body":"nope"}"#, "--socket",
            readOnlyPath,
        ])
        #expect(write.status == 1)
        #expect(write.err.contains("read-only"), "\(write.err)")

        // An event written through the main socket reaches a read-only subscriber.
        let reader = try LocalRelayConnection(path: readOnlyPath)
        _ = try reader.receive(timeout: .seconds(5))
        let sent = try await runRelayCommand([
            "call", "send_message", #"{"channel":"general","body":"seen by readers"}"#,
            "--socket", relay.socketPath,
        ])
        #expect(sent.status == 0, "\(sent.err)")
        var event: JSONObject?
        for _ in 0..<10 {
            guard let line = try reader.receive(timeout: .seconds(5)) else { break }
            if line["type"] == "message.new" {
                event = line
                break
            }
        }
        #expect(event?["d"]?["body"] == "seen by readers")
        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
    }

    @Test func theAPIKeyNeverReachesTheLogsEvenAtTrace() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            extraArguments: ["--log-level", "trace"]
        )
        try await relay.waitUntilConnected()
        for arguments in [
            ["call", "send_message", #"{"channel":"general","body":"hello"}"#],
            ["call", "history", #"{"channel":"general"}"#], ["status", "--json"],
        ] {
            _ = try await runRelayCommand(arguments + ["--socket", relay.socketPath])
        }
        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
        let started = relay.process.standardError.values.first { $0.contains("relay started") }
        #expect(started?.contains("api_key.source=") == true)
        #expect(relay.process.standardError.values.contains { $0.contains(" trace ") })

        // A refused key, from the environment this time, stays out of the logs too.
        let refusedKey = "sfk-refused-0123456789abcdef"
        let keyInEnvironment = try await RelayProcessWithEnvironmentKey.start(
            upstream: server.url,
            directory: directory,
            key: refusedKey
        )
        try await waitUntil("the upstream to refuse the key") {
            guard let connection = try? LocalRelayConnection(path: directory.file("env.sock")),
                let reply = try? connection.request(
                    ["type": "relay.status", "ref": "probe"],
                    timeout: .seconds(2)
                )
            else { return false }
            return reply["d"]?["upstream"]?["state"]?.stringValue == "unauthorized"
        }
        keyInEnvironment.signal(SIGTERM)
        _ = try await keyInEnvironment.waitForExit()
        let source = keyInEnvironment.standardError.values.first { $0.contains("relay started") }
        #expect(source?.contains("environment SHARKFIN_API_KEY") == true)

        for output in [relay.process, keyInEnvironment] {
            let text = output.standardError.values.joined(separator: "\n")
            #expect(!text.contains("alice-key"))
            #expect(!text.contains(refusedKey))
        }
    }

    @Test(
        .enabled(
            if: getuid() == 0
                && FileManager.default.fileExists(atPath: "/run/systemd/journal/socket"),
            "needs the journald that scripts/start-journald.sh starts as root"
        )
    )
    func theAPIKeyNeverReachesTheJournalEvenAtTrace() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            extraArguments: ["--log-target", "journal", "--log-level", "trace"]
        )
        try await relay.waitUntilConnected()
        _ = try await runRelayCommand([
            "call", "send_message", #"{"channel":"general","body":"hello"}"#, "--socket",
            relay.socketPath,
        ])
        let pid = relay.process.pid
        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)

        @Sendable func journal() async throws -> [String] {
            let reader = try ManagedProcess(
                "/usr/bin/journalctl",
                ["-o", "json", "--no-pager", "_PID=\(pid)"]
            )
            _ = try await reader.waitForExit()
            return reader.standardOutput.values
        }
        try await waitUntil("journal entries of pid \(pid)") {
            try await journal().contains { $0.contains("relay stopped") }
        }
        let entries = try await journal()
        #expect(entries.contains { $0.contains("\"PRIORITY\":\"7\"") }, "no debug entries")
        #expect(entries.contains { $0.contains("SHARKFIN_API_KEY_SOURCE") })
        #expect(!entries.joined().contains("alice-key"))
    }
}

/// Runs `sharkfin-relay ARGUMENTS` as `nobody` (through `setpriv`).
private func runAs(nobody arguments: [String]) async throws -> (status: Int32, err: String) {
    let process = try ManagedProcess(
        "/usr/bin/setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", BuiltProducts.path("sharkfin-relay")]
            + arguments
    )
    let status = try await process.waitForExit()
    return (status, process.standardError.values.joined(separator: "\n"))
}

/// A relay whose key comes from `SHARKFIN_API_KEY`, at trace level.
private enum RelayProcessWithEnvironmentKey {
    static func start(
        upstream: String,
        directory: TemporaryDirectory,
        key: String
    ) async throws -> ManagedProcess {
        var environment = ProcessInfo.processInfo.environment
        for name in ["SHARKFIN_API_KEY_FILE", "CREDENTIALS_DIRECTORY", "JOURNAL_STREAM"] {
            environment.removeValue(forKey: name)
        }
        environment["SHARKFIN_API_KEY"] = key
        return try ManagedProcess(
            BuiltProducts.path("sharkfin-relay"),
            [
                "serve", "--url", upstream, "--socket", directory.file("env.sock"),
                "--log-target", "stderr", "--log-level", "trace", "--config", "/dev/null",
            ],
            environment: environment
        )
    }
}
