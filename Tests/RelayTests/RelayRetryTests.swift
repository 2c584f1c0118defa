// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import TestSupport
import Testing

@testable import Relay

/// What happens to requests whose connection was lost, with a scripted upstream.
@Suite struct RelayRetryTests {
    static func quickReconnect() -> RelayLimits {
        var limits = RelayLimits()
        limits.reconnectBaseDelay = .milliseconds(10)
        limits.reconnectMaxDelay = .milliseconds(20)
        return limits
    }

    @Test func readOnlyRequestIsRetriedOnceThenReportedAsOutcomeUnknown() async throws {
        let harness = try await RelayHarness(limits: Self.quickReconnect())
        let first = try await harness.upstream.session(0)
        let client = try await harness.client()
        client.send(#"{"type":"history","ref":"h","d":{"channel":"general"}}"# + "\n")
        _ = try await first.sent.waitForCount(1)
        first.closeFromServer()
        // Sent again on the next session, same arguments.
        let second = try await harness.upstream.session(1)
        let retried = try await second.sent.waitForCount(1)[0]
        #expect(retried["type"] == "history" && retried["d"]?["channel"] == "general")
        second.closeFromServer()
        let failed = try await client.next(ofType: "error")
        #expect(failed["ref"] == "h" && failed["d"]?["code"] == "relay.outcome_unknown")
        // Not a third time.
        let third = try await harness.upstream.session(2)
        try await Task.sleep(for: .milliseconds(50))
        #expect(third.sent.values.isEmpty)
        await harness.shutdown()
    }

    @Test func stateChangingRequestsAreNeverResent() async throws {
        let harness = try await RelayHarness(limits: Self.quickReconnect())
        let first = try await harness.upstream.session(0)
        let client = try await harness.client()
        let types = [
            "send_message", "unread_messages", "mark_read", "set_state", "channel_create",
            "dm_open", "mention_group_create", "some_future_operation",
        ]
        for type in types { client.send(#"{"type":"\#(type)","ref":"\#(type)"}"# + "\n") }
        _ = try await first.sent.waitForCount(types.count)
        first.closeFromServer()
        var codes: [String: String] = [:]
        while codes.count < types.count {
            let error = try await client.next(ofType: "error")
            codes[error.string(forKey: "ref") ?? ""] = error["d"]?["code"]?.stringValue
        }
        #expect(codes.values.allSatisfy { $0 == "relay.outcome_unknown" })
        let second = try await harness.upstream.session(1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(second.sent.values.isEmpty)
        await harness.shutdown()
    }

    @Test func retriedRequestKeepsItsPlaceBeforeTheClientsLaterRequests() async throws {
        var limits = Self.quickReconnect()
        limits.maxInFlight = 1
        let harness = try await RelayHarness(limits: limits)
        let first = try await harness.upstream.session(0)
        let client = try await harness.client()
        client.send(
            #"{"type":"channel_list","ref":"a"}"# + "\n" + #"{"type":"ping","ref":"b"}"# + "\n"
        )
        _ = try await first.sent.waitForCount(1)
        first.closeFromServer()
        let second = try await harness.upstream.session(1)
        let sent = try await second.sent.waitForCount(1)
        #expect(sent[0]["type"] == "channel_list")
        await harness.shutdown()
    }

    @Test func readOnlyTableMatchesTheDocumentation() {
        #expect(
            RequestReplay.readOnlyTypes == [
                "ping", "version", "capabilities", "user_list", "channel_list", "history",
                "unread_counts", "dm_list", "get_settings", "mention_group_get",
                "mention_group_list",
            ]
        )
        #expect(!RequestReplay.isRetriable("unread_messages"))
        #expect(!RequestReplay.isRetriable("unknown_thing"))
    }

    @Test func summaryNamesTheAttemptAndTheNextTry() {
        var status = RelayStatus(
            upstreamURL: "ws://h/ws",
            upstreamState: "reconnecting",
            connectedSince: nil,
            lastError: "connection refused",
            reconnectAttempt: 3,
            nextRetryIn: .milliseconds(4_240),
            presenceState: nil,
            identity: "alice",
            clientCount: 5,
            inFlight: 0,
            queued: 0,
            lastSeq: 0,
            counters: RelayCounters()
        )
        #expect(status.summary == "upstream reconnecting (attempt 3, next try in 4.2 s); 5 clients")
        status.upstreamState = "connected"
        status.reconnectAttempt = 0
        status.nextRetryIn = nil
        status.clientCount = 1
        status.queued = 2
        #expect(status.summary == "upstream connected; 1 client, 2 requests waiting")
        status.upstreamState = "unauthorized"
        status.nextRetryIn = .seconds(30)
        #expect(
            status.summary
                == "upstream unauthorized (API key refused, next try in 30.0 s); 1 client, "
                + "2 requests waiting"
        )
    }

    @Test func statusReportsTheAttemptAndTheNextTry() async throws {
        var limits = RelayLimits()
        // Long enough that a loaded machine cannot reach the retry before the status query.
        limits.reconnectBaseDelay = .seconds(60)
        limits.reconnectMaxDelay = .seconds(60)
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session(0)
        let client = try await harness.client()
        harness.upstream.failNext([.failed("connection refused")])
        session.closeFromServer(reason: "connection reset (1006)")
        _ = try await client.nextUpstream(state: "down")
        client.send(#"{"type":"relay.status","ref":"s"}"# + "\n")
        let upstream = try await client.next(ofType: "reply")["d"]?["upstream"]
        #expect(upstream?["state"] == "reconnecting")
        #expect(upstream?["attempt"] == 2)
        #expect(upstream?["last_error"] == "connection reset (1006)")
        let next = try #require(upstream?["next_retry_in"]?.doubleValue)
        #expect(next > 0 && next <= 60)
        await harness.shutdown()
    }
}
