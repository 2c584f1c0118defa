// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Relay
import Testing

/// Transparent RPC through a real relay on a real Unix socket, with a scripted upstream.
@Suite struct RelayRPCTests {
    @Test func greetsEachClientWithHello() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        _ = session
        let client = try await TestClient.connect(
            path: harness.socketPath,
            loop: harness.clientLoop
        )
        let hello = try await client.next(ofType: "relay.hello")
        let data = try #require(hello["d"]?.objectValue)
        #expect(data["version"] == "0.0.0-test")
        #expect(data["protocol"] == 1)
        #expect(data["identity"] == "alice")
        #expect(data["upstream"]?["url"] == "ws://127.0.0.1:16000/ws")
        #expect(data["help"]?.stringValue?.contains("relay.help") == true)
        await harness.shutdown()
    }

    @Test func forwardsRequestAndRestoresTheClientRefOnly() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(
            #"{"type":"send_message","ref":"a1","d":{"channel":"general","body":"hi"}}"#
                + "\n"
        )
        let sent = try await session.sent.waitForCount(1)[0]
        #expect(sent["type"] == "send_message")
        #expect(sent["d"]?["body"] == "hi")
        let upstreamRef = try #require(sent.string(forKey: "ref"))
        #expect(upstreamRef != "a1")
        session.reply(
            toRef: upstreamRef,
            with: #"{"type":"reply","d":{"id":1.50},"ref":"\#(upstreamRef)","ok":true}"#
        )
        let expected = #"{"type":"reply","d":{"id":1.50},"ref":"a1","ok":true}"#
        #expect(try await client.next() == expected)
        await harness.shutdown()
    }

    @Test func sameRefFromTwoClientsNeverCrosses() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let first = try await harness.client()
        let second = try await harness.client()
        first.send(#"{"type":"version","ref":"x"}"# + "\n")
        _ = try await session.sent.waitForCount(1)
        second.send(#"{"type":"ping","ref":"x"}"# + "\n")
        let sent = try await session.sent.waitForCount(2)
        let refs = sent.map { $0.string(forKey: "ref")! }
        // Answer in reverse order: each reply still goes to the client that asked.
        session.reply(toRef: refs[1], with: #"{"type":"pong","ref":"\#(refs[1])","ok":true}"#)
        session.reply(
            toRef: refs[0],
            with: #"{"type":"reply","d":{"version":"v"},"ref":"\#(refs[0])","ok":true}"#
        )
        #expect(try await second.next() == #"{"type":"pong","ref":"x","ok":true}"#)
        let expected = #"{"type":"reply","d":{"version":"v"},"ref":"x","ok":true}"#
        #expect(try await first.next() == expected)
        await harness.shutdown()
    }

    @Test func requestWithoutRefGetsItsReplyWithoutRef() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"ping"}"# + "\n")
        let sent = try await session.sent.waitForCount(1)[0]
        let ref = try #require(sent.string(forKey: "ref"))
        session.reply(toRef: ref, with: #"{"type":"pong","ref":"\#(ref)","ok":true}"#)
        #expect(try await client.next() == #"{"type":"pong","ok":true}"#)
        await harness.shutdown()
    }

    @Test func serverErrorsAndUnknownOperationsPassThroughUnchanged() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"bogus_op","ref":"z","d":[1,2]}"# + "\n")
        let sent = try await session.sent.waitForCount(1)[0]
        #expect(sent["type"] == "bogus_op" && sent["d"] == [1, 2])
        let ref = try #require(sent.string(forKey: "ref"))
        session.reply(
            toRef: ref,
            with: #"{"type":"error","d":{"message":"unknown type: bogus_op"},"#
                + #""ref":"\#(ref)","ok":false}"#
        )
        let expected =
            #"{"type":"error","d":{"message":"unknown type: bogus_op"},"#
            + #""ref":"z","ok":false}"#
        #expect(try await client.next() == expected)
        await harness.shutdown()
    }

    @Test func requestWithoutReplyTimesOut() async throws {
        var limits = RelayLimits()
        limits.requestTimeout = .milliseconds(200)
        let harness = try await RelayHarness(limits: limits)
        _ = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"history","ref":"slow"}"# + "\n")
        let reply = try await client.nextObject()
        #expect(reply["type"] == "error" && reply["ref"] == "slow" && reply["ok"] == false)
        #expect(reply["d"]?["code"] == "relay.timeout")
        await harness.shutdown()
    }

    @Test func requestsWaitWhileUpstreamIsDownAndFlowWhenItComesBack() async throws {
        var limits = RelayLimits()
        limits.reconnectBaseDelay = .milliseconds(50)
        let harness = try await RelayHarness(limits: limits)
        let first = try await harness.upstream.session(0)
        let client = try await harness.client()
        harness.upstream.failNext([.failed("connection refused")])
        first.closeFromServer()
        let down = try await client.nextUpstream(state: "down")
        #expect(down["d"]?["reason"] == "connection reset (1006)")
        client.send(#"{"type":"ping","ref":"p1"}"# + "\n")
        let second = try await harness.upstream.session(1)
        let sent = try await second.sent.waitForCount(1)[0]
        #expect(sent["type"] == "ping")
        let ref = try #require(sent.string(forKey: "ref"))
        second.reply(toRef: ref, with: #"{"type":"pong","ref":"\#(ref)","ok":true}"#)
        let reconnected = try await client.nextUpstream(state: "reconnected")
        #expect(reconnected["seq"] != nil)
        #expect(try await client.next() == #"{"type":"pong","ref":"p1","ok":true}"#)
        await harness.shutdown()
    }

    @Test func stateChangingRequestInFlightWhenUpstreamDropsFailsAsOutcomeUnknown() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"send_message","ref":"m"}"# + "\n")
        _ = try await session.sent.waitForCount(1)
        session.closeFromServer()
        let reply = try await client.next(ofType: "error")
        #expect(reply["ref"] == "m" && reply["d"]?["code"] == "relay.outcome_unknown")
        await harness.shutdown()
    }

    @Test func capsRequestsInFlight() async throws {
        var limits = RelayLimits()
        limits.maxInFlight = 2
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        for index in 0..<5 { client.send(#"{"type":"ping","ref":"\#(index)"}"# + "\n") }
        let sent = try await session.sent.waitForCount(2)
        let status = try await waitForQueued(3, harness.relay)
        #expect(status.inFlight == 2)
        let ref = try #require(sent[0].string(forKey: "ref"))
        session.reply(toRef: ref, with: #"{"type":"pong","ref":"\#(ref)","ok":true}"#)
        #expect(try await session.sent.waitForCount(3).count == 3)
        #expect(try await client.next() == #"{"type":"pong","ref":"0","ok":true}"#)
        await harness.shutdown()
    }

    @Test func clientThatHalfClosesStillGetsItsReplies() async throws {
        let harness = try await RelayHarness(autoReply: true)
        _ = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"ping","ref":"last","d":1}"# + "\n")
        client.connection.loop.execute { client.connection.shutdownOutputAfterFlushing() }
        #expect(try await client.next() == #"{"type":"reply","d":1,"ref":"last","ok":true}"#)
        _ = try await client.closed.waitForCount(1)
        await harness.shutdown()
    }
}

/// Polls the relay's status until `count` requests wait.
func waitForQueued(_ count: Int, _ relay: RelayServer) async throws -> RelayStatus {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        let status = await relay.statusSnapshot
        if status.queued == count { return status }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw TestTimeoutError()
}

struct TestTimeoutError: Error {}
