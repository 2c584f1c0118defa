// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import TestSupport
import Testing

@testable import SocketIO

/// A transport whose writes wait for the peer to speak first, as a TLS client's do during
/// its handshake: until a byte can be read, `write` answers `.wouldBlock(.readable)`.
private final class PeerFirstTransport: ByteStreamTransport, @unchecked Sendable {
    // Invariant for @unchecked Sendable: used on the connection's loop thread only; the
    // test reads `blockedWrites` through `loop.submit`.
    private let plain: PlainSocketTransport
    private var hasPeerSpoken = false
    private(set) var blockedWrites = 0

    init(descriptor: Int32) { plain = PlainSocketTransport(descriptor: descriptor) }

    var descriptor: Int32 { plain.descriptor }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> TransportResult {
        try plain.read(into: buffer)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws -> TransportResult {
        if !hasPeerSpoken {
            var byte: UInt8 = 0
            hasPeerSpoken = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT)) == 1
        }
        guard hasPeerSpoken else {
            blockedWrites += 1
            return .wouldBlock(.readable)
        }
        return try plain.write(bytes)
    }

    func shutdownOutput() { plain.shutdownOutput() }
    func close() { plain.close() }
}

private final class IgnoringDelegate: StreamConnectionDelegate {
    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {}
    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {}
}

@Suite struct WriteWaitingForReadabilityTests {
    @Test func aWriteWaitingForThePeerWaitsForReadabilityInsteadOfSpinning() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        var pair: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &pair) == 0)
        let peer = pair[1]
        defer { close(peer) }
        let transport = PeerFirstTransport(descriptor: pair[0])
        let connection = StreamConnection(
            transport: transport,
            loop: loop,
            remoteDescription: "pair"
        )
        await loop.submit {
            connection.start(delegate: IgnoringDelegate())
            // Paused reading must not stop a write that waits for readability.
            connection.pauseReading()
            connection.write(Array("request".utf8))
        }
        // Long enough for a loop spinning on writability to retry thousands of times.
        try await Task.sleep(for: .milliseconds(100))
        #expect(send(peer, "g", 1, 0) == 1)
        try await waitUntil("the request reaches the peer") {
            var buffer = [UInt8](repeating: 0, count: 16)
            return recv(peer, &buffer, 16, Int32(MSG_PEEK | MSG_DONTWAIT)) == 7
        }
        let attempts = await loop.submit { transport.blockedWrites }
        #expect(attempts <= 2)
        await loop.submit { connection.close() }
    }
}
