// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Synchronization

/// Finds executables built by this package (`sharkfin-relay`, `sharkfin-devserver`) next to
/// the test bundle, so integration tests run the real binaries.
public enum BuiltProducts {
    /// The build directory holding the test bundle and the package's executables.
    public static var directory: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        precondition(count > 0, "cannot read /proc/self/exe")
        let executable = String(
            decoding: buffer[..<count].map { UInt8(bitPattern: $0) },
            as: UTF8.self
        )
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // Inside `<name>PackageTests.xctest` when the runner is a bundle directory.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url.path
    }

    public static func path(_ name: String) -> String { "\(directory)/\(name)" }
}

/// A child process whose output lines a test can await. Terminated (SIGKILL) on `deinit`
/// if still running, so a failing test leaves nothing behind.
public final class ManagedProcess: @unchecked Sendable {
    // Invariant: `process` is configured before `run()` and then only read; the recorders
    // are thread-safe.
    private let process = Process()
    public let standardOutput = Recorder<String>()
    public let standardError = Recorder<String>()
    public let arguments: [String]

    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        standardInput: FileHandle? = nil
    ) throws {
        self.arguments = arguments
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let standardInput { process.standardInput = standardInput }
        process.standardOutput = Self.lineReader(into: standardOutput)
        process.standardError = Self.lineReader(into: standardError)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ signal: Int32 = SIGTERM) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit and returns its status.
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await waitUntil("process \(arguments.first ?? "") to exit", timeout: timeout) {
            !self.process.isRunning
        }
        return process.terminationStatus
    }

    /// Waits for a line on stdout (or stderr) containing `text` and returns it.
    @discardableResult
    public func waitForLine(
        containing text: String,
        onStandardError: Bool = false,
        timeout: Duration = .seconds(20)
    ) async throws -> String {
        let recorder = onStandardError ? standardError : standardOutput
        try await waitUntil("a line containing '\(text)'", timeout: timeout) {
            recorder.values.contains { $0.contains(text) } || !self.process.isRunning
        }
        guard let line = recorder.values.first(where: { $0.contains(text) }) else {
            throw TestTimeout(
                what: "'\(text)' (process exited; stderr: \(standardError.values.suffix(20)))"
            )
        }
        return line
    }

    private static func lineReader(into recorder: Recorder<String>) -> Pipe {
        let pipe = Pipe()
        let pending = Mutex<[UInt8]>([])
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            let lines = pending.withLock { buffer -> [String] in
                buffer.append(contentsOf: data)
                var lines: [String] = []
                while let newline = buffer.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
                return lines
            }
            for line in lines { recorder.record(line) }
        }
        return pipe
    }
}
