// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing

@testable import Systemd

/// The unit files in contrib/systemd, checked by `systemd-analyze verify` (which needs
/// no running systemd) and against what the code expects of them.
@Suite struct UnitFileTests {
    static let contrib = TestJournal.packageRoot + "/contrib/systemd"

    /// Copies the units of `directory` into a scratch directory with `ExecStart=` pointing
    /// at `/bin/true`: verify insists the binary exists, and it is not installed here.
    private func stage(_ directory: String, into scratch: ScratchDirectory) throws -> [String] {
        var staged: [String] = []
        for name in ["sharkfin-relay.socket", "sharkfin-relay.service"] {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            let path = scratch.path + "/" + name
            try text.replacingOccurrences(of: "/usr/local/bin/sharkfin-relay", with: "/bin/true")
                .write(toFile: path, atomically: true, encoding: .utf8)
            staged.append(path)
        }
        return staged
    }

    @Test func systemUnitsPassVerifyWithoutWarnings() throws {
        let scratch = try ScratchDirectory()
        let units = try stage(Self.contrib, into: scratch)
        let output = try ChildProcess.run("/usr/bin/systemd-analyze", ["verify"] + units)
        #expect(output.status == 0)
        #expect(output.stderr == "", "systemd-analyze verify said:\n\(output.stderr)")
    }

    @Test func userUnitsPassVerifyWithoutWarnings() throws {
        let scratch = try ScratchDirectory()
        let runtime = try ScratchDirectory()
        let units = try stage(Self.contrib + "/user", into: scratch)
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_RUNTIME_DIR"] = runtime.path
        let output = try ChildProcess.run(
            "/usr/bin/systemd-analyze",
            ["--user", "verify"] + units,
            environment: environment
        )
        #expect(output.status == 0)
        #expect(output.stderr == "", "systemd-analyze --user verify said:\n\(output.stderr)")
    }

    @Test func verifyCatchesABrokenUnit() throws {
        let scratch = try ScratchDirectory()
        let units = try stage(Self.contrib, into: scratch)
        let service = units[1]
        let text = try String(contentsOfFile: service, encoding: .utf8)
        try text.replacingOccurrences(of: "/bin/true", with: scratch.path + "/missing")
            .replacingOccurrences(of: "WatchdogSec=30", with: "WatchdogSec=soon")
            .write(toFile: service, atomically: true, encoding: .utf8)
        let output = try ChildProcess.run("/usr/bin/systemd-analyze", ["verify"] + units)
        #expect(output.status != 0)
        #expect(output.stderr.contains("Failed to parse sec value, ignoring: soon"))
        #expect(output.stderr.contains("missing is not executable"))
    }

    @Test func socketNameMatchesWhatTheDaemonAsksFor() throws {
        for directory in [Self.contrib, Self.contrib + "/user"] {
            let socket = try String(
                contentsOfFile: directory + "/sharkfin-relay.socket",
                encoding: .utf8
            )
            #expect(socket.contains("\nFileDescriptorName=\(SocketActivation.relaySocketName)\n"))
            let service = try String(
                contentsOfFile: directory + "/sharkfin-relay.service",
                encoding: .utf8
            )
            for setting in ["Type=notify", "NotifyAccess=main", "WatchdogSec=30"] {
                #expect(service.contains("\n\(setting)\n"), "\(directory): \(setting)")
            }
        }
    }
}
