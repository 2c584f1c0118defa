// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport

/// A Python peer from scripts/websocket-peers, started for one test and stopped after it.
///
/// The script prints `PORT <n>` when it listens, then report lines the test awaits. Runs
/// as a `ManagedProcess` (posix_spawn and raw read threads): Foundation's `Process` crashes
/// on Linux when parallel tests spawn at once. The peer's stderr is passed on to ours line
/// by line when it stops, so a failing peer explains itself in the test log.
final class PythonPeer: Sendable {
    private let process: ManagedProcess
    let port: UInt16

    /// The directory of the peer scripts, found from this file's path.
    static let scriptDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/websocket-peers")

    private init(process: ManagedProcess, port: UInt16) {
        self.process = process
        self.port = port
    }

    /// Starts `python3` with `arguments`; it exits when its standard input closes.
    private static func launch(_ arguments: [String]) throws -> ManagedProcess {
        try ManagedProcess("/usr/bin/env", ["python3"] + arguments, keepStandardInputOpen: true)
    }

    /// Starts `script` (a file in scripts/websocket-peers) and waits for its port.
    static func start(_ script: String) async throws -> PythonPeer {
        let process = try launch([scriptDirectory.appendingPathComponent(script).path])
        let unstarted = PythonPeer(process: process, port: 0)
        let line = try await unstarted.waitForLine(prefix: "PORT ")
        return PythonPeer(process: process, port: UInt16(line.dropFirst(5)) ?? 0)
    }

    /// Runs an inline Python program (a client against one of our servers).
    static func run(program: String, arguments: [String]) throws -> PythonPeer {
        PythonPeer(process: try launch(["-c", program] + arguments), port: 0)
    }

    /// Every line printed so far.
    var output: [String] { process.standardOutput.values }

    /// Waits for a line starting with `prefix` and returns it.
    @discardableResult
    func waitForLine(prefix: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await waitUntil("a line starting with '\(prefix)'", timeout: timeout) {
            self.output.contains { $0.hasPrefix(prefix) } || !self.process.isRunning
        }
        guard let line = output.first(where: { $0.hasPrefix(prefix) }) else {
            throw TestTimeout(
                what: "'\(prefix)' (python exited; stderr: \(process.standardError.values))"
            )
        }
        return line
    }

    /// Waits for the process to exit by itself.
    func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        try await process.waitForExit(timeout: timeout)
    }

    /// Closes the peer's standard input, which makes it exit, and waits up to 5 s for that
    /// (then SIGKILL). Blocks the calling thread briefly; used from `defer`.
    func stop() {
        process.closeStandardInput()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        process.signal(SIGKILL)
        for line in process.standardError.values {
            let text = Array("python peer: \(line)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
    }
}
