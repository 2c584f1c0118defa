// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import JSON
import Synchronization
import TestSupport

@testable import RelayCLI

/// A real `sharkfin-devserver` process with two users, alice and bob.
struct DevServerProcess {
    let process: ManagedProcess
    let port: UInt16

    var url: String { "ws://127.0.0.1:\(port)/ws" }

    static func start(extraArguments: [String] = []) async throws -> DevServerProcess {
        let process = try ManagedProcess(
            BuiltProducts.path("sharkfin-devserver"),
            ["--listen", "127.0.0.1:0", "--user", "alice:alice-key", "--user", "bob:bob-key"]
                + extraArguments
        )
        let line = try await process.waitForLine(containing: "listening on")
        guard let portText = line.split(separator: ":").last, let port = UInt16(portText) else {
            throw TestTimeout(what: "a port in '\(line)'")
        }
        return DevServerProcess(process: process, port: port)
    }
}

/// A real `sharkfin-relay serve` process for alice against a devserver.
struct RelayProcess {
    let process: ManagedProcess
    let socketPath: String

    static func start(
        upstream: String,
        directory: TemporaryDirectory,
        socketName: String = "relay.sock",
        extraArguments: [String] = [],
        environment extra: [String: String] = [:],
        launcher: [String] = [],
        configFile: String = "/dev/null",
        logLevel: String? = "debug"
    ) async throws -> RelayProcess {
        let keyFile = directory.file("alice.key")
        if !FileManager.default.fileExists(atPath: keyFile) {
            try "alice-key\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
            chmod(keyFile, 0o600)
        }
        let socketPath = directory.file(socketName)
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
            "LISTEN_FDNAMES", "JOURNAL_STREAM", "SHARKFIN_URL", "SHARKFIN_API_KEY",
            "SHARKFIN_API_KEY_FILE", "CREDENTIALS_DIRECTORY", "SHARKFIN_RELAY_LOG_LEVEL",
            "XDG_CONFIG_HOME",
        ] {
            environment.removeValue(forKey: key)
        }
        environment.merge(extra) { _, new in new }
        let relayArguments =
            [
                "serve", "--url", upstream, "--api-key-file", keyFile, "--socket", socketPath,
                "--log-target", "stderr", "--config", configFile,
            ] + (logLevel.map { ["--log-level", $0] } ?? []) + extraArguments
        let process: ManagedProcess
        if launcher.isEmpty {
            process = try ManagedProcess(
                BuiltProducts.path("sharkfin-relay"),
                relayArguments,
                environment: environment
            )
        } else {
            process = try ManagedProcess(
                launcher[0],
                Array(launcher.dropFirst()) + [BuiltProducts.path("sharkfin-relay")]
                    + relayArguments,
                environment: environment
            )
        }
        return RelayProcess(process: process, socketPath: socketPath)
    }

    /// Waits until the relay answers `relay.status` with the upstream connected.
    func waitUntilConnected(timeout: Duration = .seconds(20)) async throws {
        try await waitUntil("relay connected upstream", timeout: timeout) {
            guard let connection = try? LocalRelayConnection(path: socketPath),
                let reply = try? connection.request(
                    ["type": "relay.status", "ref": "probe"],
                    timeout: .seconds(2)
                )
            else { return false }
            return reply["d"]?["upstream"]?["state"]?.stringValue == "connected"
                || reply["d"]?["upstream_state"]?.stringValue == "connected"
                || reply["d"]?["state"]?.stringValue == "connected"
        }
    }
}

/// Runs the `sharkfin-relay` binary once (a client subcommand) and returns its exit status
/// and output.
func runRelayCommand(_ arguments: [String]) async throws -> (
    status: Int32, out: String, err: String
) {
    let process = try ManagedProcess(BuiltProducts.path("sharkfin-relay"), arguments)
    let status = try await process.waitForExit()
    // Give the pipe readers a moment to deliver the last lines.
    try await Task.sleep(for: .milliseconds(50))
    return (
        status,
        process.standardOutput.values.joined(separator: "\n"),
        process.standardError.values.joined(separator: "\n")
    )
}

/// A datagram socket bound as `NOTIFY_SOCKET` that records every sd_notify message.
final class NotifySocketListener: @unchecked Sendable {
    // Invariant: `descriptor` is set in init and only read afterwards.
    let path: String
    let messages = Recorder<String>()
    private let descriptor: Int32
    private let stopped = Atomic<Bool>(false)

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw TestTimeout(what: "bind notify socket errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(
            descriptor,
            SOL_SOCKET,
            SO_RCVTIMEO,
            &timeout,
            socklen_t(MemoryLayout<timeval>.size)
        )
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopped.load(ordering: .relaxed) {
                let count = buffer.withUnsafeMutableBytes {
                    recv(descriptor, $0.baseAddress, $0.count, 0)
                }
                if count > 0 {
                    messages.record(String(decoding: buffer[..<count], as: UTF8.self))
                }
            }
            close(descriptor)
        }
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
