// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import COpenSSL
import SocketIO

/// Why a TLS context could not be built or a TLS connection failed.
///
/// Certificate problems come from the verification result, not from guessing at OpenSSL's
/// error text, so each has its own case with the facts an operator needs. Every other
/// OpenSSL failure carries the text of OpenSSL's error queue, which is always drained.
public enum TLSError: Error, Equatable, CustomStringConvertible {
    /// The server's certificate (or one in its chain, named by `subject`) has expired.
    case certificateExpired(subject: String)
    /// The certificate is valid but not for the host name or IP address we dialled.
    case hostnameMismatch(expected: String)
    /// The chain does not lead to a trusted root; `issuer` names the missing authority.
    case unknownAuthority(issuer: String)
    /// Any other verification failure, with OpenSSL's reason text, depth and subject.
    case certificateInvalid(reason: String)
    /// The peer answered with bytes that are not TLS, typically plain HTTP on a `wss://`
    /// URL or a wrong port; `received` is a printable preview of its first bytes.
    case notTLS(received: String)
    /// Any other handshake failure: OpenSSL's error queue text.
    case handshakeFailed(String)
    /// The server cannot speak our minimum version (or we cannot speak its).
    case protocolVersion(String)
    /// After the handshake, OpenSSL rejected what the server sent (a corrupt record, an
    /// unexpected message) or the server sent a fatal alert: the error queue's text.
    case sessionFailed(String)
    /// The TCP connection ended without a TLS `close_notify`: during the handshake, or
    /// later, where it may mean truncated data.
    case unexpectedEOF(duringHandshake: Bool)
    /// `TLSContext` or per-connection setup failed (bad CA file, bad host name, ...).
    case contextSetup(String)
    /// The socket underneath failed.
    case io(IOError)

    public var description: String {
        switch self {
        case .certificateExpired(let subject):
            "TLS: the server's certificate has expired (subject \(subject))"
        case .hostnameMismatch(let expected):
            "TLS: the server's certificate is not valid for \(expected)"
        case .unknownAuthority(let issuer):
            "TLS: the server's certificate comes from an authority we do not trust "
                + "(issuer \(issuer)); add that CA to the trust roots"
        case .certificateInvalid(let reason):
            "TLS: the server's certificate was rejected: \(reason)"
        case .notTLS(let received):
            "TLS: the server answered in plain text, not TLS (it sent \"\(received)\"); "
                + "is the URL ws:// rather than wss://, or the port wrong?"
        case .handshakeFailed(let detail):
            "TLS handshake failed: \(detail)"
        case .protocolVersion(let detail):
            "TLS: no protocol version acceptable to both sides: \(detail)"
        case .sessionFailed(let detail):
            "TLS session failed: \(detail)"
        case .unexpectedEOF(let duringHandshake):
            duringHandshake
                ? "TLS: the server closed the connection during the handshake"
                : "TLS: the connection ended without close_notify; data may be truncated"
        case .contextSetup(let detail):
            "TLS setup failed: \(detail)"
        case .io(let error):
            "TLS: \(error)"
        }
    }
}

/// One entry taken off OpenSSL's per-thread error queue.
struct OpenSSLErrorEntry: Equatable {
    var code: UInt
    /// `ERR_error_string_n` text plus any data OpenSSL attached (e.g. an alert number).
    var text: String

    var library: Int32 { ERR_GET_LIB(code) }
    var reason: Int32 { ERR_GET_REASON(code) }
    var isSSLReason: Bool { library == ERR_LIB_SSL }
}

/// Takes every entry off the calling thread's OpenSSL error queue, oldest first.
///
/// The queue is per thread and the loop thread serves many connections, so every failure
/// path drains it; otherwise an old entry would be blamed on the next connection.
func drainOpenSSLErrors() -> [OpenSSLErrorEntry] {
    var entries: [OpenSSLErrorEntry] = []
    while true {
        var data: UnsafePointer<CChar>?
        var flags: Int32 = 0
        let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
        if code == 0 { return entries }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        var text = String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
        if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
            text += " (\(String(cString: data)))"
        }
        entries.append(OpenSSLErrorEntry(code: code, text: text))
    }
}

/// The queue's text for an error message, with the failing call named when it is empty.
func describe(_ entries: [OpenSSLErrorEntry], call: String) -> String {
    if entries.isEmpty { return "\(call) failed with an empty OpenSSL error queue" }
    return "\(call): " + entries.map(\.text).joined(separator: "; ")
}

/// Drains the queue into a `contextSetup` error for `call`.
func contextSetupError(_ call: String) -> TLSError {
    .contextSetup(describe(drainOpenSSLErrors(), call: call))
}
