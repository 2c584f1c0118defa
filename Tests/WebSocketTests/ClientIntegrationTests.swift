// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TestSupport
import Testing

@testable import WebSocket

/// Our client against the `websockets` library, an independent strict implementation.
@Suite(.serialized) struct ClientIntegrationTests {
    static func withEchoServer(
        _ body: @escaping @Sendable (PythonPeer, EventLoop) async throws -> Void
    ) async throws {
        let peer = try await PythonPeer.start("echo_server.py")
        defer { peer.stop() }
        let loop = try EventLoop(name: "ws-test")
        defer { loop.shutdown() }
        try await withTimeout(.seconds(20), "the test") { try await body(peer, loop) }
    }

    static func url(_ peer: PythonPeer, _ path: String) throws -> WebSocketURL {
        try WebSocketURL("ws://127.0.0.1:\(peer.port)\(path)")
    }

    @Test func echoesMessagesAndClosesCleanly() async throws {
        try await Self.withEchoServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try Self.url(peer, "/echo"),
                on: loop,
                logger: .disabled
            )

            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let big = (0..<200_000).map { UInt8($0 % 253) }
            ws.sendText("hello")
            ws.sendBinary([0, 1, 2, 255])
            ws.sendText("κόσμε 😀")
            ws.sendBinary(big)
            ws.sendText("")
            let events = try await delegate.events.waitForCount(5)
            #expect(
                events == [
                    .text("hello"), .binary([0, 1, 2, 255]), .text("κόσμε 😀"), .binary(big),
                    .text(""),
                ]
            )
            ws.close(code: .normalClosure, reason: "done")
            let closure = try await delegate.closure()
            #expect(
                closure
                    == WebSocketClosure(
                        code: .normalClosure,
                        reason: "done",
                        wasClean: true,
                        error: nil
                    )
            )
            #expect(try await peer.waitForLine(prefix: "CLOSED /echo") == "CLOSED /echo 1000 done")
        }
    }

    @Test func sendsCustomHeadersOnTheUpgrade() async throws {
        try await Self.withEchoServer { peer, loop in
            let configuration = WebSocketConfiguration(
                headers: [HTTPHeaderField(name: "Authorization", value: "ApiKey-v1 k123")]
            )
            let ws = try await WebSocketConnection.connect(
                to: try Self.url(peer, "/headers"),
                configuration: configuration,
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            #expect(try await delegate.events.waitForCount(1) == [.text("ApiKey-v1 k123")])
            ws.close()
            _ = try await delegate.closure()
        }
    }

    @Test func answersTheServersPing() async throws {
        try await Self.withEchoServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try Self.url(peer, "/ping"),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let events = try await delegate.events.waitForCount(2)
            #expect(events == [.ping(Array("are you there".utf8)), .text("pong received")])
            ws.sendPing([7, 7])
            #expect(try await delegate.events.waitForCount(3).last == .pong([7, 7]))
            ws.close()
            _ = try await delegate.closure()
        }
    }

    @Test func serverInitiatedCloseIsEchoedAndReported() async throws {
        try await Self.withEchoServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try Self.url(peer, "/close"),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let closure = try await delegate.closure()
            #expect(
                closure
                    == WebSocketClosure(
                        code: WebSocketCloseCode(4001),
                        reason: "server says bye",
                        wasClean: true,
                        error: nil
                    )
            )
            // The library reports the close frame it received: our echo of its code.
            #expect(
                try await peer.waitForLine(prefix: "CLOSED /close").hasPrefix("CLOSED /close 4001")
            )
        }
    }

    @Test func droppedTCPIsAnUncleanClosure() async throws {
        try await Self.withEchoServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try Self.url(peer, "/drop"),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            ws.sendText("anything")
            let closure = try await delegate.closure()
            #expect(closure.code == nil && !closure.wasClean)
            guard case .connectionLost = closure.error else {
                Issue.record("error \(String(describing: closure.error))")
                return
            }
        }
    }

    @Test func rejectedUpgradeCarriesStatusAndBody() async throws {
        try await Self.withEchoServer { peer, loop in
            await #expect(
                throws: WebSocketError.handshakeRejected(
                    status: 401,
                    reason: "Unauthorized",
                    body: #"{"error":"auth: invalid token"}"#
                )
            ) {
                _ = try await WebSocketConnection.connect(
                    to: try Self.url(peer, "/reject"),
                    on: loop,
                    logger: .disabled
                )
            }
        }
    }

    @Test func refusedConnectionIsConnectFailed() async throws {
        let loop = try EventLoop(name: "ws-test")
        defer { loop.shutdown() }
        // A listener that is closed again leaves a port nobody listens on.
        let port = try await loop.submit { () throws -> UInt16 in
            let listener = try Listener.tcp(on: loop)
            defer { listener.close() }
            return listener.port ?? 1
        }
        let url = try WebSocketURL("ws://127.0.0.1:\(port)/")
        try await withTimeout(.seconds(10)) {
            do {
                _ = try await WebSocketConnection.connect(to: url, on: loop, logger: .disabled)
                Issue.record("connected to a closed port")
            } catch let error as WebSocketError {
                guard case .connectFailed = error else {
                    Issue.record("error \(error)")
                    return
                }
            }
        }
    }
}
