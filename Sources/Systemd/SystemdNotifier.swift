// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Tells the service manager about the daemon's state through `sd_notify(3)`.
///
/// Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing and returns `false`, so
/// the daemon can call it unconditionally. The environment is never unset: the watchdog
/// and later notifications keep working, and children we spawn would anyway be refused
/// by `NotifyAccess=main`.
///
/// Each call opens and closes its own datagram socket inside libsystemd, so the type is
/// stateless and safe to use from any thread.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Whether a service manager is listening: `NOTIFY_SOCKET` is set and not empty.
    public var isEnabled: Bool {
        guard let socket = getenv("NOTIFY_SOCKET") else { return false }
        return socket.pointee != 0
    }

    /// Sends `READY=1`: start-up is complete and the socket is listening.
    ///
    /// - Returns: whether a notification was sent (`false` outside systemd).
    @discardableResult
    public func ready() throws(SystemdError) -> Bool {
        try send("READY=1")
    }

    /// Sends `STATUS=<text>`, shown by `systemctl status`.
    ///
    /// Line breaks and other control characters become spaces: the status is one line,
    /// and the text can never smuggle in another assignment such as `READY=1`.
    @discardableResult
    public func status(_ text: String) throws(SystemdError) -> Bool {
        try send("STATUS=" + Self.oneLine(text))
    }

    /// Sends `WATCHDOG=1`; call it every `WatchdogSchedule.pingPeriod`.
    @discardableResult
    public func watchdog() throws(SystemdError) -> Bool {
        try send("WATCHDOG=1")
    }

    /// Sends `STOPPING=1` at the start of a graceful shutdown.
    @discardableResult
    public func stopping() throws(SystemdError) -> Bool {
        try send("STOPPING=1")
    }

    /// Sends `RELOADING=1` with `MONOTONIC_USEC=` set to now on `CLOCK_MONOTONIC`.
    ///
    /// systemd 253 and later use the timestamp to match the reload to its `ExecReload=`
    /// (for `Type=notify-reload`); older managers ignore the extra field. Send `ready()`
    /// when the reload is done.
    @discardableResult
    public func reloading() throws(SystemdError) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let micros = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        return try send("RELOADING=1\nMONOTONIC_USEC=\(micros)")
    }

    /// Sends `EXTEND_TIMEOUT_USEC=`: asks for `duration` more before the start, stop or
    /// runtime timeout fires. Negative durations count as zero.
    @discardableResult
    public func extendTimeout(by duration: Duration) throws(SystemdError) -> Bool {
        try send("EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))")
    }

    /// The watchdog interval from `WatchdogSec=` (`WATCHDOG_USEC`), or `nil` when the
    /// watchdog is off or `WATCHDOG_PID` names another process.
    ///
    /// - Throws: `.callFailed` when the variables are malformed.
    public func watchdogInterval() throws(SystemdError) -> Duration? {
        var micros: UInt64 = 0
        let enabled = try SystemdError.check(sd_watchdog_enabled(0, &micros), "sd_watchdog_enabled")
        guard enabled > 0 else { return nil }
        return .microseconds(micros)
    }

    /// Sends one raw notification; `state` holds newline-separated assignments.
    ///
    /// - Returns: whether it was sent (`false` when `NOTIFY_SOCKET` is unset).
    @discardableResult
    func send(_ state: String) throws(SystemdError) -> Bool {
        try SystemdError.check(sd_notify(0, state), "sd_notify") > 0
    }

    /// `text` with every control character (newlines included) replaced by a space.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let isControl =
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            out.append(isControl ? " " : scalar)
        }
        return String(out)
    }

    /// Whole microseconds in `duration`, rounded down, clamped to `0...UInt64.max`.
    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000)
        if overflow { return .max }
        let (sum, overflow2) = whole.addingReportingOverflow(
            UInt64(attoseconds / 1_000_000_000_000)
        )
        return overflow2 ? .max : sum
    }
}
