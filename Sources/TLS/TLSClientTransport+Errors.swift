// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import SocketIO

extension TLSClientTransport {
    /// OpenSSL reasons that mean the two sides share no protocol version.
    private static let versionReasons: Set<Int32> = [
        SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
        SSL_R_UNSUPPORTED_PROTOCOL,
        SSL_R_WRONG_SSL_VERSION,
        SSL_R_WRONG_VERSION_NUMBER,
        SSL_R_NO_PROTOCOLS_AVAILABLE,
        SSL_R_VERSION_TOO_LOW,
    ]

    /// Verification codes that mean the chain does not reach a trusted root.
    private static let unknownAuthorityCodes: Set<Int32> = [
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
        X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
    ]

    /// Turns a failed `SSL_do_handshake` into the most specific error, draining the queue.
    ///
    /// Order matters: a peer that sent non-TLS bytes is reported as such whatever OpenSSL
    /// made of them ("wrong version number", "packet length too long"); then a failed
    /// certificate check, which OpenSSL reports only as "certificate verify failed"; then
    /// version trouble; then OpenSSL's own text.
    func handshakeError(sslError: Int32) -> TLSError {
        let entries = drainOpenSSLErrors()
        let reasons = Set(entries.filter(\.isSSLReason).map(\.reason))
        if observations.peerSentNonTLS {
            observations.extendPreviewFromSocket()
            return .notTLS(received: observations.printablePreview)
        }
        if context.configuration.verifyPeer, let error = verificationError() {
            return error
        }
        switch sslError {
        case SSL_ERROR_SYSCALL:
            if observations.lastErrno != 0 {
                return .io(IOError(call: "SSL_connect", errno: observations.lastErrno))
            }
            return .unexpectedEOF(duringHandshake: true)
        case SSL_ERROR_ZERO_RETURN:
            return .handshakeFailed("the server sent close_notify during the handshake")
        case SSL_ERROR_SSL:
            if reasons.contains(SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                return .unexpectedEOF(duringHandshake: true)
            }
            if !reasons.isDisjoint(with: Self.versionReasons) {
                let floor = context.configuration.minimumVersion
                return .protocolVersion(
                    "we require \(floor) or later; " + describe(entries, call: "SSL_connect")
                )
            }
            return .handshakeFailed(describe(entries, call: "SSL_connect"))
        default:
            return .handshakeFailed(
                describe(entries, call: "SSL_connect (SSL_get_error \(sslError))")
            )
        }
    }

    /// The verification result mapped to its specific case, or nil if it passed.
    func verificationError() -> TLSError? {
        let result = SSL_get_verify_result(ssl)
        guard result != X509_V_OK else { return nil }
        let code = Int32(truncatingIfNeeded: result)
        let failure = observations.verifyFailure
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return .certificateExpired(subject: failure?.subject ?? "unknown")
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .hostnameMismatch(expected: serverHostname)
        case _ where Self.unknownAuthorityCodes.contains(code):
            return .unknownAuthority(issuer: failure?.issuer ?? "unknown")
        default:
            let reason = String(cString: X509_verify_cert_error_string(result))
            var detail = "\(reason) (X509 error \(code)"
            if let failure, failure.code == code {
                detail += " at depth \(failure.depth), subject \(failure.subject)"
            }
            return .certificateInvalid(reason: detail + ")")
        }
    }

    /// What a failed `SSL_read`/`SSL_write` on an established session means for the
    /// connection: wait for readiness, an orderly end, or an error (recorded as final).
    func outcomeOfTransfer(_ sslError: Int32, call: String) throws(TLSError) -> TransportResult {
        switch sslError {
        case SSL_ERROR_WANT_READ:
            return .wouldBlock(.readable)
        case SSL_ERROR_WANT_WRITE:
            return .wouldBlock(.writable)
        case SSL_ERROR_ZERO_RETURN:
            // close_notify: the orderly end of the server's data.
            _ = drainOpenSSLErrors()
            return .endOfStream
        case SSL_ERROR_SYSCALL:
            _ = drainOpenSSLErrors()
            if observations.lastErrno != 0 {
                throw fail(.io(IOError(call: call, errno: observations.lastErrno)))
            }
            throw fail(.unexpectedEOF(duringHandshake: false))
        case SSL_ERROR_SSL:
            let entries = drainOpenSSLErrors()
            if entries.contains(where: {
                $0.isSSLReason && $0.reason == SSL_R_UNEXPECTED_EOF_WHILE_READING
            }) {
                throw fail(.unexpectedEOF(duringHandshake: false))
            }
            throw fail(.sessionFailed(describe(entries, call: call)))
        default:
            let entries = drainOpenSSLErrors()
            throw fail(
                .sessionFailed(describe(entries, call: "\(call) (SSL_get_error \(sslError))"))
            )
        }
    }
}
