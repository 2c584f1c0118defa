// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing

@testable import Systemd

/// Socket activation end to end: `systemd-socket-activate` (systemd's own tool) binds the
/// sockets and starts this test binary again, running only `probeReportsWhatSystemdPassed`,
/// which adopts what it was given and writes a report the parent test checks.
///
/// A child process is needed because passed descriptors always start at 3, and in the
/// test runner descriptor 3 already belongs to someone else (the event loop, a pipe);
/// overwriting it in-process with `dup2` would break the runner.
@Suite struct SocketActivationChildTests {
    /// Set in the child only: where the probe writes its report.
    static let reportVariable = "SHARKFIN_SYSTEMD_PROBE_REPORT"

    @Test func namedListenerIsAdoptedFromSystemdSocketActivate() throws {
        let directory = try ScratchDirectory()
        let socket = directory.path + "/relay.sock"
        let report = try runProbe(
            in: directory,
            activateArguments: ["--listen=\(socket)", "--fdname=relay"],
            connectTo: socket,
            token: "hello-from-parent"
        )
        #expect(report["fds"] == "3:relay")
        #expect(report["cloexec"] == "3")
        #expect(report["listener"] == "3")
        #expect(report["accepted"] == "hello-from-parent")
    }

    @Test func twoUnnamedListenersAreRefusedAsAmbiguous() throws {
        let directory = try ScratchDirectory()
        let first = directory.path + "/a.sock"
        let report = try runProbe(
            in: directory,
            activateArguments: ["--listen=\(first)", "--listen=\(directory.path)/b.sock"],
            connectTo: first,
            token: "unused"
        )
        #expect(report["fds"] == "3:unknown,4:unknown")
        #expect(report["cloexec"] == "3,4")
        #expect(report["listener"] == nil)
        #expect(
            report["listener-error"]
                == SystemdError.ambiguousDescriptors(
                    wanted: "relay",
                    names: ["unknown", "unknown"]
                )
                .description
        )
    }

    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment[reportVariable] != nil,
            "runs only in the child that the other tests here start under systemd-socket-activate"
        )
    )
    func probeReportsWhatSystemdPassed() throws {
        let path = try #require(ProcessInfo.processInfo.environment[Self.reportVariable])
        var lines: [String] = []
        do {
            let fds = try SocketActivation.listenFileDescriptors()
            lines.append("fds=" + fds.map { "\($0.fd):\($0.name)" }.joined(separator: ","))
            let closing = fds.filter { fcntl($0.fd, F_GETFD) & FD_CLOEXEC != 0 }
            lines.append("cloexec=" + closing.map { String($0.fd) }.joined(separator: ","))
        } catch {
            lines.append("fds-error=\(error)")
        }
        do {
            if let fd = try SocketActivation.unixStreamListener(named: "relay") {
                lines.append("listener=\(fd)")
                lines.append("accepted=\(try acceptToken(on: fd))")
            } else {
                lines.append("listener=nil")
            }
        } catch {
            lines.append("listener-error=\(error)")
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
    }

    /// Starts `systemd-socket-activate` with the probe as its program, connects to
    /// `connectTo` (which makes it exec the probe) and sends `token`, then returns the
    /// probe's report as a dictionary.
    private func runProbe(
        in directory: ScratchDirectory,
        activateArguments: [String],
        connectTo socket: String,
        token: String
    ) throws -> [String: String] {
        let reportPath = directory.path + "/report"
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let probeID = "SystemdTests.SocketActivationChildTests/probeReportsWhatSystemdPassed"
        let child = try ChildProcess(
            "/usr/bin/systemd-socket-activate",
            activateArguments + [
                "--setenv=\(Self.reportVariable)=\(reportPath)",
                testBinary, "--testing-library", "swift-testing", "--filter", probeID,
            ]
        )
        let fd = try connectWhenListening(to: socket, within: .seconds(20))
        defer { close(fd) }
        _ = token.utf8CString.withUnsafeBytes { bytes in
            write(fd, bytes.baseAddress, bytes.count - 1)
        }
        let output = try child.wait(timeout: .seconds(120))
        try #require(
            output.status == 0,
            "probe failed: \(output.status)\nstdout:\n\(output.stdout)\nstderr:\n\(output.stderr)"
        )
        let text = try String(contentsOfFile: reportPath, encoding: .utf8)
        var report: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            report[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return report
    }

    /// Connects once `systemd-socket-activate` has bound the socket, retrying until then.
    private func connectWhenListening(to path: String, within limit: Duration) throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                return try connectUnixStream(to: path)
            } catch {
                if ContinuousClock.now >= deadline { throw error }
                // The socket appears once the child has started; there is no event to await.
                usleep(20_000)
            }
        }
    }

    /// Accepts the parent's connection on `listener` and reads its token (bounded waits).
    private func acceptToken(on listener: Int32) throws -> String {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 10_000) == 1 else { throw HelperError("no connection to accept") }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { throw HelperError("accept: \(errnoText())") }
        defer { close(connection) }
        var reader = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
        guard poll(&reader, 1, 10_000) == 1 else { throw HelperError("no token received") }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(connection, &buffer, buffer.count)
        guard count >= 0 else { throw HelperError("read: \(errnoText())") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
