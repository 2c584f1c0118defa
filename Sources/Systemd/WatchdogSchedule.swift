// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// When to ping the systemd watchdog, given the interval `WatchdogSec=` grants.
///
/// systemd kills the service when no `WATCHDOG=1` arrives within the interval; pinging
/// at half of it leaves a whole half-interval of slack for a busy or briefly stalled
/// event loop, as `sd_watchdog_enabled(3)` recommends.
public struct WatchdogSchedule: Sendable, Equatable {
    /// The interval from `SystemdNotifier.watchdogInterval()`.
    public let interval: Duration

    public init(interval: Duration) {
        self.interval = interval
    }

    /// How often to call `SystemdNotifier.watchdog()`: half the interval.
    public var pingPeriod: Duration { interval / 2 }
}
