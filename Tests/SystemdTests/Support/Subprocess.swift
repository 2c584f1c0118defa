// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport

/// What a finished child process left behind.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Failures of the test helpers themselves (not of the code under test).
struct HelperError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A child process started for a test, its output read by `ManagedProcess`'s threads as it
/// comes, so a chatty child never blocks on a full pipe.
///
/// `ManagedProcess` spawns with posix_spawn: Foundation's `Process` crashes on Linux when
/// parallel tests spawn at once. Waiting here is synchronous (these tests call it from
/// synchronous code), by polling every few milliseconds.
final class ChildProcess {
    private let process: ManagedProcess
    private let executable: String

    /// Starts `executable` with `arguments`; `environment` replaces the inherited one
    /// when given.
    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) throws {
        self.executable = executable
        process = try ManagedProcess(executable, arguments, environment: environment)
    }

    /// Waits for the child to exit; kills it and throws when `timeout` passes first.
    func wait(timeout: Duration) throws -> ProcessOutput {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(5_000) }
        if process.isRunning {
            process.signal(SIGKILL)
            throw HelperError(
                "\(executable) still running after \(timeout); stderr: "
                    + process.standardError.values.joined(separator: "\n")
            )
        }
        // The pipes end soon after the exit (later only if a grandchild still holds them).
        let outputDeadline = ContinuousClock.now + .seconds(2)
        while !process.hasReadAllOutput, ContinuousClock.now < outputDeadline { usleep(2_000) }
        return ProcessOutput(
            status: process.terminationStatus ?? -1,
            stdout: Self.text(process.standardOutput.values),
            stderr: Self.text(process.standardError.values)
        )
    }

    /// Lines joined back into the text they came from (a final newline restored).
    private static func text(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// Runs a command to completion.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        timeout: Duration = .seconds(30)
    ) throws -> ProcessOutput {
        try ChildProcess(executable, arguments, environment: environment).wait(timeout: timeout)
    }
}

/// A fresh directory under /tmp with a short path (Unix socket paths are limited to 108
/// bytes), removed with everything in it when the value is released.
final class ScratchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/sfsd.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw HelperError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
