// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import JSON
import Logging
import SocketIO
import TestSupport
import Testing
import WebSocket

@testable import SharkfinClient

/// Collects a session's delegate calls.
private final class SessionRecorder: SharkfinSessionDelegate, Sendable {
    let pushes = Recorder<String>()
    let closes = Recorder<String>()

    func session(_ session: SharkfinSession, didReceivePush envelope: Envelope, utf8: [UInt8]) {
        pushes.record(String(decoding: utf8, as: UTF8.self))
    }

    func session(_ session: SharkfinSession, didCloseWith reason: SharkfinSessionCloseReason) {
        closes.record("\(reason)")
    }
}

/// The relay's layer, `SharkfinSession`, over a real WebSocket to the DevServer.
@Suite(.timeLimit(.minutes(1))) struct SessionIntegrationTests {
    private func open(
        _ harness: DevServerHarness,
        _ user: String,
        on loop: EventLoop,
        delegate: SessionRecorder
    ) async throws -> SharkfinSession {
        let session = try await SharkfinSession.connect(
            to: try harness.endpoint(user),
            configuration: WebSocketConfiguration(),
            on: loop,
            logger: .disabled
        )
        await loop.submit { session.start(delegate: delegate) }
        return session
    }

    /// Sends on the loop and awaits the completion.
    private func send(
        _ session: SharkfinSession,
        _ object: JSONObject,
        timeout: Duration = .seconds(5)
    ) async -> Result<Envelope, SharkfinError> {
        await withCheckedContinuation { continuation in
            session.loop.execute {
                session.send(object, timeout: timeout) { continuation.resume(returning: $0) }
            }
        }
    }

    @Test func repliesCarryTheSessionRefAndPushesTheServerBytes() async throws {
        let harness = try await DevServerHarness.start()
        let loop = try EventLoop(name: "session-it")
        defer { loop.shutdown() }
        let alice = SessionRecorder()
        let bob = SessionRecorder()
        let aliceSession = try await open(harness, "alice", on: loop, delegate: alice)
        let bobSession = try await open(harness, "bob", on: loop, delegate: bob)
        let reply = try await send(aliceSession, ["type": "version", "ref": "client-7"]).get()
        #expect(reply.ref == "r1")
        #expect(
            reply.description
                == #"{"type":"reply","d":{"version":"devserver"},"ref":"r1","ok":true}"#
        )
        let pong = try await send(aliceSession, ["type": "ping"]).get()
        #expect(pong.description == #"{"type":"pong","ref":"r2","ok":true}"#)
        let presence = try await alice.pushes.waitForCount(1)
        #expect(
            presence[0]
                == #"{"type":"presence","d":{"state":"idle","status":"online","username":"bob"}}"#
        )
        await loop.submit { aliceSession.close() }
        #expect(try await alice.closes.waitForCount(1) == ["closed by client"])
        await loop.submit { bobSession.close() }
        _ = try await bob.closes.waitForCount(1)
        await harness.stop()
    }

    @Test func droppedConnectionFailsInFlightRequestsAsOutcomeUnknown() async throws {
        let harness = try await DevServerHarness.start()
        let loop = try EventLoop(name: "session-it")
        defer { loop.shutdown() }
        let recorder = SessionRecorder()
        let session = try await open(harness, "alice", on: loop, delegate: recorder)
        try await harness.server.faults.stallReplies(true)
        async let first = send(session, ["type": "version"])
        async let second = send(session, ["type": "user_list"])
        try await waitUntil("two in flight") {
            await loop.submit { session.inFlightCount } == 2
        }
        try await harness.server.faults.dropConnections()
        for result in await [first, second] {
            guard case .failure(.connectionLost(outcomeUnknown: true)) = result else {
                Issue.record("unexpected \(result)")
                continue
            }
        }
        let closes = try await recorder.closes.waitForCount(1)
        #expect(closes[0].hasPrefix("connection lost"))
        guard case .failure(.notConnected) = await send(session, ["type": "ping"]) else {
            Issue.record("a dead session must refuse")
            return
        }
        await harness.stop()
    }

    @Test func unauthorizedUpgradeIsReported() async throws {
        let harness = try await DevServerHarness.start()
        let loop = try EventLoop(name: "session-it")
        defer { loop.shutdown() }
        do {
            _ = try await SharkfinSession.connect(
                to: try harness.endpoint("alice", key: "nope"),
                configuration: WebSocketConfiguration(),
                on: loop,
                logger: .disabled
            )
            Issue.record("connected with a wrong key")
        } catch {
            guard case .unauthorized(let body)? = error as? SharkfinError else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(body == #"{"error":"auth: invalid token"}"#)
        }
        await harness.stop()
    }
}
