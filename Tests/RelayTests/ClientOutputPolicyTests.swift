// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

@Suite struct ClientOutputPolicyTests {
    let t0 = ContinuousClock.now

    func policy() -> ClientOutputPolicy {
        ClientOutputPolicy(
            eventQueueLimit: 100,
            replyQueueLimit: 300,
            stallTimeout: .seconds(30),
            now: t0
        )
    }

    @Test func writesEventsWhileTheyFit() {
        var policy = policy()
        #expect(policy.offerEvent(seq: 1, size: 60, pending: 0) == .write)
        #expect(policy.offerEvent(seq: 2, size: 40, pending: 60) == .write)
        #expect(policy.flow == .live)
    }

    @Test func dropsAndCountsFromTheFirstEventThatDoesNotFit() {
        var policy = policy()
        #expect(policy.offerEvent(seq: 5, size: 60, pending: 50) == .drop)
        // Even a small event that would fit is dropped: order must stay intact.
        #expect(policy.offerEvent(seq: 6, size: 1, pending: 50) == .drop)
        #expect(policy.offerEvent(seq: 7, size: 1, pending: 0) == .drop)
        #expect(policy.flow == .dropping(firstMissed: 5, missed: 3))
    }

    @Test func sendsOneLagNoticeOnDrainThenPausesUntilResubscribe() {
        var policy = policy()
        _ = policy.offerEvent(seq: 5, size: 200, pending: 50)
        _ = policy.offerEvent(seq: 6, size: 10, pending: 0)
        let notice = policy.outputDrained()
        #expect(notice?.missed == 2 && notice?.resumeSince == 4)
        #expect(policy.outputDrained() == nil)
        #expect(policy.offerEvent(seq: 7, size: 10, pending: 0) == .drop)
        policy.resubscribed()
        #expect(policy.offerEvent(seq: 5, size: 10, pending: 0) == .write)
    }

    @Test func emptyQueueTakesAnEventLargerThanTheLimit() {
        var policy = policy()
        #expect(policy.offerEvent(seq: 1, size: 500, pending: 0) == .write)
        #expect(policy.flow == .live)
    }

    @Test func noLagNoticeWithoutDrops() {
        var policy = policy()
        _ = policy.offerEvent(seq: 1, size: 10, pending: 0)
        #expect(policy.outputDrained() == nil)
    }

    @Test func repliesGetThroughAFullEventQueueUpToTheReplyLimit() {
        let policy = policy()
        #expect(policy.offerReply(size: 100, pending: 150) == .write)
        #expect(policy.offerReply(size: 100, pending: 250) == .disconnect)
    }

    @Test func anEmptyQueueTakesAReplyLargerThanTheLimit() {
        let policy = policy()
        #expect(policy.offerReply(size: 10_000, pending: 0) == .write)
        #expect(policy.offerReply(size: 10_000, pending: 1) == .disconnect)
    }

    @Test func clientWithNothingQueuedIsNeverStalled() {
        var policy = policy()
        #expect(policy.checkStall(pending: 0, written: 0, now: t0 + .seconds(3600)) == .healthy)
    }

    @Test func disconnectsAfterStallTimeoutWithoutWriteProgress() {
        var policy = policy()
        #expect(policy.checkStall(pending: 100, written: 0, now: t0 + .seconds(10)) == .healthy)
        #expect(policy.checkStall(pending: 100, written: 0, now: t0 + .seconds(29)) == .healthy)
        #expect(policy.checkStall(pending: 100, written: 0, now: t0 + .seconds(30)) == .disconnect)
    }

    @Test func anyWriteProgressRestartsTheStallClock() {
        var policy = policy()
        #expect(policy.checkStall(pending: 90, written: 10, now: t0 + .seconds(25)) == .healthy)
        #expect(policy.checkStall(pending: 140, written: 10, now: t0 + .seconds(50)) == .healthy)
        #expect(policy.checkStall(pending: 140, written: 10, now: t0 + .seconds(55)) == .disconnect)
    }
}
