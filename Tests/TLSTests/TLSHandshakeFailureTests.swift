// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import SocketIO
import TLS
import TestSupport
import Testing

/// Each failure reaches the connection's delegate as one specific `TLSError`, and the
/// connection never delivers a byte or reports a finished handshake.
@Suite struct TLSHandshakeFailureTests {
    /// Connects (writing a request first, as WebSocket does) and returns the error the
    /// connection closed with, after checking that nothing was read or established.
    private func failure(
        of mode: TLSTestServer.Mode,
        identity: (TLSTestCertificates) -> TLSTestCertificates.Identity?,
        serverHostname: String = "localhost",
        minimumVersion: TLSVersion = .tls12,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TLSError? {
        var result: TLSError?
        try await withTLSFixture { certificates, loop in
            try await withServer(mode, identity: identity(certificates), certificates: certificates)
            {
                server in
                let client = try await TLSTestClient.connect(
                    port: server.port,
                    serverHostname: serverHostname,
                    configuration: TLSConfiguration(
                        trustRoots: .caFile(certificates.caFile),
                        minimumVersion: minimumVersion
                    ),
                    on: loop
                )
                let closed = try await client.delegate.closure()
                #expect(closed.received.isEmpty, sourceLocation: sourceLocation)
                #expect(!closed.sawEndOfStream, sourceLocation: sourceLocation)
                #expect(
                    await client.probe.state(on: loop).isComplete == false,
                    sourceLocation: sourceLocation
                )
                #expect(closed.error is TLSError, "\(String(describing: closed.error))")
                result = closed.tlsError
            }
        }
        return result
    }

    @Test func expiredCertificateIsReportedAsExpired() async throws {
        let error = try await failure(of: .echo, identity: \.expired)
        #expect(error == .certificateExpired(subject: "CN=localhost"))
    }

    @Test func otherVerificationFailuresCarryOpenSSLsReasonAndTheCertificate() async throws {
        let error = try await failure(of: .echo, identity: \.notYetValid)
        #expect(
            error
                == .certificateInvalid(
                    reason: "certificate is not yet valid (X509 error 9 at depth 0, "
                        + "subject CN=localhost)"
                )
        )
    }

    @Test func certificateForAnotherHostIsAHostnameMismatch() async throws {
        let error = try await failure(of: .echo, identity: \.wrongHost)
        #expect(error == .hostnameMismatch(expected: "localhost"))
    }

    @Test func ipLiteralNotInTheCertificateIsAHostnameMismatch() async throws {
        let error = try await failure(
            of: .echo,
            identity: \.server,
            serverHostname: "127.0.0.2"
        )
        #expect(error == .hostnameMismatch(expected: "127.0.0.2"))
    }

    @Test func selfSignedCertificateIsAnUnknownAuthority() async throws {
        let error = try await failure(of: .echo, identity: \.selfSigned)
        #expect(error == .unknownAuthority(issuer: "CN=localhost"))
    }

    @Test func certificateFromAnUntrustedCAIsAnUnknownAuthority() async throws {
        let error = try await failure(of: .echo, identity: \.otherCA)
        #expect(error == .unknownAuthority(issuer: TLSTestCertificates.otherCAName))
    }

    @Test func plainHTTPServerIsReportedAsNotTLS() async throws {
        let error = try await failure(of: .plainHTTP, identity: { _ in nil })
        #expect(error == .notTLS(received: "HTTP/1.1 400 Bad Request"))
        #expect(error?.description.contains("wss://") == true)
    }

    @Test func tls11OnlyServerIsAProtocolVersionFailure() async throws {
        let error = try await failure(of: .tls11, identity: \.server)
        guard case .protocolVersion(let detail) = error else {
            Issue.record("expected protocolVersion, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("protocol version"))
    }

    @Test func tls12ServerIsRefusedWhenTLS13IsRequired() async throws {
        let error = try await failure(of: .tls12, identity: \.server, minimumVersion: .tls13)
        guard case .protocolVersion = error else {
            Issue.record("expected protocolVersion, got \(String(describing: error))")
            return
        }
    }

    @Test func serverClosingDuringTheHandshakeIsAnUnexpectedEOF() async throws {
        let error = try await failure(of: .closeAfterHello, identity: { _ in nil })
        #expect(error == .unexpectedEOF(duringHandshake: true))
    }

    @Test func missingCAFileFailsContextSetupWithOpenSSLText() async throws {
        #expect {
            _ = try TLSContext(
                configuration: TLSConfiguration(trustRoots: .caFile("/nonexistent/ca.pem"))
            )
        } throws: { error in
            guard case .contextSetup(let detail) = error as? TLSError else { return false }
            return detail.contains("/nonexistent/ca.pem") && detail.contains("error:")
        }
    }

    @Test func systemTrustStoreLoads() throws {
        _ = try TLSContext(configuration: TLSConfiguration())
    }
}
