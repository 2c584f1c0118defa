// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import JSON
import Relay
import SharkfinClient
import Synchronization
import TestSupport
import Testing

/// The relay against a real dev server behind a proxy that cuts, blackholes and refuses.
@Suite struct RelayResilienceTests {
    /// Short delays and keepalives, so outages are quick to notice and to end.
    static func quickLimits() -> RelayLimits {
        var limits = RelayLimits()
        limits.reconnectBaseDelay = .milliseconds(10)
        limits.reconnectMaxDelay = .milliseconds(100)
        limits.upstreamPingInterval = .seconds(1)
        limits.upstreamPongTimeout = .seconds(1)
        limits.connectTimeout = .seconds(2)
        limits.requestTimeout = .seconds(5)
        limits.gapFillPageSize = 7
        limits.gapSweepInterval = nil
        limits.pointerGraceDelay = .milliseconds(50)
        return limits
    }

    @Test func everySubscriberGetsEveryMessageOnceInOrderAcrossCutsAndRestarts() async throws {
        let harness = try await LiveRelayHarness(limits: Self.quickLimits())
        let subscribers = [try await harness.localClient(), try await harness.localClient()]
        let bob = try await harness.directClient("bob")
        let sending = Task {
            try await sendNumbered(from: bob, count: 300, pause: .milliseconds(4))
        }
        for round in 0..<25 {
            let connects = await harness.relay.statusSnapshot.counters.upstreamConnects
            try await Task.sleep(for: .milliseconds(30))
            if round % 5 == 4 {
                try await harness.server.faults.restart()
            } else {
                await harness.proxy.cut()
            }
            // The next disruption hits the next connection (its gap fill may still run).
            try await waitUntil("reconnected") {
                let status = await harness.relay.statusSnapshot
                return status.counters.upstreamConnects > connects
                    && status.upstreamState == "connected"
            }
        }
        try await sending.value
        let expected = try await allMessageIDs(bob, channel: "stream")
        #expect(expected.count >= 300)
        for subscriber in subscribers {
            let received = try await subscriber.waitForMessages(expected.count, in: "stream")
            #expect(received.map(\.id) == expected)
        }
        // Nothing more trickles in later (a duplicate would).
        try await Task.sleep(for: .milliseconds(200))
        #expect(subscribers.allSatisfy { $0.messages(in: "stream").count == expected.count })
        let status = await harness.relay.statusSnapshot
        #expect(status.counters.upstreamConnects >= 26)
        // The outages cost pushes; the fills brought the messages back.
        #expect(status.counters.messagesRecovered > 0)
        #expect(subscribers[0].messages(in: "stream").contains { $0.replayed })
        await bob.close()
        await harness.shutdown()
    }

    @Test func aSecondServerOnTheSameStateFileContinuesTheSequence() async throws {
        let directory = TemporaryDirectory(prefix: "state")
        defer { directory.remove() }
        let stateFile = directory.file("chat.json")
        let harness = try await LiveRelayHarness(limits: Self.quickLimits(), stateFile: stateFile)
        let subscriber = try await harness.localClient()
        let bob = try await harness.directClient("bob")
        try await sendNumbered(from: bob, count: 20, pause: .zero)
        try await harness.replaceServer(stateFile: stateFile)
        try await sendNumbered(from: bob, count: 20, pause: .zero)
        let expected = try await allMessageIDs(bob, channel: "stream")
        #expect(expected.count >= 40)
        let received = try await subscriber.waitForMessages(expected.count, in: "stream")
        #expect(received.map(\.id) == expected)
        await bob.close()
        await harness.shutdown()
    }

