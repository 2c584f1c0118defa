// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import JSON
import Synchronization
import TestSupport
import Testing
import WebSocket

@testable import SharkfinClient

/// Connecting, failing, timing out, cancelling, reconnecting and closing, against the
/// DevServer and its fault controls.
@Suite(.timeLimit(.minutes(1))) struct ClientConnectionTests {
    @Test func refusedKeyIsUnauthorizedWithTheServerBody() async throws {
        let harness = try await DevServerHarness.start()
        let intruder = try harness.client("alice", key: "wrong-key")
        let error = await expectSharkfinError { try await intruder.connect() }
        guard case .unauthorized(let body)? = error else {
            Issue.record("expected unauthorized, got \(String(describing: error))")
            return
        }
        #expect(body.contains("invalid token"))
        #expect(error?.isUnauthorized == true)
        #expect(!intruder.isConnected)
        await intruder.close()
        await harness.stop()
    }

    @Test func callsBeforeConnectAndAfterCloseFail() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try harness.client("alice")
        let early = await expectSharkfinError { try await alice.ping() }
        #expect(early.map { "\($0)" } == "\(SharkfinError.notConnected)")
        try await alice.connect()
        try await alice.connect()  // already connected: no-op
        #expect(alice.isConnected)
        await alice.close()
        await alice.close()
        let late = await expectSharkfinError { try await alice.ping() }
        #expect(late.map { "\($0)" } == "\(SharkfinError.closed)")
        let reconnect = await expectSharkfinError { try await alice.connect() }
        #expect(reconnect.map { "\($0)" } == "\(SharkfinError.closed)")
        await harness.stop()
    }

    @Test func closeFinishesEventsAndFailsPendingRequestsWithClosed() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let events = EventLog(alice)
        try await harness.server.faults.stallReplies(true)
        let pending = Task { () async -> SharkfinError? in
            await expectSharkfinError { _ = try await alice.version() }
        }
        try await waitUntil("request in flight") { await inFlight(alice) == 1 }
        await alice.close()
        #expect(await pending.value.map { "\($0)" } == "\(SharkfinError.closed)")
        try await waitUntil("events finished") { events.isFinished }
        #expect(!events.all.contains { $0.isDisconnected })
        await harness.stop()
    }

    @Test func requestTimesOutAndItsLateReplyIsDropped() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice") { $0.requestTimeout = .milliseconds(200) }
        try await harness.server.faults.stallReplies(true)
        let error = await expectSharkfinError { _ = try await alice.version() }
        guard case .timedOut(let after)? = error else {
            Issue.record("expected timedOut, got \(String(describing: error))")
            return
        }
        #expect(after == .milliseconds(200))
        // Releasing the held reply must not disturb the next request.
        try await harness.server.faults.stallReplies(false)
        #expect(try await alice.version() == "devserver")
        #expect(await inFlight(alice) == 0)
        await alice.close()
        await harness.stop()
    }

    @Test func cancellingTheTaskWithdrawsTheRequest() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        try await harness.server.faults.stallReplies(true)
        let task = Task { () async -> SharkfinError? in
            await expectSharkfinError { _ = try await alice.history(channel: "general") }
        }
        try await waitUntil("request in flight") { await inFlight(alice) == 1 }
        task.cancel()
        #expect(await task.value.map { "\($0)" } == "\(SharkfinError.cancelled)")
        #expect(await inFlight(alice) == 0)
        try await harness.server.faults.stallReplies(false)
        try await alice.ping()
        await alice.close()
        await harness.stop()
    }

    @Test func alreadyCancelledTaskNeverSends() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let task = Task { () async -> SharkfinError? in
            withUnsafeCurrentTask { $0?.cancel() }
            return await expectSharkfinError { try await alice.ping() }
        }
        #expect(await task.value.map { "\($0)" } == "\(SharkfinError.cancelled)")
        try await alice.ping()
        await alice.close()
        await harness.stop()
    }

    @Test func droppedConnectionFailsPendingAndReconnects() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice") {
            $0.backoff = Backoff.constant(.milliseconds(300))
        }
        let events = EventLog(alice)
        try await harness.server.faults.stallReplies(true)
        let pending = Task { () async -> SharkfinError? in
            await expectSharkfinError { _ = try await alice.userList() }
        }
        try await waitUntil("request in flight") { await inFlight(alice) == 1 }
        try await harness.server.faults.dropConnections(user: "alice")
        let lost = await pending.value
        #expect(lost.map { "\($0)" } == "\(SharkfinError.connectionLost(outcomeUnknown: true))")
        try await events.first("disconnected") { $0.isDisconnected ? true : nil }
        // During the backoff the client is down and says so.
        let down = await expectSharkfinError { try await alice.ping() }
        #expect(down?.isTransient == true)
        try await harness.server.faults.stallReplies(false)
        try await events.first("reconnected") { $0.isReconnected ? true : nil }
        #expect(alice.isConnected)
        try await alice.ping()
        let order = events.all.compactMap { event -> String? in
            event.isDisconnected ? "down" : event.isReconnected ? "up" : nil
        }
        #expect(order == ["down", "up"])
        await alice.close()
        await harness.stop()
    }

    @Test func reconnectKeepsTryingThroughRefusalsAndDeliversPushesAfter() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        let bobEvents = EventLog(bob)
        try await alice.channelCreate(name: "room", isPublic: true)
        try await bob.channelJoin("room")
        try await harness.server.faults.refuseConnections(.serviceUnavailable)
        try await harness.server.faults.dropConnections(user: "bob")
        try await bobEvents.first("disconnected") { $0.isDisconnected ? true : nil }
        try await Task.sleep(for: .milliseconds(200))  // a few refused attempts
        #expect(!bob.isConnected)
        try await harness.server.faults.refuseConnections(.none)
        try await bobEvents.first("reconnected") { $0.isReconnected ? true : nil }
        let id = try await alice.sendMessage(channel: "room", body: "after the gap")
        let pushed = try await bobEvents.first("push after reconnect") { event in
            event.messageNew.flatMap { $0.id == id ? $0 : nil }
        }
        #expect(pushed.body == "after the gap")
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func reconnectGivesUpAfterMaxAttempts() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice") { $0.maxReconnectAttempts = 2 }
        let events = EventLog(alice)
        try await harness.server.faults.refuseConnections(.serviceUnavailable)
        try await harness.server.faults.dropConnections(user: "alice")
        let failure = try await events.first("reconnect failed") { $0.reconnectFailure }
        guard case .transport(let underlying) = failure,
            case .handshakeRejected(let status, _, _)? = underlying as? WebSocketError
        else {
            Issue.record("unexpected \(failure)")
            return
        }
        #expect(status == 503)
        #expect(!alice.isConnected)
        // connect() may start over once the server is back.
        try await harness.server.faults.refuseConnections(.none)
        try await alice.connect()
        try await alice.ping()
        await alice.close()
        await harness.stop()
    }

    @Test func withoutReconnectADropLeavesTheClientDown() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice") { $0.reconnects = false }
        let events = EventLog(alice)
        try await harness.server.faults.dropConnections(user: "alice")
        try await events.first("disconnected") { $0.isDisconnected ? true : nil }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!events.all.contains { $0.isReconnected })
        #expect(!alice.isConnected)
        try await alice.connect()
        try await alice.ping()
        await alice.close()
        await harness.stop()
    }

    @Test func eachEventsSequenceSeesEveryEvent() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let first = EventLog(alice)
        let second = EventLog(alice)
        let bob = try await harness.connected("bob")
        try await first.first("bob online") { $0.presence }
        try await second.first("bob online") { $0.presence }
        await bob.close()
        await alice.close()
        try await waitUntil("both finished") { first.isFinished && second.isFinished }
        await harness.stop()
    }
}

/// The number of requests `client`'s session is waiting on.
private func inFlight(_ client: SharkfinClient) async -> Int {
    guard let session = client.state.withLock({ $0.phase.session }) else { return 0 }
    return await session.loop.submit { session.inFlightCount }
}
