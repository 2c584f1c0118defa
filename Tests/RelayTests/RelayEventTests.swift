// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Relay
import TestSupport
import Testing

/// Event fan-out, `seq`, filters and slow consumers through a real relay socket.
@Suite struct RelayEventTests {
    static let message = #"{"type":"message.new","d":{"body":"hi","channel":"general","id":1}}"#

    @Test func fansEachPushOutToEveryClientWithTheSameSeq() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        var clients: [TestClient] = []
        for _ in 0..<3 { clients.append(try await harness.client()) }
        session.push(Self.message)
        session.push(#"{"type":"presence","d":{"username":"bob","status":"online"}}"#)
        let expected =
            #"{"type":"message.new","d":{"body":"hi","channel":"general","#
            + #""id":1},"seq":2}"#
        for client in clients {
            #expect(try await client.next() == expected)
            #expect(
                try await client.next()
                    == #"{"type":"presence","d":{"username":"bob","status":"online"},"seq":3}"#
            )
        }
        await harness.shutdown()
    }

    @Test func filtersByTypeAndChannel() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(
            #"{"type":"relay.subscribe","ref":"s","#
                + #""d":{"types":["message.new"],"channels":["ops"]}}"# + "\n"
        )
        let reply = try await client.nextObject()
        #expect(reply["ref"] == "s" && reply["ok"] == true)
        #expect(reply["d"]?["types"] == ["message.new"] && reply["d"]?["channels"] == ["ops"])
        session.push(Self.message)
        session.push(#"{"type":"presence","d":{"username":"bob","status":"online"}}"#)
        session.push(#"{"type":"message.new","d":{"channel":"ops","id":2}}"#)
        let event = try await client.nextObject()
        #expect(event["d"]?["channel"] == "ops" && event["seq"] == 4)
        await harness.shutdown()
    }

    @Test func unsubscribedClientStillHearsUpstreamNotices() async throws {
        var limits = RelayLimits()
        limits.reconnectBaseDelay = .milliseconds(20)
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"relay.unsubscribe","ref":"u"}"# + "\n")
        #expect(try await client.nextObject()["ref"] == "u")
        session.push(Self.message)
        session.closeFromServer()
        let down = try await client.nextObject()
        #expect(down["type"] == "relay.upstream" && down["d"]?["state"] == "down")
        await harness.shutdown()
    }

    @Test func replaysFromTheRingWithSinceAndCountsWhatIsGone() async throws {
        var limits = RelayLimits()
        limits.eventRingCount = 3
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        for id in 1...5 { session.push(#"{"type":"message.new","d":{"id":\#(id)}}"#) }
        for _ in 1...5 { _ = try await client.next() }
        // Ring holds seq 4, 5, 6 (seq 1 was relay.upstream "up").
        client.send(#"{"type":"relay.subscribe","ref":"r","d":{"since":1}}"# + "\n")
        let reply = try await client.nextObject()
        #expect(reply["d"]?["replayed"] == 3 && reply["d"]?["missed"] == 2)
        #expect(try await client.nextObject()["seq"] == 4)
        #expect(try await client.nextObject()["seq"] == 5)
        #expect(try await client.nextObject()["seq"] == 6)
        client.send(#"{"type":"relay.subscribe","ref":"r2","d":{"since":99}}"# + "\n")
        let ahead = try await client.nextObject()
        #expect(ahead["d"]?["code"] == "relay.since_ahead" && ahead["ref"] == "r2")
        await harness.shutdown()
    }

    @Test func stuckClientDelaysNobodyGetsLagNoticeAndResumesWithSince() async throws {
        var limits = RelayLimits()
        limits.clientEventQueueBytes = 32 << 10
        limits.stallTimeout = .seconds(60)
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session()
        let stuck = try await TestClient.connect(
            path: harness.socketPath,
            loop: harness.clientLoop,
            reading: false
        )
        let reader = try await harness.client()
        let body = String(repeating: "x", count: 1000)
        let count = 2_000
        // The reading client gets every event while the stuck one reads nothing. Pushes
        // come in batches the reader can absorb within its own 32 KiB queue.
        let batch = 20
        for start in stride(from: 1, through: count, by: batch) {
            for id in start..<(start + batch) {
                session.push(#"{"type":"message.new","d":{"id":\#(id),"body":"\#(body)"}}"#)
            }
            for id in start..<(start + batch) {
                let event = try await reader.nextObject()
                #expect(event["d"]?["id"] == JSONValue(id))
            }
        }
        let status = await harness.relay.statusSnapshot
        #expect(status.counters.eventsDropped > 0)

        stuck.resumeReading()
        #expect(try await stuck.nextObject()["type"] == "relay.hello")
        var lastSeq: UInt64 = 1
        var lag: JSONObject?
        while lag == nil {
            let line = try await stuck.nextObject()
            if line["type"] == "relay.lagged" {
                lag = line
            } else {
                let seq = try #require(line["seq"]?.numberValue?.uint64Value)
                #expect(seq == lastSeq + 1, "events arrive in order without gaps before the notice")
                lastSeq = seq
            }
        }
        let since = try #require(lag?["d"]?["since"]?.numberValue?.uint64Value)
        #expect(since == lastSeq)
        #expect(lag?["d"]?["missed"]?.numberValue?.uint64Value ?? 0 > 0)

        // Resume: page through the ring until caught up, never skipping a seq.
        var resumeFrom = since
        let lastEvent = UInt64(count + 1)
        while lastSeq < lastEvent {
            stuck.send(#"{"type":"relay.subscribe","d":{"since":\#(resumeFrom)}}"# + "\n")
            let reply = try await stuck.nextObject()
            #expect(reply["d"]?["missed"] == 0)
            while lastSeq < lastEvent {
                let line = try await stuck.nextObject()
                if line["type"] == "relay.lagged" {
                    resumeFrom = try #require(line["d"]?["since"]?.numberValue?.uint64Value)
                    break
                }
                let seq = try #require(line["seq"]?.numberValue?.uint64Value)
                #expect(seq == lastSeq + 1)
                lastSeq = seq
            }
        }
        #expect(lastSeq == lastEvent)
        await harness.shutdown()
    }

    @Test func clientThatNeverReadsIsDisconnectedAfterTheStallTimeout() async throws {
        var limits = RelayLimits()
        limits.clientEventQueueBytes = 16 << 10
        limits.stallTimeout = .milliseconds(300)
        limits.goodbyeFlushTimeout = .milliseconds(100)
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session()
        let stuck = try await TestClient.connect(
            path: harness.socketPath,
            loop: harness.clientLoop,
            reading: false
        )
        let body = String(repeating: "y", count: 4000)
        for id in 1...300 {
            session.push(#"{"type":"message.new","d":{"id":\#(id),"body":"\#(body)"}}"#)
        }
        try await waitUntil("stalled client dropped") {
            await harness.relay.statusSnapshot.counters.clientsDisconnectedSlow == 1
        }
        stuck.resumeReading()
        _ = try await stuck.closed.waitForCount(1)
        #expect(harness.logs.entries(withMessage: "client dropped: stalled").count == 1)
        await harness.shutdown()
    }
}
