// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport

/// A Python peer from scripts/websocket-peers, started for one test and stopped after it.
///
/// The script prints `PORT <n>` when it listens, then report lines the test awaits.
final class PythonPeer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `process` is only started in `start` and only
    // terminated in `stop`, both from the test's task; `lines` is thread-safe.
    private let process: Process
    /// The peer exits when its standard input closes, so it never outlives the tests.
    private let input = Pipe()
    private let lines = Recorder<String>()
    private(set) var port: UInt16 = 0

    /// The directory of the peer scripts, found from this file's path.
    static let scriptDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/websocket-peers")

    private init(arguments: [String]) {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
    }

    /// Starts `script` (a file in scripts/websocket-peers) and waits for its port.
    static func start(_ script: String) async throws -> PythonPeer {
        let peer = PythonPeer(arguments: [scriptDirectory.appendingPathComponent(script).path])
        try peer.launch()
        let line = try await peer.waitForLine(prefix: "PORT ")
        peer.port = UInt16(line.dropFirst(5)) ?? 0
        return peer
    }

    /// Runs an inline Python program (a client against one of our servers).
    static func run(program: String, arguments: [String]) throws -> PythonPeer {
        let peer = PythonPeer(arguments: ["-c", program] + arguments)
        try peer.launch()
        return peer
    }

    private func launch() throws {
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.standardError
        try process.run()
        let handle = output.fileHandleForReading
        // A thread of our own blocks on the pipe; the cooperative pool never does.
        let thread = Thread { [lines] in
            var pending = ""
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                pending += String(decoding: data, as: UTF8.self)
                while let newline = pending.firstIndex(of: "\n") {
                    let line = String(pending[..<newline])
                    pending = String(pending[pending.index(after: newline)...])
                    lines.record(line)
                }
            }
        }
        thread.start()
    }

    /// Every line printed so far.
    var output: [String] { lines.values }

    /// Waits for a line starting with `prefix` and returns it.
    @discardableResult
    func waitForLine(prefix: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await waitUntil("a line starting with '\(prefix)'", timeout: timeout) {
            self.output.contains { $0.hasPrefix(prefix) }
        }
        return output.first { $0.hasPrefix(prefix) }!
    }

    /// Waits for the process to exit by itself.
    func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        try await waitUntil("python to exit", timeout: timeout) { !self.process.isRunning }
        return process.terminationStatus
    }

    /// Closes the peer's standard input, which makes it exit, and waits up to 5 s for that
    /// (then SIGKILL).
    ///
    /// Polls rather than calling `waitUntilExit()`, which on Linux spins a run loop that a
    /// task on the cooperative pool never gets to finish.
    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