    @Test func messagesPostedThroughRESTReachSubscribers() async throws {
        var limits = Self.quickLimits()
        limits.gapSweepInterval = .milliseconds(300)
        let harness = try await LiveRelayHarness(limits: limits)
        let subscriber = try await harness.localClient()
        let bob = try await harness.directClient("bob")
        let dm = try await bob.dmOpen(username: "alice").channel
        await bob.close()
        try await waitUntil("presence connected") {
            await harness.relay.statusSnapshot.presenceState == "connected"
        }
        // A DM reaches alice's /presence as a pointer; the relay fetches it.
        let dmID = try await harness.server.postMessageViaREST(
            channel: dm,
            body: "via REST",
            as: "bob"
        )
        let dmMessages = try await subscriber.waitForMessages(1, in: dm)
        #expect(dmMessages.map(\.id) == [dmID] && dmMessages[0].replayed)
        // A plain channel sends alice no pointer: the periodic sweep finds it.
        let channelID = try await harness.server.postMessageViaREST(
            channel: "stream",
            body: "bot post",
            as: "bob"
        )
        let found = try await subscriber.waitForMessages(1, in: "stream")
        #expect(found.map(\.id) == [channelID])
        await harness.shutdown()
    }

    @Test func blackholedConnectionIsReplacedWithinTheKeepaliveBound() async throws {
        var limits = Self.quickLimits()
        limits.upstreamPingInterval = .milliseconds(200)
        limits.upstreamPongTimeout = .milliseconds(300)
        let bound = limits.upstreamPingInterval + limits.upstreamPongTimeout
        let harness = try await LiveRelayHarness(limits: limits)
        let client = try await harness.localClient()
        let stalledAt = ContinuousClock.now
        await harness.proxy.stall(true)
        let down = try await client.nextUpstream(state: "down", timeout: .seconds(10))
        let detectedAfter = ContinuousClock.now - stalledAt
        // The point is that the relay's own pings find the dead link (0.5 s here) and not the
        // kernel (minutes): generous slack for a loaded two-core machine.
        #expect(detectedAfter <= bound + .seconds(5))
        #expect(down["d"]?["reason"]?.stringValue?.isEmpty == false)
        await harness.proxy.stall(false)
        _ = try await client.nextUpstream(state: "reconnected", timeout: .seconds(10))
        client.send(#"{"type":"ping","ref":"after"}"# + "\n")
        #expect(try await client.next(ofType: "pong")["ref"] == "after")
        await harness.shutdown()
    }

    @Test func requestsQueuedDuringAnOutageCompleteAfterTheReconnect() async throws {
        let harness = try await LiveRelayHarness(limits: Self.quickLimits())
        let client = try await harness.localClient()
        await harness.proxy.refuse(true)
        await harness.proxy.cut()
        _ = try await client.nextUpstream(state: "down")
        client.send(
            #"{"type":"ping","ref":"p"}"# + "\n"
                + #"{"type":"send_message","ref":"m","d":{"channel":"stream","body":"queued"}}"#
                + "\n"
        )
        _ = try await waitForQueued(2, harness.relay)
        await harness.proxy.refuse(false)
        let answers = try await withTimeout(.seconds(10), "answers") {
            var refs: [String: JSONObject] = [:]
            while refs.count < 2 {
                let object = try await client.nextObject()
                if let ref = object.string(forKey: "ref") { refs[ref] = object }
            }
            return refs
        }
        #expect(answers["p"]?["type"] == "pong")
        #expect(answers["m"]?["type"] == "reply" && answers["m"]?["d"]?["id"] != nil)
        await harness.shutdown()
    }

    @Test func requestsQueuedTooLongDuringAnOutageFailAsUnavailable() async throws {
        var limits = Self.quickLimits()
        limits.outageQueueTimeout = .milliseconds(300)
        let harness = try await LiveRelayHarness(limits: limits)
        let client = try await harness.localClient()
        await harness.proxy.refuse(true)
        await harness.proxy.cut()
        _ = try await client.nextUpstream(state: "down")
        client.send(#"{"type":"ping","ref":"p"}"# + "\n")
        let failed = try await client.next(ofType: "error", timeout: .seconds(5))
        #expect(failed["ref"] == "p" && failed["d"]?["code"] == "relay.upstream_unavailable")
        let status = await harness.relay.statusSnapshot
        #expect(status.queued == 0)
        #expect(status.upstreamState == "reconnecting")
        #expect(status.summary.hasPrefix("upstream reconnecting (attempt "))
        await harness.shutdown()
    }

    @Test func lostReadOnlyRequestIsRetriedAndALostSendIsReportedAsUnknown() async throws {
        let harness = try await LiveRelayHarness(limits: Self.quickLimits())
        let client = try await harness.localClient()
        try await harness.server.faults.stallReplies(true)
        client.send(
            #"{"type":"send_message","ref":"m","d":{"channel":"stream","body":"maybe"}}"# + "\n"
                + #"{"type":"history","ref":"h","d":{"channel":"stream"}}"# + "\n"
        )
        try await waitUntil("both requests at the server") {
            await harness.relay.statusSnapshot.inFlight == 2
        }
        // Give the server time to store the message it will never answer.
        try await Task.sleep(for: .milliseconds(100))
        await harness.proxy.cut()
        try await harness.server.faults.stallReplies(false)
        let answers = try await withTimeout(.seconds(10), "answers") {
            var refs: [String: JSONObject] = [:]
            while refs.count < 2 {
                let object = try await client.nextObject()
                if let ref = object.string(forKey: "ref") { refs[ref] = object }
            }
            return refs
        }
        #expect(answers["m"]?["d"]?["code"] == "relay.outcome_unknown")
        #expect(answers["h"]?["type"] == "reply")
        // It was stored after all (its push came before the cut): delivered exactly once.
        _ = try await client.waitForMessages(1, in: "stream")
        try await Task.sleep(for: .milliseconds(200))
        #expect(client.messages(in: "stream").count == 1)
        await harness.shutdown()
    }

    @Test func wrongAPIKeyShowsUnauthorizedAndRetriesAtTheCap() async throws {
        var limits = Self.quickLimits()
        limits.reconnectMaxDelay = .milliseconds(300)
        let harness = try await LiveRelayHarness(
            limits: limits,
            relayKey: "wrong-key",
            waitsForConnection: false
        )
        try await waitUntil("unauthorized") {
            await harness.relay.statusSnapshot.upstreamState == "unauthorized"
        }
        let start = harness.attempts.value
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(1_200))
        let elapsed = ContinuousClock.now - started
        let made = harness.attempts.value - start
        // One attempt per 300 ms at most (plus the one under way); a busy loop makes
        // hundreds.
        let ceiling = Int(UpstreamLinkBound.divide(elapsed, by: .milliseconds(300))) + 1
        #expect(made >= 1 && made <= ceiling)
        // The local socket keeps serving; status says why.
        let client = try await harness.localClient()
        client.send(#"{"type":"relay.status","ref":"s"}"# + "\n")
        let status = try await client.next(ofType: "reply")
        #expect(status["d"]?["upstream"]?["state"] == "unauthorized")
        #expect(
            status["d"]?["upstream"]?["last_error"]?.stringValue?.hasPrefix(
                "unauthorized (HTTP 401)"
            ) == true
        )
        let summary = await harness.relay.statusSnapshot.summary
        #expect(summary.hasPrefix("upstream unauthorized (API key refused"))
        // Logged once at error level, with its journal message id.
        let errors = harness.logs.recorded.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["message.id"] == "5448f47db65f4358b613d234163f7d72")
        await harness.shutdown()
    }
}

/// Sends `count` numbered messages as `client` to `stream`, retrying each until the server
/// confirms it (a retry after a lost reply may store it twice; the test compares with
/// what the server stored, not with `count`).
func sendNumbered(from client: SharkfinClient, count: Int, pause: Duration) async throws {
    for number in 0..<count {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            do {
                _ = try await client.sendMessage(channel: "stream", body: "n\(number)")
                break
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        if pause > .zero { try await Task.sleep(for: pause) }
    }
}

/// Duration arithmetic the tests need.
enum UpstreamLinkBound {
    static func divide(_ duration: Duration, by unit: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        let (unitSeconds, unitAttoseconds) = unit.components
        return (Double(seconds) + Double(attoseconds) / 1e18)
            / (Double(unitSeconds) + Double(unitAttoseconds) / 1e18)
    }
}
