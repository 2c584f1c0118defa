// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import Glibc
import Testing

@testable import TLS

/// Host name handling and error reporting that need no server.
@Suite struct TLSTransportSetupTests {
    @Test(arguments: [
        ("localhost", "localhost"),
        ("example.com.", "example.com"),
        ("[::1]", "::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("127.0.0.1", "127.0.0.1"),
    ])
    func hostNamesAreNormalisedForSNIAndVerification(input: String, expected: String) {
        #expect(TLSClientTransport.normalized(input) == expected)
    }

    @Test func ipLiteralsAreRecognisedAndDNSNamesAreNot() {
        #expect(TLSClientTransport.isIPLiteral("127.0.0.1"))
        #expect(TLSClientTransport.isIPLiteral("::1"))
        #expect(TLSClientTransport.isIPLiteral("2001:db8::1"))
        #expect(!TLSClientTransport.isIPLiteral("localhost"))
        #expect(!TLSClientTransport.isIPLiteral("1.2.3.example"))
        #expect(!TLSClientTransport.isIPLiteral("256.1.1.1"))
    }

    @Test func previewOfANonTLSAnswerIsOnePrintableLine() {
        let observations = ConnectionObservations(descriptor: -1)
        Array("SSH-2.0-Open\u{1}SSH\r\nmore".utf8).withUnsafeBytes {
            observations.noteReceived($0)
        }
        #expect(observations.peerSentNonTLS)
        #expect(observations.printablePreview == "SSH-2.0-Open\\x01SSH")
    }

    @Test func aTLSRecordHeaderIsNotMistakenForPlainText() {
        let observations = ConnectionObservations(descriptor: -1)
        [UInt8]([22, 3, 3, 0, 42]).withUnsafeBytes { observations.noteReceived($0) }
        #expect(!observations.peerSentNonTLS)
    }

    @Test func previewKeepsOnlyTheFirstBytes() {
        let observations = ConnectionObservations(descriptor: -1)
        let long = [UInt8](repeating: 0x41, count: 200)
        long.withUnsafeBytes { observations.noteReceived($0) }
        long.withUnsafeBytes { observations.noteReceived($0) }
        #expect(observations.printablePreview.count == ConnectionObservations.previewLimit)
    }

    @Test func anEmptyHostNameIsRefusedAndTheDescriptorStaysTheCallers() throws {
        let context = try TLSContext(configuration: TLSConfiguration())
        var pair: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        #expect(throws: TLSError.self) {
            _ = try TLSClientTransport(descriptor: pair[0], context: context, serverHostname: "")
        }
        // Still open, so still ours to close.
        #expect(fcntl(pair[0], F_GETFD) != -1)
    }

    @Test func drainingLeavesTheErrorQueueEmpty() {
        // A null method makes OpenSSL queue an error.
        #expect(SSL_CTX_new(nil) == nil)
        let entries = drainOpenSSLErrors()
        #expect(!entries.isEmpty)
        #expect(ERR_peek_error() == 0)
        #expect(describe(entries, call: "SSL_CTX_new").hasPrefix("SSL_CTX_new: error:"))
    }

    @Test func errorDescriptionsNameTheProblemAndTheFacts() {
        #expect(
            TLSError.certificateExpired(subject: "CN=a").description.contains("expired")
        )
        #expect(
            TLSError.hostnameMismatch(expected: "relay.example").description
                .contains("relay.example")
        )
        #expect(TLSError.unknownAuthority(issuer: "CN=x").description.contains("CN=x"))
        #expect(
            TLSError.unexpectedEOF(duringHandshake: false).description.contains("truncated")
        )
    }
}
