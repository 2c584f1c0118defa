// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Systemd

#if canImport(Glibc)
import Glibc
#endif

extension ProcessEnvironmentTests {
    /// Each test binds a datagram socket, points `NOTIFY_SOCKET` at it and reads back
    /// exactly what `sd_notify` delivered.
    @Suite struct SystemdNotifierTests {
        let directory: ScratchDirectory
        let socket: BoundSocket

        init() throws {
            directory = try ScratchDirectory()
            socket = try BoundSocket(path: directory.path + "/notify", type: SOCK_DGRAM)
        }

        private func notifying<T>(_ body: () throws -> T) rethrows -> T {
            try withEnvironment(["NOTIFY_SOCKET": socket.path], body)
        }

        @Test func readySendsReady() throws {
            let sent = try notifying { try SystemdNotifier().ready() }
            #expect(sent)
            #expect(try socket.receiveDatagram() == "READY=1")
        }

        @Test func statusSendsTheTextOnOneLine() throws {
            try notifying {
                try SystemdNotifier().status("connected to chat.example.org, 3 clients")
                try SystemdNotifier().status("line one\nREADY=1\r\ttab")
            }
            #expect(
                try socket.receiveDatagram() == "STATUS=connected to chat.example.org, 3 clients"
            )
            #expect(try socket.receiveDatagram() == "STATUS=line one READY=1  tab")
        }

        @Test func watchdogStoppingAndExtendTimeoutSendTheirAssignments() throws {
            try notifying {
                try SystemdNotifier().watchdog()
                try SystemdNotifier().stopping()
                try SystemdNotifier().extendTimeout(by: .milliseconds(1500))
                try SystemdNotifier().extendTimeout(by: .seconds(-3))
            }
            #expect(try socket.receiveDatagram() == "WATCHDOG=1")
            #expect(try socket.receiveDatagram() == "STOPPING=1")
            #expect(try socket.receiveDatagram() == "EXTEND_TIMEOUT_USEC=1500000")
            #expect(try socket.receiveDatagram() == "EXTEND_TIMEOUT_USEC=0")
        }

        @Test func reloadingSendsTheCurrentMonotonicTime() throws {
            func monotonicMicros() -> UInt64 {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
            }
            let before = monotonicMicros()
            _ = try notifying { try SystemdNotifier().reloading() }
            let after = monotonicMicros()
            let lines = try socket.receiveDatagram().split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "RELOADING=1")
            let prefix = "MONOTONIC_USEC="
            let stamp = try #require(
                lines.last.flatMap { line in
                    line.hasPrefix(prefix) ? UInt64(line.dropFirst(prefix.count)) : nil
                }
            )
            #expect((before...after).contains(stamp))
        }

        @Test func isEnabledFollowsNotifySocket() {
            #expect(notifying { SystemdNotifier().isEnabled })
            #expect(!withEnvironment(["NOTIFY_SOCKET": nil]) { SystemdNotifier().isEnabled })
            #expect(!withEnvironment(["NOTIFY_SOCKET": ""]) { SystemdNotifier().isEnabled })
        }

        @Test func everyCallIsANoOpOutsideSystemd() throws {
            let sent = try withEnvironment(["NOTIFY_SOCKET": nil]) { () throws -> [Bool] in
                let notifier = SystemdNotifier()
                return [
                    try notifier.ready(),
                    try notifier.status("x"),
                    try notifier.watchdog(),
                    try notifier.stopping(),
                    try notifier.reloading(),
                    try notifier.extendTimeout(by: .seconds(1)),
                    try notifier.watchdogInterval() != nil,
                ]
            }
            #expect(sent == [false, false, false, false, false, false, false])
            #expect(!socket.hasPendingDatagram)
        }

        @Test func environmentIsKeptAfterNotifying() throws {
            try notifying {
                try SystemdNotifier().ready()
                try SystemdNotifier().watchdog()
                #expect(SystemdNotifier().isEnabled)
            }
            #expect(try socket.receiveDatagram() == "READY=1")
            #expect(try socket.receiveDatagram() == "WATCHDOG=1")
        }

        @Test func unreachableSocketIsAnErrorNamingTheCall() throws {
            let missing = directory.path + "/missing"
            #expect(throws: SystemdError.callFailed(call: "sd_notify", errno: ENOENT)) {
                try withEnvironment(["NOTIFY_SOCKET": missing]) { try SystemdNotifier().ready() }
            }
            let error = SystemdError.callFailed(call: "sd_notify", errno: ENOENT)
            #expect(error.description == "sd_notify failed: No such file or directory (errno 2)")
        }
    }

    /// `sd_watchdog_enabled` as the notifier reports it.
    @Suite struct WatchdogIntervalTests {
        @Test func intervalComesFromWatchdogUsec() throws {
            let interval = try withEnvironment([
                "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": String(getpid()),
            ]) { try SystemdNotifier().watchdogInterval() }
            #expect(interval == .seconds(30))
        }

        @Test func intervalIsHonouredWithoutWatchdogPid() throws {
            let interval = try withEnvironment(["WATCHDOG_USEC": "250000", "WATCHDOG_PID": nil]) {
                try SystemdNotifier().watchdogInterval()
            }
            #expect(interval == .milliseconds(250))
        }

        @Test func watchdogMeantForAnotherProcessIsNil() throws {
            let interval = try withEnvironment([
                "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": String(getpid() + 1),
            ]) { try SystemdNotifier().watchdogInterval() }
            #expect(interval == nil)
        }

        @Test func disabledWatchdogIsNil() throws {
            let interval = try withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
                try SystemdNotifier().watchdogInterval()
            }
            #expect(interval == nil)
        }

        @Test func malformedWatchdogUsecIsAnError() {
            #expect(throws: SystemdError.callFailed(call: "sd_watchdog_enabled", errno: EINVAL)) {
                try withEnvironment(["WATCHDOG_USEC": "soon", "WATCHDOG_PID": nil]) {
                    try SystemdNotifier().watchdogInterval()
                }
            }
        }
    }
}
