// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

@Suite struct PushEchoWatchTests {
    let start = ContinuousClock.now

    @Test func aPushThatArrivesKeepsTheSessionTrusted() {
        var watch = PushEchoWatch(timeout: .seconds(5))
        watch.sent(messageID: 7, session: 1, at: start)
        watch.pushed(messageID: 7)
        let bypassed = watch.isBypassed(currentSession: 1, now: start + .seconds(60))
        #expect(!bypassed)
    }

    @Test func aMissingPushPastTheTimeoutMeansBypassedOnce() {
        var watch = PushEchoWatch(timeout: .seconds(5))
        watch.sent(messageID: 7, session: 1, at: start)
        let early = watch.isBypassed(currentSession: 1, now: start + .seconds(4))
        let due = watch.isBypassed(currentSession: 1, now: start + .seconds(5))
        // Decided: it does not fire again for the same message.
        let again = watch.isBypassed(currentSession: 1, now: start + .seconds(30))
        #expect(!early && due && !again)
    }

    @Test func messagesFromAnEarlierSessionAreForgotten() {
        var watch = PushEchoWatch(timeout: .seconds(5))
        watch.sent(messageID: 7, session: 1, at: start)
        let newer = watch.isBypassed(currentSession: 2, now: start + .seconds(30))
        let older = watch.isBypassed(currentSession: 1, now: start + .seconds(30))
        #expect(!newer && !older)
    }
}
