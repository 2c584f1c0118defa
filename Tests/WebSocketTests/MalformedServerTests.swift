// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TestSupport
import Testing

@testable import WebSocket

/// Our client against a raw server that breaks the protocol on purpose; the server reports
/// the close code our client answered with.
@Suite(.serialized) struct MalformedServerTests {
    static func withRawServer(
        _ body: @escaping @Sendable (PythonPeer, EventLoop) async throws -> Void
    ) async throws {
        let peer = try await PythonPeer.start("raw_server.py")
        defer { peer.stop() }
        let loop = try EventLoop(name: "ws-test")
        defer { loop.shutdown() }
        try await withTimeout(.seconds(20), "the test") { try await body(peer, loop) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }.joined()
    }

    @Test(
        arguments: [
            ("masked server frame", [0x81, 0x81, 1, 2, 3, 4, 0x40], 1002),
            ("reserved bit", [0xC1, 0x01, 0x41], 1002),
            ("reserved opcode", [0x85, 0x00], 1002),
            ("fragmented ping", [0x09, 0x00], 1002),
            ("oversized ping", [0x89, 126, 0x00, 0x7E] + Array(repeating: 0, count: 126), 1002),
            ("invalid close code", [0x88, 0x02, 0x03, 0xED], 1002),
            ("1-byte close", [0x88, 0x01, 0x03], 1002),
            ("continuation without start", [0x80, 0x01, 0x41], 1002),
            ("invalid UTF-8 text", [0x81, 0x04, 0xCE, 0xBA, 0xED, 0xA0], 1007),
            ("invalid UTF-8 close reason", [0x88, 0x03, 0x03, 0xE8, 0xFF], 1007),
            ("message over the limit", [0x82, 126, 0x08, 0x00], 1009),
        ] as [(String, [UInt8], UInt16)]
    )
    func violationIsAnsweredWithItsCloseCode(name: String, bytes: [UInt8], code: UInt16)
        async throws
    {
        try await Self.withRawServer { peer, loop in
            let path = "/raw/\(Self.hex(bytes))"
            let url = try WebSocketURL("ws://127.0.0.1:\(peer.port)\(path)")
            let ws = try await WebSocketConnection.connect(
                to: url,
                configuration: WebSocketConfiguration(maxMessageSize: 1024),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            #expect(
                try await peer.waitForLine(prefix: "CLOSE \(path)") == "CLOSE \(path) \(code)",
                "\(name)"
            )
            let closure = try await delegate.closure()
            #expect(closure.code == WebSocketCloseCode(code), "\(name)")
            #expect(closure.error != nil, "\(name)")
            #expect(
                delegate.events.values.count == 1,
                "\(name): nothing delivered before the closure"
            )
        }
    }

    @Test func everyClientFrameIsMaskedWithAFreshKey() async throws {
        try await Self.withRawServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("ws://127.0.0.1:\(peer.port)/raw/"),
                on: loop,
                logger: .disabled
            )
            ws.sendText("one")
            ws.sendText("two")
            ws.close()
            try await peer.waitForLine(prefix: "CLOSE /raw/ 1000")
            let frames = peer.output.filter { $0.hasPrefix("FRAME") }
            #expect(
                frames == [
                    "FRAME /raw/ 1 1 6f6e65", "FRAME /raw/ 1 1 74776f", "FRAME /raw/ 8 1 03e8",
                ]
            )
        }
    }

    /// Before `start`, pings are answered at once until a message arrives; from then on
    /// input waits, so the application sees the message before anything after it.
    @Test func pingsBeforeStartAreAnsweredAndMessagesHeldUntilStart() async throws {
        try await Self.withRawServer { peer, loop in
            let bytes: [UInt8] = [0x89, 0x01, 0x2A, 0x81, 0x02, 0x68, 0x69, 0x89, 0x01, 0x2B]
            let path = "/raw/\(Self.hex(bytes))"
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("ws://127.0.0.1:\(peer.port)\(path)"),
                on: loop,
                logger: .disabled
            )
            let firstPong = try await peer.waitForLine(prefix: "FRAME \(path) 10")
            #expect(firstPong == "FRAME \(path) 10 1 2a")
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let events = try await delegate.events.waitForCount(3)
            #expect(events == [.ping([0x2A]), .text("hi"), .ping([0x2B])])
            try await peer.waitForLine(prefix: "FRAME \(path) 10 1 2b")
            #expect(peer.output.filter { $0.hasPrefix("FRAME") }.count == 2)
            ws.close()
            _ = try await delegate.closure()
        }
    }

    @Test func unansweredKeepalivePingFailsWithPongTimeout() async throws {
        try await Self.withRawServer { peer, loop in
            let configuration = WebSocketConfiguration(
                pingInterval: .milliseconds(100),
                pongTimeout: .milliseconds(200)
            )
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("ws://127.0.0.1:\(peer.port)/silent"),
                configuration: configuration,
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let closure = try await delegate.closure()
            #expect(
                closure
                    == WebSocketClosure(
                        code: nil,
                        reason: "",
                        wasClean: false,
                        error: .pongTimedOut
                    )
            )
        }
    }

    @Test func closeTimerEndsAnUnansweredClose() async throws {
        try await Self.withRawServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("ws://127.0.0.1:\(peer.port)/silent"),
                configuration: WebSocketConfiguration(closeTimeout: .milliseconds(200)),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            ws.close(code: .goingAway)
            let closure = try await delegate.closure()
            #expect(
                closure
                    == WebSocketClosure(code: .goingAway, reason: "", wasClean: false, error: nil)
            )
        }
    }

    @Test func stalledUpgradeTimesOut() async throws {
        try await Self.withRawServer { peer, loop in
            await #expect(throws: WebSocketError.handshakeTimedOut) {
                _ = try await WebSocketConnection.connect(
                    to: try WebSocketURL("ws://127.0.0.1:\(peer.port)/stall"),
                    configuration: WebSocketConfiguration(handshakeTimeout: .milliseconds(200)),
                    on: loop,
                    logger: .disabled
                )
            }
        }
    }

    @Test func abortDropsTCPWithoutACloseFrame() async throws {
        try await Self.withRawServer { peer, loop in
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("ws://127.0.0.1:\(peer.port)/raw/"),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            ws.abort()
            let closure = try await delegate.closure()
            #expect(closure.code == nil && !closure.wasClean)
            try await peer.waitForLine(prefix: "EOF /raw/")
            #expect(!peer.output.contains { $0.hasPrefix("FRAME") })
        }
    }
}
