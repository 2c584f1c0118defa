// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

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

/// A child process started for a test, with its output going to files so a chatty child
/// can never block on a full pipe.
final class ChildProcess {
    private let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private let directory: ScratchDirectory
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `executable` with `arguments`; `environment` replaces the inherited one
    /// when given.
    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) throws {
        directory = try ScratchDirectory()
        stdoutPath = directory.path + "/stdout"
        stderrPath = directory.path + "/stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    /// Waits for the child to exit; kills it and throws when `timeout` passes first.
    func wait(timeout: Duration) throws -> ProcessOutput {
        let (seconds, attoseconds) = timeout.components
        let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        if exited.wait(timeout: .now() + .nanoseconds(nanos)) == .timedOut {
            process.terminate()
            _ = exited.wait(timeout: .now() + 5)
            throw HelperError(
                "\(process.executableURL?.path ?? "?") still running after \(timeout); "
                    + "stderr: \(read(stderrPath))"
            )
        }
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: read(stdoutPath),
            stderr: read(stderrPath)
        )
    }

    private func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
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
