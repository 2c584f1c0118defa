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

/// A transport that completes the closing handshake by itself; frames are injected by the
/// test. Loop-bound like the session it serves.
private final class EchoCloseTransport: SessionTransport, @unchecked Sendable {
    // @unchecked Sendable: `session` is touched only on the session's loop.
    weak var session: SharkfinSession?
    /// How often the session asked to close; readable from the test task.
    let closeCount = Atomic<Int>(0)

    func sendText(_ utf8: [UInt8]) {}

    func close() {
        closeCount.add(1, ordering: .relaxed)
        guard let session else { return }
        session.loop.execute {
            session.transportDidClose(
                WebSocketClosure(code: .normalClosure, reason: "", wasClean: true, error: nil)
            )
        }
    }
}

/// Hands out sessions over `EchoCloseTransport`, optionally holding each connect until the
/// test releases it.
private final class FakeConnector: Sendable {
    private let sessions = Mutex<[(SharkfinSession, EchoCloseTransport)]>([])
    private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let holds: Bool

    init(holds: Bool = false) { self.holds = holds }

    var opened: [SharkfinSession] { sessions.withLock { $0.map(\.0) } }

    /// How often each session's transport was asked to close.
    var closeCounts: [Int] {
        sessions.withLock { $0.map { $0.1.closeCount.load(ordering: .relaxed) } }
    }

    func connect(on loop: EventLoop) async -> SharkfinSession {
        if holds {
            await withCheckedContinuation { continuation in
                gate.withLock { $0 = continuation }
            }
        }
        let session = SharkfinSession(loop: loop, logger: .disabled)
        let transport = EchoCloseTransport()
        transport.session = session
        await loop.submit { session.attach(transport) }
        sessions.withLock { $0.append((session, transport)) }
        return session
    }

    var isHolding: Bool { gate.withLock { $0 != nil } }

    func release() { gate.withLock { $0.take() }?.resume() }
}

private func makeClient(_ connector: FakeConnector) throws -> SharkfinClient {
    SharkfinClient(
        endpoint: try SharkfinEndpoint(url: "ws://127.0.0.1:9/ws", apiKey: "k"),
        options: SharkfinClient.Options(reconnects: false)
    ) { loop in await connector.connect(on: loop) }
}

/// Typed push decoding and the connect/close race, which the DevServer cannot produce: it
/// never pushes `capabilities` or unknown types.
@Suite(.timeLimit(.minutes(1))) struct ClientFakeSessionTests {
    @Test func pushesBecomeTypedEventsOrUnknown() async throws {
        let connector = FakeConnector()
        let client = try makeClient(connector)
        let events = EventLog(client)
        try await client.connect()
        let session = try #require(connector.opened.first)
        let frames = [
            #"{"type":"capabilities","d":{"permissions":["send_message"]}}"#,
            #"{"type":"message.new","d":{"id":"not a number"}}"#,
            #"{"type":"typing","d":{"user":"bob"}}"#,
            #"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#,
        ]
        await session.loop.submit {
            for frame in frames { session.transportDidReceiveText(Array(frame.utf8)) }
        }
        try await waitUntil("four events") { events.all.count == 4 }
        let described = events.all.map { event -> String in
            switch event {
            case .capabilities(let capabilities): "capabilities \(capabilities.permissions)"
            case .unknown(let type, let envelope): "unknown \(type) \(envelope.isError)"
            default: "other \(event)"
            }
        }
        #expect(
            described == [
                #"capabilities ["send_message"]"#, "unknown message.new false",
                "unknown typing false", "unknown error true",
            ]
        )
        await client.close()
    }

    @Test func closeDuringConnectClosesTheLateSession() async throws {
        let connector = FakeConnector(holds: true)
        let client = try makeClient(connector)
        let connecting = Task { () async -> SharkfinError? in
            await expectSharkfinError { try await client.connect() }
        }
        try await waitUntil("connect held") { connector.isHolding }
        await client.close()
        connector.release()
        #expect(await connecting.value.map { "\($0)" } == "\(SharkfinError.closed)")
        // The late session was closed (its loop is gone now, so ask the transport).
        #expect(connector.closeCounts == [1])
    }

    @Test func concurrentConnectIsRefused() async throws {
        let connector = FakeConnector(holds: true)
        let client = try makeClient(connector)
        let first = Task { () async throws -> Void in try await client.connect() }
        try await waitUntil("connect held") { connector.isHolding }
        let second = await expectSharkfinError { try await client.connect() }
        #expect(second.map { "\($0)" } == "\(SharkfinError.notConnected)")
        connector.release()
        try await first.value
        #expect(client.isConnected)
        await client.close()
    }

    @Test func eventsRequestedAfterCloseFinishAtOnce() async throws {
        let client = try makeClient(FakeConnector())
        try await client.connect()
        await client.close()
        var iterator = client.events.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }
}

@Suite struct EndpointAndBackoffTests {
    @Test func endpointDerivesRESTAndPresenceURLs() throws {
        let endpoint = try SharkfinEndpoint(url: "ws://127.0.0.1:16000/ws", apiKey: "secret")
        #expect(endpoint.restBaseURL.absoluteString == "http://127.0.0.1:16000")
        #expect(
            endpoint.webSocketURL(path: "/presence").description
                == "ws://127.0.0.1:16000/presence"
        )
        #expect(!endpoint.description.contains("secret"))
        let nested = try SharkfinEndpoint(
            url: "wss://chat.example/sharkfin/ws?notifications_only=true",
            apiKey: "k"
        )
        #expect(nested.restBaseURL.absoluteString == "https://chat.example/sharkfin")
        #expect(
            nested.webSocketURL(path: "/ws").resourceName
                == "/sharkfin/ws?notifications_only=true"
        )
        #expect(
            nested.webSocketURL(path: "presence").resourceName
                == "/sharkfin/presence?notifications_only=true"
        )
    }

    @Test func endpointRejectsNonWebSocketURLs() {
        #expect(throws: WebSocketError.self) {
            try SharkfinEndpoint(url: "http://127.0.0.1/ws", apiKey: "k")
        }
    }

    @Test func exponentialBackoffGrowsAndCapsWithinItsJitter() {
        let backoff = Backoff.exponential()
        let expected: [Double] = [0.5, 1, 2, 4, 8, 16, 30, 30]
        for (attempt, nominal) in expected.enumerated() {
            let delay = Backoff.seconds(backoff(attempt))
            #expect(delay >= nominal * 0.9 - 0.001 && delay <= nominal * 1.1 + 0.001)
        }
        #expect(Backoff.seconds(backoff(Int.max)) <= 33.001)
        #expect(Backoff.seconds(backoff(-3)) <= 0.551)
        let exact = Backoff.exponential(initial: .seconds(1), multiplier: 3, jitter: 0)
        #expect(exact(2) == .seconds(9))
        #expect(Backoff.constant(.milliseconds(7))(99) == .milliseconds(7))
    }
}
