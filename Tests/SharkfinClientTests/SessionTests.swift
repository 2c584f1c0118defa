// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import SocketIO
import Synchronization
import TestSupport
import Testing
import WebSocket

@testable import SharkfinClient

/// Stands in for the WebSocket under a session: records what the session writes. The
/// tests play the server by calling the session's transport entry points on the loop,
/// which lets them order replies, timers and closes exactly. The DevServer tests cover
/// the same paths over a real connection.
private final class FakeTransport: SessionTransport, @unchecked Sendable {
    // @unchecked Sendable: touched only on the test's event loop.
    var sent: [String] = []
    var closeCount = 0

    func sendText(_ utf8: [UInt8]) { sent.append(String(decoding: utf8, as: UTF8.self)) }
    func close() { closeCount += 1 }
}

/// Records delegate calls (from the loop) for the test task to await.
private final class RecordingDelegate: SharkfinSessionDelegate, Sendable {
    let pushes = Recorder<String>()
    let closes = Recorder<String>()

    func session(_ session: SharkfinSession, didReceivePush envelope: Envelope, utf8: [UInt8]) {
        pushes.record(String(decoding: utf8, as: UTF8.self))
    }

    func session(_ session: SharkfinSession, didCloseWith reason: SharkfinSessionCloseReason) {
        closes.record("\(reason)")
    }
}

/// A short name for each way a request can end, so tests compare plain strings.
private func outcome(_ result: Result<Envelope, SharkfinError>) -> String {
    switch result {
    case .success(let envelope): "reply \(envelope.ref ?? "-")"
    case .failure(.timedOut): "timedOut"
    case .failure(.cancelled): "cancelled"
    case .failure(.closed): "closed"
    case .failure(.connectionLost(let unknown)): "connectionLost(\(unknown))"
    case .failure(.notConnected): "notConnected"
    case .failure(let error): "other \(error)"
    }
}

private let cleanServerClose = WebSocketClosure(
    code: .normalClosure,
    reason: "",
    wasClean: true,
    error: nil
)
private let droppedConnection = WebSocketClosure(
    code: nil,
    reason: "",
    wasClean: false,
    error: .connectionLost("EOF")
)

/// A started session over a fake transport on its own loop.
private struct Harness {
    let loop: EventLoop
    let session: SharkfinSession
    let transport: FakeTransport
    let delegate = RecordingDelegate()
    let outcomes = Recorder<String>()

    init(start: Bool = true) throws {
        loop = try EventLoop(name: "session-test")
        session = SharkfinSession(loop: loop, logger: .disabled)
        transport = FakeTransport()
        let (session, transport, delegate) = (session, transport, delegate)
        loop.execute {
            session.attach(transport)
            if start { session.start(delegate: delegate) }
        }
    }

    /// Sends `type` from the loop; returns its id.
    func send(_ type: String, timeout: Duration = .seconds(30)) async -> RequestID {
        let (session, outcomes) = (session, outcomes)
        return await loop.submit {
            session.send(["type": .string(type)], timeout: timeout) { result in
                outcomes.record(outcome(result))
            }
        }
    }

    /// Runs `body` on the loop.
    func onLoop(_ body: @escaping @Sendable (SharkfinSession, FakeTransport) -> Void) async {
        let (session, transport) = (session, transport)
        await loop.submit { body(session, transport) }
    }

    func reply(_ ref: String) -> [UInt8] {
        Array(#"{"type":"reply","d":{},"ref":"\#(ref)","ok":true}"#.utf8)
    }
}

@Suite struct SessionTests {
    @Test func sendReplacesTheRefInPlaceAndMatchesTheReply() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        let (session, outcomes) = (harness.session, harness.outcomes)
        let id = await harness.loop.submit {
            session.send(["type": "version", "ref": "mine", "d": [:]], timeout: .seconds(30)) {
                outcomes.record(outcome($0))
            }
        }
        #expect(id.ref == "r1")
        let reply = harness.reply("r1")
        await harness.onLoop { session, transport in
            #expect(transport.sent == [#"{"type":"version","ref":"r1","d":{}}"#])
            session.transportDidReceiveText(reply)
            session.transportDidReceiveText(reply)  // a duplicate finds nothing
            #expect(session.inFlightCount == 0)
        }
        #expect(try await harness.outcomes.waitForCount(1) == ["reply r1"])
        await harness.onLoop { _, _ in }
        #expect(harness.outcomes.values.count == 1)
    }

