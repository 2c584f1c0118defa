// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing

@testable import Relay

/// The upstream link machine, driven with a manual clock and fixed jitter.
@Suite struct UpstreamLinkTests {
    let upAt = Date(timeIntervalSince1970: 1_800_000_000)
    let t0 = ContinuousClock.now

    /// A link whose jitter always picks the top of the range, so delays are exact.
    func topLink(
        base: Duration = .milliseconds(500),
        max: Duration = .seconds(30),
        resetAfter: Duration = .seconds(60)
    ) -> UpstreamLink {
        UpstreamLink(baseDelay: base, maxDelay: max, resetAfter: resetAfter) { $0.upperBound }
    }

    @Test func backoffRangeDoublesItsCeilingFromTheFloorToTheCap() {
        let link = topLink()
        let ceilings = (1...9).map { link.backoffRange(attempt: $0).upperBound }
        #expect(
            ceilings == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8),
                .seconds(16), .seconds(30), .seconds(30), .seconds(30),
            ]
        )
        #expect(
            (1...9).allSatisfy { link.backoffRange(attempt: $0).lowerBound == .milliseconds(500) }
        )
        #expect(link.backoffRange(attempt: Int.max).upperBound == .seconds(30))
        #expect(link.backoffRange(attempt: Int.min) == .milliseconds(500) ... .milliseconds(500))
    }

    @Test func defaultJitterStaysWithinTheRangeAndSpreadsOverIt() {
        let link = UpstreamLink()
        let delays = (0..<500).map { _ in link.backoff(attempt: 8) }
        #expect(delays.allSatisfy { $0 >= .milliseconds(500) && $0 <= .seconds(30) })
        // Full jitter: both halves of the range are used (a 2^-500 chance of failing).
        #expect(delays.contains { $0 < .seconds(15) } && delays.contains { $0 > .seconds(15) })
    }

    @Test func jitterOutsideTheRangeIsClamped() {
        let low = UpstreamLink(baseDelay: .seconds(1), maxDelay: .seconds(8)) { _ in .zero }
        let high = UpstreamLink(baseDelay: .seconds(1), maxDelay: .seconds(8)) { _ in .seconds(99) }
        #expect(low.backoff(attempt: 3) == .seconds(1))
        #expect(high.backoff(attempt: 3) == .seconds(4))
    }

    @Test func firstSuccessPublishesUp() {
        var link = topLink()
        #expect(link.start() == [.connect])
        #expect(link.connectSucceeded(at: upAt, now: t0) == [.publish(.up(since: upAt))])
        #expect(link.isConnected)
        #expect(link.currentAttempt == 0)
    }

    @Test func failedAttemptsBackOffAndAnnounceDownOnce() {
        var link = topLink()
        _ = link.start()
        #expect(
            link.connectFailed(.other("connection refused"), now: t0) == [
                .publish(.down(reason: "connection refused")),
                .scheduleReconnect(after: .milliseconds(500)),
            ]
        )
        #expect(link.currentAttempt == 2)
        #expect(
            link.state
                == .waitingToReconnect(
                    attempt: 1,
                    delay: .milliseconds(500),
                    retryAt: t0 + .milliseconds(500)
                )
        )
        #expect(link.timerFired() == [.connect])
        #expect(link.state == .connecting(attempt: 2))
        #expect(
            link.connectFailed(.other("connection refused"), now: t0) == [
                .scheduleReconnect(after: .seconds(1))
            ]
        )
        #expect(link.lastError == "connection refused")
    }

    @Test func reconnectedNoticeCountsTheAttempts() {
        var link = topLink()
        _ = link.start()
        _ = link.connectSucceeded(at: upAt, now: t0)
        _ = link.sessionClosed(reason: "closed 1006", now: t0 + .seconds(120))
        _ = link.timerFired()
        _ = link.connectFailed(.other("refused"), now: t0 + .seconds(121))
        _ = link.timerFired()
        let later = upAt + 5
        #expect(
            link.connectSucceeded(at: later, now: t0 + .seconds(125)) == [
                .publish(.reconnected(since: later, attempts: 3))
            ]
        )
        #expect(link.lastError == nil)
    }

    @Test func healthySessionResetsTheBackoff() {
        var link = topLink(resetAfter: .seconds(60))
        _ = link.start()
        for _ in 0..<5 {
            _ = link.connectFailed(.other("refused"), now: t0)
            _ = link.timerFired()
        }
        #expect(link.state == .connecting(attempt: 6))
        _ = link.connectSucceeded(at: upAt, now: t0)
        #expect(
            link.sessionClosed(reason: "reset", now: t0 + .seconds(60)).last
                == .scheduleReconnect(after: .milliseconds(500))
        )
        #expect(link.currentAttempt == 2)
    }

    @Test func sessionThatDiesYoungCountsAsAFailedAttempt() {
        var link = topLink(resetAfter: .seconds(60))
        _ = link.start()
        var delays: [Duration] = []
        for round in 0..<8 {
            _ = link.connectSucceeded(at: upAt, now: t0 + .seconds(round))
            let actions = link.sessionClosed(reason: "dropped", now: t0 + .seconds(round))
            if case .scheduleReconnect(let delay) = actions.last { delays.append(delay) }
            _ = link.timerFired()
        }
        #expect(
            delays == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8),
                .seconds(16), .seconds(30), .seconds(30),
            ]
        )
        #expect(link.currentAttempt == 9)
    }

    @Test func unauthorizedWaitsTheCapAndStaysUnauthorizedUntilASuccess() {
        var link = topLink(base: .seconds(1), max: .seconds(60))
        _ = link.start()
        let actions = link.connectFailed(
            .unauthorized("{\"error\":\"auth: invalid token\"}"),
            now: t0
        )
        #expect(
            actions.first
                == .publish(
                    .down(reason: "unauthorized (HTTP 401): {\"error\":\"auth: invalid token\"}")
                )
        )
        #expect(actions.last == .scheduleReconnect(after: .seconds(60)))
        #expect(link.isUnauthorized)
        #expect(RelayServer.stateName(of: link) == "unauthorized")
        #expect(link.timerFired() == [.connect])
        // Still shown as unauthorized while the next attempt runs.
        #expect(RelayServer.stateName(of: link) == "unauthorized")
        #expect(
            link.connectFailed(.unauthorized("again"), now: t0) == [
                .scheduleReconnect(after: .seconds(60))
            ]
        )
        _ = link.timerFired()
        _ = link.connectFailed(.other("refused"), now: t0)
        #expect(!link.isUnauthorized)
        #expect(RelayServer.stateName(of: link) == "reconnecting")
        _ = link.timerFired()
        _ = link.connectSucceeded(at: upAt, now: t0)
        #expect(!link.isUnauthorized && link.lastError == nil)
    }

    @Test func nextRetryCountsDownOnTheManualClock() {
        var link = topLink()
        _ = link.start()
        _ = link.connectFailed(.other("refused"), now: t0)
        #expect(RelayServer.nextRetry(of: link, now: t0 + .milliseconds(200)) == .milliseconds(300))
        #expect(RelayServer.nextRetry(of: link, now: t0 + .seconds(2)) == .zero)
    }

    @Test func stopClosesALiveSessionAndCancelsAPendingTimer() {
        var connected = topLink()
        _ = connected.start()
        _ = connected.connectSucceeded(at: upAt, now: t0)
        #expect(connected.stopRequested() == [.closeSession])
        #expect(connected.sessionClosed(reason: "closed 1000", now: t0) == [])

        var waiting = topLink()
        _ = waiting.start()
        _ = waiting.connectFailed(.other("refused"), now: t0)
        #expect(waiting.stopRequested() == [.cancelTimer])
        #expect(waiting.timerFired() == [])
    }

    @Test func stopDuringAnAttemptClosesTheSessionItYields() {
        var link = topLink()
        _ = link.start()
        #expect(link.stopRequested() == [])
        #expect(link.connectSucceeded(at: upAt, now: t0) == [.closeSession])
        #expect(link.state == .stopped)
    }

    @Test func staleTimerIsIgnored() {
        var link = topLink()
        _ = link.start()
        _ = link.connectSucceeded(at: upAt, now: t0)
        #expect(link.timerFired() == [])
    }
}
