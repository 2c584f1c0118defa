// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing

@testable import Relay

@Suite struct UpstreamLinkTests {
    let upAt = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func backoffDoublesFromTheBaseAndStaysAtTheCap() {
        let link = UpstreamLink(baseDelay: .milliseconds(500), maxDelay: .seconds(30))
        let delays = (1...9).map { link.backoff(attempt: $0) }
        #expect(
            delays == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8),
                .seconds(16), .seconds(30), .seconds(30), .seconds(30),
            ]
        )
        #expect(link.backoff(attempt: Int.max) == .seconds(30))
    }

    @Test func firstSuccessPublishesUp() {
        var link = UpstreamLink()
        #expect(link.start() == [.connect])
        #expect(link.connectSucceeded(at: upAt) == [.publish(.up(since: upAt))])
        #expect(link.state == .connected(since: upAt))
        #expect(link.isConnected)
    }

    @Test func failedAttemptsBackOffAndAnnounceDownOnce() {
        var link = UpstreamLink()
        _ = link.start()
        #expect(
            link.connectFailed(.other("connection refused")) == [
                .publish(.down(reason: "connection refused")),
                .scheduleReconnect(after: .milliseconds(500)),
            ]
        )
        #expect(link.timerFired() == [.connect])
        #expect(link.state == .connecting(attempt: 2))
        #expect(
            link.connectFailed(.other("connection refused")) == [
                .scheduleReconnect(after: .seconds(1))
            ]
        )
        #expect(link.lastError == "connection refused")
    }

    @Test func dropThenReconnectPublishesDownThenReconnected() {
        var link = UpstreamLink()
        _ = link.start()
        _ = link.connectSucceeded(at: upAt)
        #expect(
            link.sessionClosed(reason: "closed 1006") == [
                .publish(.down(reason: "closed 1006")),
                .scheduleReconnect(after: .milliseconds(500)),
            ]
        )
        #expect(!link.isConnected)
        #expect(link.timerFired() == [.connect])
        let later = upAt + 5
        #expect(link.connectSucceeded(at: later) == [.publish(.reconnected(since: later))])
        #expect(link.lastError == nil)
        // A new outage is announced again.
        #expect(
            link.sessionClosed(reason: "closed 1001").first
                == .publish(.down(reason: "closed 1001"))
        )
    }

    @Test func unauthorizedRetriesAtTheSlowestPace() {
        var link = UpstreamLink(baseDelay: .seconds(1), maxDelay: .seconds(60))
        _ = link.start()
        let actions = link.connectFailed(.unauthorized("{\"error\":\"auth: invalid token\"}"))
        #expect(actions.last == .scheduleReconnect(after: .seconds(60)))
        #expect(link.state == .unauthorized(attempt: 1))
        #expect(link.timerFired() == [.connect])
        #expect(link.state == .connecting(attempt: 2))
    }

    @Test func stopClosesALiveSessionAndCancelsAPendingTimer() {
        var connected = UpstreamLink()
        _ = connected.start()
        _ = connected.connectSucceeded(at: upAt)
        #expect(connected.stopRequested() == [.closeSession])
        #expect(connected.sessionClosed(reason: "closed 1000") == [])

        var waiting = UpstreamLink()
        _ = waiting.start()
        _ = waiting.connectFailed(.other("refused"))
        #expect(waiting.stopRequested() == [.cancelTimer])
        #expect(waiting.timerFired() == [])
    }

    @Test func stopDuringAnAttemptClosesTheSessionItYields() {
        var link = UpstreamLink()
        _ = link.start()
        #expect(link.stopRequested() == [])
        #expect(link.connectSucceeded(at: upAt) == [.closeSession])
        #expect(link.state == .stopped)
    }

    @Test func staleTimerIsIgnored() {
        var link = UpstreamLink()
        _ = link.start()
        _ = link.connectSucceeded(at: upAt)
        #expect(link.timerFired() == [])
    }
}
