// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TLS
import TestSupport
import Testing

@testable import WebSocket

/// `wss://` through our OpenSSL transport against Python's `ssl` and `websockets`, with
/// certificates made by `openssl` for this run.
@Suite(.serialized) struct SecureClientTests {
    /// Runs `body` with fresh certificates, a peer in `mode` presenting `identity`, a loop,
    /// and a TLS context trusting the test CA.
    static func withPeer(
        _ mode: SecureWebSocketPeer.Mode,
        identity: @escaping @Sendable (TLSTestCertificates) -> TLSTestCertificates.Identity?,
        verifyPeer: Bool = true,
        _ body:
            @escaping @Sendable (SecureWebSocketPeer, EventLoop, TLSContext) async throws
            -> Void
    ) async throws {
        let certificates = try await TLSTestCertificates.generate()
        defer { certificates.remove() }
        let peer = try await SecureWebSocketPeer.start(mode, identity: identity(certificates))
        defer { peer.stop() }
        let loop = try EventLoop(name: "wss-test")
        defer { loop.shutdown() }
        let context = try TLSContext(
            configuration: TLSConfiguration(
                trustRoots: .caFile(certificates.caFile),
                verifyPeer: verifyPeer,
                minimumVersion: .tls12
            )
        )
        try await withTimeout(.seconds(20), "the test") { try await body(peer, loop, context) }
    }

    /// Connects to `wss://HOST:PORT/echo` and returns the error it fails with.
    static func connectionError(
        host: String = "127.0.0.1",
        _ peer: SecureWebSocketPeer,
        _ loop: EventLoop,
        _ context: TLSContext
    ) async -> WebSocketError? {
        do {
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("wss://\(host):\(peer.port)/echo"),
                configuration: WebSocketConfiguration(tls: context),
                on: loop,
                logger: .disabled
            )
            ws.abort()
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func echoesOverTLSWithTheTestCA(host: String) async throws {
        try await Self.withPeer(.echo, identity: \.server) { peer, loop, context in
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("wss://\(host):\(peer.port)/echo"),
                configuration: WebSocketConfiguration(tls: context),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let big = (0..<100_000).map { UInt8($0 % 251) }
            ws.sendText("hello over TLS")
            ws.sendBinary(big)
            let events = try await delegate.events.waitForCount(2)
            #expect(events == [.text("hello over TLS"), .binary(big)])
            ws.close(code: .normalClosure, reason: "done")
            let closure = try await delegate.closure()
            #expect(closure.wasClean)
            #expect(closure.error == nil)
        }
    }

    @Test func refusesAnExpiredCertificate() async throws {
        try await Self.withPeer(.echo, identity: \.expired) { peer, loop, context in
            let error = await Self.connectionError(peer, loop, context)
            guard case .tlsFailed(let text)? = error else {
                Issue.record("expected tlsFailed, got \(String(describing: error))")
                return
            }
            #expect(text.contains("certificate has expired"), "\(text)")
            #expect(text.contains("CN=localhost"), "\(text)")
        }
    }

    @Test func refusesACertificateForAnotherHost() async throws {
        try await Self.withPeer(.echo, identity: \.wrongHost) { peer, loop, context in
            let error = await Self.connectionError(peer, loop, context)
            #expect(
                error == .tlsFailed(TLSError.hostnameMismatch(expected: "127.0.0.1").description)
            )
        }
    }

    @Test func refusesACertificateFromAnUnknownAuthority() async throws {
        try await Self.withPeer(.echo, identity: \.otherCA) { peer, loop, context in
            let error = await Self.connectionError(peer, loop, context)
            let expected = TLSError.unknownAuthority(issuer: TLSTestCertificates.otherCAName)
            #expect(error == .tlsFailed(expected.description))
        }
    }

