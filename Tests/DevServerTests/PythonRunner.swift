// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import TestSupport

/// Runs a Python script (`python3` with the `websockets` package) and collects its output.
enum PythonRunner {
    struct Result {
        var status: Int32
        /// Standard output, then standard error.
        var output: String
    }

    /// Writes `script` and any `files` to a temporary directory and runs the script with
    /// `arguments` (`{dir}` in an argument becomes that directory). Kills it after
    /// `timeout`.
    ///
    /// Runs through `ManagedProcess` (posix_spawn), not Foundation's `Process`, which crashes
    /// on Linux when parallel tests spawn at once.
    static func run(
        script: String,
        files: [String: String] = [:],
        arguments: [String],
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let directory = TemporaryDirectory(prefix: "devserver-test")
        defer { directory.remove() }
        let scriptPath = directory.file("script.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        let process = try ManagedProcess(
            "/usr/bin/env",
            ["python3", scriptPath]
                + arguments.map { $0.replacingOccurrences(of: "{dir}", with: directory.path) }
        )
        let status: Int32
        do {
            status = try await process.waitForExit(timeout: timeout)
        } catch {
            process.signal(SIGKILL)
            status = try await process.waitForExit(timeout: .seconds(5))
        }
        return Result(status: status, output: process.allOutput)
    }
}
