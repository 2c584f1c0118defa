// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Systemd

@Suite struct WatchdogScheduleTests {
    @Test func pingPeriodIsHalfTheInterval() {
        #expect(WatchdogSchedule(interval: .seconds(30)).pingPeriod == .seconds(15))
        #expect(WatchdogSchedule(interval: .microseconds(3)).pingPeriod == .nanoseconds(1500))
    }

    @Test func statusTextLosesControlCharactersOnly() {
        #expect(SystemdNotifier.oneLine("a\nb\rc\td\u{0}e") == "a b c d e")
        #expect(SystemdNotifier.oneLine("résumé ✓ 3 clients") == "résumé ✓ 3 clients")
        #expect(SystemdNotifier.oneLine("a\u{2028}b\u{85}c") == "a b c")
    }

    @Test func microsecondsRoundDownAndClamp() {
        #expect(SystemdNotifier.microseconds(.nanoseconds(1999)) == 1)
        #expect(SystemdNotifier.microseconds(.seconds(-1)) == 0)
        #expect(SystemdNotifier.microseconds(.nanoseconds(-1)) == 0)
        #expect(SystemdNotifier.microseconds(.seconds(Int64.max)) == UInt64.max)
    }
}
