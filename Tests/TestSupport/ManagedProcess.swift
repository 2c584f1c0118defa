// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CLinux
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

/// A child process whose output lines a test can await.
///
/// Spawned with `posix_spawn` and read by plain `read(2)` threads rather than Foundation's
/// `Process`/`FileHandle`: on Linux those crash when many tests spawn at once (`Process.run`)
/// or when a read sees `EINTR` (`availableData`), and the suites run in parallel. Killed
/// (SIGKILL) and reaped on `deinit` if still running, so a failing test leaves nothing
/// behind.
public final class ManagedProcess: @unchecked Sendable {
    // Invariant: `pid` and the descriptors are set in init and only read afterwards;
    // `exitStatus` is an atomic; the recorders are thread-safe.
    public let standardOutput = Recorder<String>()
    public let standardError = Recorder<String>()
    public let arguments: [String]
    public let pid: pid_t
    /// Our end of the child's stdin pipe; -1 once closed.
    private let standardInputWriter: Atomic<Int32>
    /// -1 while running, else the exit status (128 + signal number when killed).
    private let exitStatus = ExitStatusCell()
    /// Output readers (stdout, stderr) that have not yet seen end of file.
    private let runningReaders = ExitStatusCell(initial: 2)

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: the whole environment of the child; nil inherits ours.
    ///   - keepStandardInputOpen: gives the child a pipe as stdin that stays open until
    ///     `closeStandardInput()` (peers that exit when their stdin closes); otherwise
    ///     stdin is /dev/null.
    ///   - workingDirectory: where the child starts; nil keeps ours.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        keepStandardInputOpen: Bool = false,
        workingDirectory: String? = nil
    ) throws {
        self.arguments = arguments
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        guard clinux_pipe2(&outPipe, O_CLOEXEC) == 0, clinux_pipe2(&errPipe, O_CLOEXEC) == 0,
            clinux_pipe2(&inPipe, O_CLOEXEC) == 0
        else { throw TestTimeout(what: "pipes for \(executable) (errno \(errno))") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if keepStandardInputOpen {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        let environmentLines = (environment ?? ProcessInfo.processInfo.environment)
            .map { "\($0.key)=\($0.value)" }
        // Glibc's `posix_spawn_file_actions_addchdir_np` is not visible to Swift, so a
        // working directory is entered by a shell that then execs the program.
        var argv = [executable] + arguments
        if let workingDirectory {
            argv = ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, workingDirectory] + argv
        }
        var spawned: pid_t = 0
        let program = argv[0]
        let result = withCStrings(argv) { argv in
            withCStrings(environmentLines) { envp in
                posix_spawn(&spawned, program, &actions, nil, argv, envp)
            }
        }
        close(outPipe[1])
        close(errPipe[1])
        close(inPipe[0])
        guard result == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            close(inPipe[1])
            throw TestTimeout(
                what: "spawn \(executable): \(String(cString: strerror(result)))"
            )
        }
        pid = spawned
        standardInputWriter = Atomic(inPipe[1])
        Self.startLineReader(outPipe[0], into: standardOutput, finished: runningReaders)
        Self.startLineReader(errPipe[0], into: standardError, finished: runningReaders)
        let status = exitStatus
        let child = spawned
        let thread = Thread {
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) < 0, errno == EINTR {}
            let exited = raw & 0x7f == 0
            let code = exited ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            status.value.store(code, ordering: .releasing)
        }
        thread.start()
    }

    deinit {
        if isRunning { kill(pid, SIGKILL) }
        closeStandardInput()
    }

    public var isRunning: Bool { exitStatus.value.load(ordering: .acquiring) < 0 }

    /// The exit status (128 + signal number when killed); `nil` while running.
    public var terminationStatus: Int32? {
        let status = exitStatus.value.load(ordering: .acquiring)
        return status < 0 ? nil : status
    }

    /// Whether both output pipes have reached end of file, so `standardOutput` and
    /// `standardError` hold everything the process (and any child holding them) wrote.
    public var hasReadAllOutput: Bool { runningReaders.value.load(ordering: .acquiring) == 0 }

    /// Sends `signal` (SIGTERM by default) while the process runs.
    public func signal(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(pid, signal) }
    }

    /// Writes to the child's stdin (only with `keepStandardInputOpen`).
    public func writeToStandardInput(_ text: String) {
        let descriptor = standardInputWriter.load(ordering: .acquiring)
        guard descriptor >= 0 else { return }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(
                    descriptor,
                    raw.baseAddress! + offset,
                    raw.count - offset
                )
                if written < 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    /// Closes the child's stdin; peers written to exit on EOF do so.
    public func closeStandardInput() {
        let descriptor = standardInputWriter.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Waits for the process to exit and returns its status (128 + signal if killed).
    ///
    /// Also waits (up to 2 s more) until both output pipes reach end of file, so every line
    /// the process wrote is in `standardOutput` and `standardError` on return. A pipe stays
    /// open while a grandchild still holds it, hence the bound.
    public func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await waitUntil("process \(arguments.first ?? "") to exit", timeout: timeout) {
            !self.isRunning
        }
        try? await waitUntil("the output of \(arguments.first ?? "")", timeout: .seconds(2)) {
            self.hasReadAllOutput
        }
        return exitStatus.value.load(ordering: .acquiring)
    }

    /// Every line written to stdout, then every line written to stderr, joined with
    /// newlines. Complete once `waitForExit` has returned.
    public var allOutput: String {
        (standardOutput.values + standardError.values).joined(separator: "\n")
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
            recorder.values.contains { $0.contains(text) } || !self.isRunning
        }
        try await Task.sleep(for: .milliseconds(20))
        guard let line = recorder.values.first(where: { $0.contains(text) }) else {
            throw TestTimeout(
                what: "'\(text)' (process exited; stderr: \(standardError.values.suffix(20)))"
            )
        }
        return line
    }

    private static func startLineReader(
        _ descriptor: Int32,
        into recorder: Recorder<String>,
        finished: ExitStatusCell
    ) {
        let thread = Thread {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = chunk.withUnsafeMutableBytes {
                    read(descriptor, $0.baseAddress, $0.count)
                }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: chunk[..<count])
                while let newline = pending.firstIndex(of: 0x0A) {
                    recorder.record(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { recorder.record(String(decoding: pending, as: UTF8.self)) }
            close(descriptor)
            finished.value.subtract(1, ordering: .releasing)
        }
        thread.start()
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(
    _ strings: [String],
    _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// A number shared between a process's helper threads and its owner: the exit status (-1
/// while running, else the status, 128 + signal number when killed) or a count of readers.
private final class ExitStatusCell: Sendable {
    let value: Atomic<Int32>

    init(initial: Int32 = -1) { value = Atomic(initial) }
}