    @Test func namesAPlainHTTPServerOnAWSSURL() async throws {
        let noIdentity: @Sendable (TLSTestCertificates) -> TLSTestCertificates.Identity? = { _ in
            nil
        }
        try await Self.withPeer(.plainHTTP, identity: noIdentity) { peer, loop, context in
            let error = await Self.connectionError(peer, loop, context)
            guard case .tlsFailed(let text)? = error else {
                Issue.record("expected tlsFailed, got \(String(describing: error))")
                return
            }
            #expect(text.contains("plain text, not TLS"), "\(text)")
            #expect(text.contains("HTTP/1.1 400"), "\(text)")
        }
    }

    @Test func connectsToASelfSignedServerOnlyWithVerificationOff() async throws {
        try await Self.withPeer(.echo, identity: \.selfSigned) { peer, loop, context in
            let error = await Self.connectionError(peer, loop, context)
            guard case .tlsFailed? = error else {
                Issue.record("expected tlsFailed, got \(String(describing: error))")
                return
            }
        }
        try await Self.withPeer(.echo, identity: \.selfSigned, verifyPeer: false) {
            peer,
            loop,
            context in
            #expect(await Self.connectionError(peer, loop, context) == nil)
        }
    }

    @Test func serverCloseThenTCPDropWithoutCloseNotifyIsANormalClose() async throws {
        try await Self.withPeer(.closeThenDrop, identity: \.server) { peer, loop, context in
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("wss://127.0.0.1:\(peer.port)/"),
                configuration: WebSocketConfiguration(tls: context),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            let closure = try await delegate.closure()
            try await peer.process.waitForLine(containing: "DROPPED")
            #expect(
                closure
                    == WebSocketClosure(
                        code: .normalClosure,
                        reason: "bye",
                        wasClean: true,
                        error: nil
                    )
            )
        }
    }

    @Test func clientCloseAnsweredThenTCPDropWithoutCloseNotifyIsANormalClose() async throws {
        try await Self.withPeer(.answerCloseThenDrop, identity: \.server) {
            peer,
            loop,
            context in
            let ws = try await WebSocketConnection.connect(
                to: try WebSocketURL("wss://127.0.0.1:\(peer.port)/"),
                configuration: WebSocketConfiguration(tls: context),
                on: loop,
                logger: .disabled
            )
            let delegate = RecordingDelegate()
            await ws.start(on: delegate)
            ws.close(code: .normalClosure, reason: "client done")
            let closure = try await delegate.closure()
            #expect(closure.wasClean, "\(closure)")
            #expect(closure.error == nil, "\(closure)")
            #expect(closure.code == .normalClosure)
        }
    }

    @Test func handshakeTimeoutCoversASilentTLSServer() async throws {
        let loop = try EventLoop(name: "wss-test")
        defer { loop.shutdown() }
        let silent = SilentServer()
        let port = try await loop.submit { try silent.start(on: loop) }
        var configuration = WebSocketConfiguration(handshakeTimeout: .milliseconds(300))
        configuration.tls = try WebSocketConnection.systemDefaultTLSContext()
        let url = try WebSocketURL("wss://127.0.0.1:\(port)/")
        let settled = configuration
        _ = try await withTimeout(.seconds(10)) {
            await #expect(throws: WebSocketError.handshakeTimedOut) {
                _ = try await WebSocketConnection.connect(
                    to: url,
                    configuration: settled,
                    on: loop,
                    logger: .disabled
                )
            }
        }
        await loop.submit { silent.stop() }
    }
}

/// A TCP listener that accepts connections, holds them open and never says a word: a TLS
/// client waits for the ServerHello until its own timeout.
private final class SilentServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: both properties are touched only on the loop.
    private var listener: Listener?
    private var connections: [StreamConnection] = []

    func start(on loop: EventLoop) throws -> UInt16 {
        let listener = try Listener.tcp(host: "127.0.0.1", port: 0, on: loop)
        try listener.start { [self] connection in connections.append(connection) }
        self.listener = listener
        return listener.port ?? 0
    }

    func stop() {
        listener?.close()
        for connection in connections { connection.close() }
        connections = []
    }
}
