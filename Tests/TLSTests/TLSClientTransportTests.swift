// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TLS
import TestSupport
import Testing

/// Successful sessions against a real TLS server, driven through `StreamConnection`.
@Suite struct TLSClientTransportTests {
    @Test func echoesALargePayloadOverAVerifiedSession() async throws {
        try await withTLSFixture { certificates, loop in
            try await withServer(.echo, identity: certificates.server, certificates: certificates) {
                server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    configuration: TLSConfiguration(trustRoots: .caFile(certificates.caFile)),
                    on: loop,
                    request: nil
                )
                // Larger than both socket buffers, so SSL_write meets a full socket and
                // answers WANT_WRITE while the server is still echoing.
                let payload = (0..<4_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
                await loop.submit { client.connection.write(payload) }
                let echoed = try await client.delegate.bytes(count: payload.count)
                #expect(echoed.count == payload.count)
                #expect(echoed == payload)
                let state = await client.probe.state(on: loop)
                #expect(state.isComplete)
                #expect(state.version == "TLSv1.3")
                await loop.submit { client.connection.close() }
                let closed = try await client.delegate.closure()
                #expect(closed.error == nil)
            }
        }
    }

    @Test func handshakeCompletesWithoutAnyWriteFromTheClient() async throws {
        // The server speaks first: only the ClientHello sent by init can start things.
        try await withTLSFixture { certificates, loop in
            try await withServer(.greet, identity: certificates.server, certificates: certificates)
            {
                server in
                let logs = MemoryLogHandler()
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    configuration: TLSConfiguration(trustRoots: .caFile(certificates.caFile)),
                    on: loop,
                    request: nil,
                    logger: Logger(label: "test", level: .debug, handler: logs)
                )
                #expect(try await client.delegate.bytes(count: 6) == Array("hello\n".utf8))
                let completed = try #require(
                    logs.entries(withMessage: "TLS handshake completed").first
                )
                #expect(completed.level == .debug)
                #expect(completed.metadata["tls.server_name"] == "localhost")
                #expect(completed.metadata["tls.version"] == "TLSv1.3")
                #expect(completed.metadata["tls.verified"] == "true")
                await loop.submit { client.connection.close() }
            }
        }
    }

    @Test func verifiesAnIPAddressLiteralAgainstTheCertificatesIPAddresses() async throws {
        try await withTLSFixture { certificates, loop in
            try await withServer(.echo, identity: certificates.server, certificates: certificates) {
                server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    serverHostname: "127.0.0.1",
                    configuration: TLSConfiguration(trustRoots: .caFile(certificates.caFile)),
                    on: loop,
                    request: Array("ping".utf8)
                )
                #expect(try await client.delegate.bytes(count: 4) == Array("ping".utf8))
                await loop.submit { client.connection.close() }
            }
        }
    }

    @Test func tls12IsAcceptedAtTheDefaultMinimum() async throws {
        try await withTLSFixture { certificates, loop in
            try await withServer(.tls12, identity: certificates.server, certificates: certificates)
            {
                server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    configuration: TLSConfiguration(trustRoots: .caFile(certificates.caFile)),
                    on: loop,
                    request: Array("ping".utf8)
                )
                #expect(try await client.delegate.bytes(count: 4) == Array("ping".utf8))
                #expect(await client.probe.state(on: loop).version == "TLSv1.2")
                await loop.submit { client.connection.close() }
            }
        }
    }

    @Test func insecureModeConnectsToASelfSignedServer() async throws {
        try await withTLSFixture { certificates, loop in
            try await withServer(
                .echo,
                identity: certificates.selfSigned,
                certificates: certificates
            ) { server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    serverHostname: "wrong.example",
                    configuration: TLSConfiguration(
                        trustRoots: .caFile(certificates.caFile),
                        verifyPeer: false
                    ),
                    on: loop,
                    request: Array("ping".utf8)
                )
                #expect(try await client.delegate.bytes(count: 4) == Array("ping".utf8))
                await loop.submit { client.connection.close() }
            }
        }
    }

    @Test func shutdownOutputSendsCloseNotifyAndTheServersReplyEndsTheStream() async throws {
        try await withTLSFixture { certificates, loop in
            try await withServer(.echo, identity: certificates.server, certificates: certificates) {
                server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    configuration: TLSConfiguration(trustRoots: .caFile(certificates.caFile)),
                    on: loop,
                    request: Array("last words".utf8)
                )
                _ = try await client.delegate.bytes(count: 10)
                await loop.submit { client.connection.shutdownOutputAfterFlushing() }
                let closed = try await client.delegate.closure()
                #expect(closed.sawEndOfStream)
                #expect(closed.error == nil)
            }
        }
    }

    @Test func aServerThatDropsTheSocketWithoutCloseNotifyIsAnError() async throws {
        try await withTLSFixture { certificates, loop in
            try await withServer(
                .truncate,
                identity: certificates.server,
                certificates: certificates
            ) { server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    configuration: TLSConfiguration(trustRoots: .caFile(certificates.caFile)),
                    on: loop,
                    request: Array("ping".utf8)
                )
                let closed = try await client.delegate.closure()
                #expect(closed.received == Array("ping".utf8))
                #expect(!closed.sawEndOfStream)
                #expect(closed.tlsError == .unexpectedEOF(duringHandshake: false))
            }
        }
    }
}
