// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import JSON
import SocketIO
import TestSupport
import Testing

@testable import RelayCLI

/// The real `sharkfin-relay` binary against a real `sharkfin-devserver`, over real sockets.
@Suite(.serialized) struct DaemonProcessTests {
    @Test func serveAnswersCallsAndStopsCleanlyOnSIGTERM() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(upstream: server.url, directory: directory)
        try await relay.waitUntilConnected()

        let version = try await runRelayCommand(["call", "version", "--socket", relay.socketPath])
        #expect(version.status == 0)
        #expect(version.out.contains("\"version\""))

        let failed = try await runRelayCommand([
            "call", "channel_join", #"{"channel":"no-such-channel"}"#, "--socket", relay.socketPath,
        ])
        #expect(failed.status == 1)
        #expect(failed.err.contains("channel not found: no-such-channel"))

        let status = try await runRelayCommand(["status", "--json", "--socket", relay.socketPath])
        #expect(status.status == 0)
        let parsed = try JSONValue(parsing: status.out)
        #expect(parsed["upstream"]?["state"]?.stringValue == "connected")
        #expect(!status.out.contains("alice-key"))

        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: relay.socketPath))
        #expect(!relay.process.standardError.values.joined().contains("alice-key"))
    }

    @Test func aSecondRelayRefusesALiveSocketAndAStaleOneIsReplaced() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let first = try await RelayProcess.start(upstream: server.url, directory: directory)
        try await first.waitUntilConnected()

        let second = try await RelayProcess.start(upstream: server.url, directory: directory)
        let status = try await second.process.waitForExit()
        #expect(status != 0)
        let errors = second.process.standardError.values.joined(separator: "\n")
        #expect(errors.contains("another relay"), "stderr: \(errors)")
        // The first relay is untouched.
        let probe = try await runRelayCommand(["call", "ping", "--socket", first.socketPath])
        #expect(probe.status == 0)

        // SIGKILL leaves the socket file behind: a stale socket nobody answers.
        first.process.signal(SIGKILL)
        _ = try await first.process.waitForExit()
        #expect(FileManager.default.fileExists(atPath: first.socketPath))
        let third = try await RelayProcess.start(upstream: server.url, directory: directory)
        try await third.waitUntilConnected()
        third.process.signal(SIGTERM)
        #expect(try await third.process.waitForExit() == 0)
    }

    @Test func socketActivationRefusesSocketsItWouldNotServe() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            socketName: "unused.sock",
            launcher: [
                "/usr/bin/systemd-socket-activate", "-l", directory.file("a.sock"),
                "-l", directory.file("b.sock"), "--fdname=relay:other",
            ]
        )
        try await waitUntil("activation socket") {
            FileManager.default.fileExists(atPath: directory.file("a.sock"))
        }
        _ = try? await runRelayCommand(["call", "ping", "--socket", directory.file("a.sock")])
        #expect(try await relay.process.waitForExit() != 0)
        let errors = relay.process.standardError.values.joined(separator: "\n")
        #expect(errors.contains("does not serve: 4 (other)"), "\(errors)")
    }

    @Test func socketActivationServesThePassedSocketAndLeavesItOnExit() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let socketPath = directory.file("activated.sock")
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            socketName: "unused.sock",
            launcher: ["/usr/bin/systemd-socket-activate", "-l", socketPath, "--fdname=relay"]
        )
        try await waitUntil("activation socket") {
            FileManager.default.fileExists(atPath: socketPath)
        }
        // The first connection makes systemd-socket-activate start the relay.
        let ping = try await runRelayCommand(["call", "ping", "--socket", socketPath])
        #expect(ping.status == 0, "stderr: \(ping.err)")
        try await relay.process.waitForLine(
            containing: "socket adopted from systemd",
            onStandardError: true
        )
        #expect(!FileManager.default.fileExists(atPath: directory.file("unused.sock")))

        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: socketPath))
    }

    @Test func notifiesReadyStatusWatchdogAndStopping() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let notify = try NotifySocketListener(path: directory.file("notify"))
        defer { notify.stop() }
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"]
        )
        try await waitUntil("READY=1") { notify.messages.values.contains("READY=1") }
        // READY comes only once the socket accepts connections.
        #expect(FileManager.default.fileExists(atPath: relay.socketPath))
        try await relay.waitUntilConnected()
        try await waitUntil("STATUS with upstream connected") {
            notify.messages.values.contains { $0.hasPrefix("STATUS=") && $0.contains("connected") }
        }
        // STATUS follows the local clients too, and never repeats itself.
        let clientLoop = try EventLoop(name: "clients")
        defer { clientLoop.shutdown() }
        let first = try await LineClient.connect(relay.socketPath, on: clientLoop)
        let second = try await LineClient.connect(relay.socketPath, on: clientLoop)
        try await waitUntil("STATUS with 2 clients") {
            notify.messages.values.contains { $0.hasPrefix("STATUS=") && $0.contains("2 clients") }
        }
        first.close()
        second.close()
        let statuses = notify.messages.values.filter { $0.hasPrefix("STATUS=") }
        #expect(zip(statuses, statuses.dropFirst()).allSatisfy { $0 != $1 })

        // The watchdog is pinged at half the interval (every 200 ms, 5 a second). The rate is
        // taken over the measured time, since a loaded machine may oversleep.
        let before = notify.messages.values.filter { $0 == "WATCHDOG=1" }.count
        let started = ContinuousClock.now
        try await Task.sleep(for: .seconds(1))
        let pings = notify.messages.values.filter { $0 == "WATCHDOG=1" }.count - before
        let elapsed = ContinuousClock.now - started
        let perSecond =
            Double(pings)
            / (Double(elapsed.components.seconds)
                + Double(elapsed.components.attoseconds) / 1e18)
        #expect((2.5...7.5).contains(perSecond), "\(pings) watchdog pings in \(elapsed)")

        // Upstream down shows in STATUS.
        server.process.signal(SIGKILL)
        try await waitUntil("STATUS with upstream reconnecting") {
            notify.messages.values.contains {
                $0.hasPrefix("STATUS=") && ($0.contains("reconnecting") || $0.contains("down"))
            }
        }

        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
        #expect(notify.messages.values.contains("STOPPING=1"))
    }

    @Test func sighupReloadsTheLogLevelFromTheConfigFileAndKeepsClients() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let notify = try NotifySocketListener(path: directory.file("notify"))
        defer { notify.stop() }
        let config = directory.file("config")
        try "log-level = info\n".write(toFile: config, atomically: true, encoding: .utf8)
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            environment: ["NOTIFY_SOCKET": notify.path],
            configFile: config,
            logLevel: nil
        )
        try await relay.waitUntilConnected()
        let kept = try LocalRelayConnection(path: relay.socketPath)
        _ = try kept.receive(timeout: .seconds(5))  // relay.hello
        #expect(!relay.process.standardError.values.contains { $0.contains("client connected") })

        try "log-level = debug\n".write(toFile: config, atomically: true, encoding: .utf8)
        relay.process.signal(SIGHUP)
        try await relay.process.waitForLine(
            containing: "configuration reloaded",
            onStandardError: true
        )
        let reloading = try #require(notify.messages.values.first { $0.hasPrefix("RELOADING=1") })
        #expect(reloading.contains("\nMONOTONIC_USEC="))
        let afterReload = notify.messages.values.drop { !$0.hasPrefix("RELOADING=1") }
        try await waitUntil("READY=1 after RELOADING=1") {
            notify.messages.values.drop { !$0.hasPrefix("RELOADING=1") }.contains("READY=1")
        }
        _ = afterReload

        // Debug lines appear now, and the client connected before the reload still works.
        _ = try LocalRelayConnection(path: relay.socketPath)
        try await relay.process.waitForLine(containing: "client connected", onStandardError: true)
        let reply = try kept.request(["type": "ping", "ref": "still-here"], timeout: .seconds(5))
        #expect(reply["type"] == "pong")

        relay.process.signal(SIGTERM)
        #expect(try await relay.process.waitForExit() == 0)
    }

    @Test func logsToTheJournalWithStructuredFields() async throws {
        guard getuid() == 0, FileManager.default.fileExists(atPath: "/run/systemd/journal/socket")
        else {
            // journald runs only where scripts/start-journald.sh could start it (root).
            return
        }
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let server = try await DevServerProcess.start()
        let relay = try await RelayProcess.start(
            upstream: server.url,
            directory: directory,
            extraArguments: ["--log-target", "journal"]
        )
        try await relay.waitUntilConnected()
        let pid = relay.process.pid
        relay.process.signal(SIGTERM)
        _ = try await relay.process.waitForExit()

        @Sendable func readJournal() async throws -> [JSONValue] {
            let journal = try ManagedProcess(
                "/usr/bin/journalctl",
                ["-o", "json", "--no-pager", "_PID=\(pid)"]
            )
            _ = try await journal.waitForExit()
            try await Task.sleep(for: .milliseconds(50))
            return journal.standardOutput.values.compactMap { try? JSONValue(parsing: $0) }
        }
        try await waitUntil("journal entries of pid \(pid)") {
            try await readJournal().contains { $0["MESSAGE"]?.stringValue == "relay stopped" }
        }
        let entries = try await readJournal()
        let started = try #require(entries.first { $0["MESSAGE"]?.stringValue == "relay started" })
        #expect(started["MESSAGE_ID"]?.stringValue == "8e94592f83194d6cb84640c4989d6101")
        #expect(started["PRIORITY"]?.stringValue == "6")
        #expect(started["SYSLOG_IDENTIFIER"]?.stringValue == "sharkfin-relay")
        #expect(started["SHARKFIN_SOCKET_PATH"]?.stringValue == relay.socketPath)
        #expect(started["CODE_FILE"] != nil)
        let text = entries.map { $0.serializedString() }.joined()
        #expect(!text.contains("alice-key"))
        #expect(
            entries.contains { $0["MESSAGE_ID"]?.stringValue == "7d042696d15b4b69a1fe8cd1ef253440" }
        )
    }
}
