// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Runs a Python script (`python3` with the `websockets` package) and collects its output.
enum PythonRunner {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Writes `script` and any `files` to a temporary directory and runs the script with
    /// `arguments` (`{dir}` in an argument becomes that directory). Kills it after
    /// `timeout`.
    static func run(
        script: String,
        files: [String: String] = [:],
        arguments: [String],
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("devserver-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("script.py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(
                to: directory.appendingPathComponent(name),
                atomically: true,
                encoding: .utf8
            )
        }
        let outputURL = directory.appendingPathComponent("output.txt")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", scriptURL.path]
            + arguments.map {
                $0.replacingOccurrences(of: "{dir}", with: directory.path)
            }
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            let seconds = Double(timeout.components.seconds)
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                kill(pid, SIGKILL)
            }
        }
        try output.close()
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return Result(status: status, output: text)
    }
}