    @Test func timeoutWinsOverALateReply() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        _ = await harness.send("history", timeout: .milliseconds(1))
        #expect(try await harness.outcomes.waitForCount(1) == ["timedOut"])
        let reply = harness.reply("r1")
        await harness.onLoop { session, _ in
            session.transportDidReceiveText(reply)
            #expect(session.inFlightCount == 0)
        }
        #expect(harness.outcomes.values == ["timedOut"])
    }

    @Test func replyInTheSameTurnAsAnExpiredTimerWinsOnce() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        let reply = harness.reply("r1")
        // Send with a zero timeout and answer before the loop gets to run the timer.
        await harness.loop.submit { [session = harness.session, outcomes = harness.outcomes] in
            session.send(["type": "ping"], timeout: .zero) { outcomes.record(outcome($0)) }
            session.transportDidReceiveText(reply)
        }
        // Give the (cancelled) timer every chance to fire; it must not complete again.
        try await Task.sleep(for: .milliseconds(20))
        await harness.onLoop { _, _ in }
        #expect(harness.outcomes.values == ["reply r1"])
    }

    @Test func connectionLossFailsEveryPendingRequestOnceAndTellsTheDelegate() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        for _ in 0..<3 { _ = await harness.send("user_list") }
        await harness.onLoop { session, _ in
            session.transportDidClose(droppedConnection)
            session.transportDidClose(droppedConnection)  // reported twice by mistake
        }
        let outcomes = try await harness.outcomes.waitForCount(3)
        #expect(outcomes == Array(repeating: "connectionLost(true)", count: 3))
        let closes = try await harness.delegate.closes.waitForCount(1)
        #expect(closes == ["connection lost: EOF"])
        await harness.onLoop { session, _ in
            // Replies that straggle in after the end are dropped.
            session.transportDidReceiveText(Array(#"{"type":"reply","ref":"r1"}"#.utf8))
        }
        #expect(harness.outcomes.values.count == 3)
        #expect(harness.delegate.closes.values.count == 1)
    }

    @Test func closeFailsPendingWithClosedAndReportsClosedByClient() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        _ = await harness.send("history")
        await harness.onLoop { session, transport in
            session.close()
            session.close()
            #expect(transport.closeCount == 1)
            #expect(!session.isOpen)
        }
        #expect(try await harness.outcomes.waitForCount(1) == ["closed"])
        await harness.onLoop { session, _ in session.transportDidClose(cleanServerClose) }
        #expect(try await harness.delegate.closes.waitForCount(1) == ["closed by client"])
        #expect(harness.outcomes.values == ["closed"])
    }

    @Test func serverCloseFrameIsReportedAsClosedByServer() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        await harness.onLoop { session, _ in
            session.transportDidClose(
                WebSocketClosure(
                    code: .goingAway,
                    reason: "bye",
                    wasClean: true,
                    error: nil
                )
            )
        }
        let closes = try await harness.delegate.closes.waitForCount(1)
        #expect(closes.first?.hasPrefix("closed by server") == true)
        #expect(closes.first?.contains("bye") == true)
    }

    @Test func cancelEndsTheRequestAndDropsItsReply() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        let id = await harness.send("history")
        let reply = harness.reply(id.ref)
        await harness.onLoop { session, _ in
            session.cancel(id)
            session.cancel(id)
            session.transportDidReceiveText(reply)
        }
        #expect(try await harness.outcomes.waitForCount(1) == ["cancelled"])
        await harness.onLoop { _, _ in }
        #expect(harness.outcomes.values == ["cancelled"])
    }

    @Test func sendAfterCloseFailsLaterNotInline() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        let inline = await harness.loop.submit {
            [session = harness.session, outcomes = harness.outcomes] () -> Int in
            session.transportDidClose(droppedConnection)
            session.send(["type": "ping"], timeout: .seconds(1)) { outcomes.record(outcome($0)) }
            return outcomes.values.count
        }
        #expect(inline == 0)
        #expect(try await harness.outcomes.waitForCount(1) == ["notConnected"])
    }

    @Test func completionThatSendsAgainDuringCloseIsRefused() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        await harness.loop.submit { [session = harness.session, outcomes = harness.outcomes] in
            session.send(["type": "ping"], timeout: .seconds(30)) { result in
                outcomes.record(outcome(result))
                session.send(["type": "ping"], timeout: .seconds(30)) {
                    outcomes.record("retry " + outcome($0))
                }
            }
            session.transportDidClose(droppedConnection)
        }
        let outcomes = try await harness.outcomes.waitForCount(2)
        #expect(outcomes == ["connectionLost(true)", "retry notConnected"])
        await harness.onLoop { _, transport in #expect(transport.sent.count == 1) }
    }

    @Test func pushesBeforeStartAreDeliveredInOrderByStart() async throws {
        let harness = try Harness(start: false)
        defer { harness.loop.shutdown() }
        let first = #"{"type":"presence","d":{"status":"online","username":"bob"}}"#
        let second = #"{"type":"capabilities","d":{"permissions":null}}"#
        await harness.onLoop { session, _ in
            session.transportDidReceiveText(Array(first.utf8))
            session.transportDidReceiveText(Array(second.utf8))
            session.transportDidReceiveText(Array("not json".utf8))  // dropped
        }
        #expect(harness.delegate.pushes.values.isEmpty)
        await harness.onLoop { [delegate = harness.delegate] session, _ in
            session.start(delegate: delegate)
        }
        #expect(try await harness.delegate.pushes.waitForCount(2) == [first, second])
    }

    @Test func closeBeforeStartIsReportedByStart() async throws {
        let harness = try Harness(start: false)
        defer { harness.loop.shutdown() }
        await harness.onLoop { [delegate = harness.delegate] session, _ in
            session.transportDidClose(droppedConnection)
            #expect(delegate.closes.values.isEmpty)
            session.start(delegate: delegate)
        }
        #expect(try await harness.delegate.closes.waitForCount(1).count == 1)
    }

    @Test func manyRacingRequestsEachCompleteExactlyOnce() async throws {
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        // 300 requests with timeouts of 0-2 ms; answer every other one as they expire and
        // drop the connection midway. Whatever wins, each completes exactly once.
        let count = 300
        await harness.loop.submit { [session = harness.session, outcomes = harness.outcomes] in
            for index in 0..<count {
                let timeout = Duration.microseconds(index % 3 * 1000)
                session.send(["type": "ping"], timeout: timeout) { outcomes.record(outcome($0)) }
            }
        }
        for index in stride(from: 1, through: count, by: 2) {
            let reply = harness.reply("r\(index)")
            harness.loop.execute { [session = harness.session] in
                session.transportDidReceiveText(reply)
                if index == count / 2 { session.transportDidClose(droppedConnection) }
            }
        }
        let outcomes = try await harness.outcomes.waitForCount(count)
        try await Task.sleep(for: .milliseconds(20))
        await harness.onLoop { session, _ in #expect(session.inFlightCount == 0) }
        #expect(harness.outcomes.values.count == count)
        let allowed = Set(
            ["timedOut", "connectionLost(true)"] + (1...count).map { "reply r\($0)" }
        )
        #expect(Set(outcomes).isSubset(of: allowed))
    }
}
