// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TLS
import TestSupport

/// What a connection's delegate heard, in order.
enum ConnectionEvent: Sendable {
    case read([UInt8])
    case endOfStream
    case closed((any Error)?)
}

/// A delegate that turns every callback into an event on an `AsyncStream`, so a test can
/// await them with a timeout (stream iteration ends when the waiting task is cancelled).
final class RecordingDelegate: StreamConnectionDelegate, Sendable {
    let events: AsyncStream<ConnectionEvent>
    private let continuation: AsyncStream<ConnectionEvent>.Continuation

    init() {
        (events, continuation) = AsyncStream.makeStream()
    }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        continuation.yield(.read(Array(bytes)))
    }

    func connectionDidReadEndOfStream(_ connection: StreamConnection) {
        continuation.yield(.endOfStream)
        connection.close()
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        continuation.yield(.closed(error))
        continuation.finish()
    }

    /// Waits for `count` bytes and returns them (and no more than arrived).
    func bytes(count: Int, timeout: Duration = .seconds(20)) async throws -> [UInt8] {
        try await withTimeout(timeout, "\(count) bytes") { [events] in
            var received: [UInt8] = []
            for await event in events {
                switch event {
                case .read(let bytes):
                    received += bytes
                    if received.count >= count { return received }
                case .endOfStream, .closed:
                    return received
                }
            }
            return received
        }
    }

    /// Waits for the connection to close; returns what was read before, whether end of
    /// stream was seen, and the close error.
    func closure(timeout: Duration = .seconds(10)) async throws -> ClosedConnection {
        try await withTimeout(timeout, "connection close") { [events] in
            var result = ClosedConnection()
            for await event in events {
                switch event {
                case .read(let bytes): result.received += bytes
                case .endOfStream: result.sawEndOfStream = true
                case .closed(let error):
                    result.error = error
                    return result
                }
            }
            throw TestTimeout(what: "a close event (stream ended without one)")
        }
    }
}

/// How a connection ended.
struct ClosedConnection: Sendable {
    var received: [UInt8] = []
    var sawEndOfStream = false
    var error: (any Error)?

    var tlsError: TLSError? { error as? TLSError }
}

/// Lets a test look at the transport `TCPConnector` built.
final class TransportProbe: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `transport` is set once inside the transport
    // factory, before `TCPConnector.connect` returns (its return orders the write before
    // any later read), and then read only on the connection's loop thread.
    private var transport: TLSClientTransport?

    func set(_ transport: TLSClientTransport) { self.transport = transport }

    /// Handshake state and negotiated version, read on `loop`.
    func state(on loop: EventLoop) async -> (isComplete: Bool, version: String?) {
        await loop.submit { [self] in
            (transport?.isHandshakeComplete ?? false, transport?.negotiatedVersion)
        }
    }
}

/// A started TLS client connection to a test server.
struct TLSTestClient {
    let connection: StreamConnection
    let delegate: RecordingDelegate
    let probe: TransportProbe

    /// Connects to 127.0.0.1:`port` through `TCPConnector` with a `TLSClientTransport`
    /// for `serverHostname`, and starts the connection. With `request`, writes it at once,
    /// as a WebSocket client writes its upgrade request before the handshake is done.
    static func connect(
        port: UInt16,
        serverHostname: String = "localhost",
        configuration: TLSConfiguration,
        on loop: EventLoop,
        request: [UInt8]? = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8),
        logger: Logger = .disabled
    ) async throws -> TLSTestClient {
        let context = try TLSContext(configuration: configuration)
        let probe = TransportProbe()
        let makeTransport = TLSClientTransport.factory(
            context: context,
            serverHostname: serverHostname,
            logger: logger
        )
        let connection = try await TCPConnector.connect(
            host: "127.0.0.1",
            port: port,
            timeout: .seconds(5),
            on: loop
        ) { descriptor in
            let transport = try makeTransport(descriptor)
            if let transport = transport as? TLSClientTransport { probe.set(transport) }
            return transport
        }
        let delegate = RecordingDelegate()
        await loop.submit {
            connection.start(delegate: delegate)
            if let request { connection.write(request) }
        }
        return TLSTestClient(connection: connection, delegate: delegate, probe: probe)
    }
}

/// Runs `body` with fresh certificates and a loop, tearing both down afterwards.
func withTLSFixture(
    _ body: (TLSTestCertificates, EventLoop) async throws -> Void
) async throws {
    let certificates = try await TLSTestCertificates.generate()
    defer { certificates.remove() }
    let loop = try EventLoop(name: "tls-test")
    defer { loop.shutdown() }
    try await body(certificates, loop)
}

/// Starts a server for the duration of `body`.
func withServer(
    _ mode: TLSTestServer.Mode,
    identity: TLSTestCertificates.Identity?,
    certificates: TLSTestCertificates,
    _ body: (TLSTestServer) async throws -> Void
) async throws {
    let server = try await TLSTestServer.start(
        mode,
        identity: identity,
        in: certificates.directory
    )
    defer { server.stop() }
    try await body(server)
}
