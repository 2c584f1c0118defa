// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A close status code (RFC 6455 §7.4) as carried in the first two bytes of a close frame.
///
/// A struct rather than an enum because the application ranges (3000-4999) are open.
public struct WebSocketCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection has been fulfilled.
    public static let normalClosure = WebSocketCloseCode(1000)
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    public static let goingAway = WebSocketCloseCode(1001)
    /// 1002: the peer broke the protocol.
    public static let protocolError = WebSocketCloseCode(1002)
    /// 1003: the endpoint cannot accept this kind of data.
    public static let unsupportedData = WebSocketCloseCode(1003)
    /// 1005: a close frame arrived without a code. Never sent on the wire.
    public static let noStatusReceived = WebSocketCloseCode(1005)
    /// 1006: the connection ended without a close frame. Never sent on the wire.
    public static let abnormalClosure = WebSocketCloseCode(1006)
    /// 1007: a text message (or close reason) was not valid UTF-8.
    public static let invalidFramePayloadData = WebSocketCloseCode(1007)
    /// 1008: a message broke the endpoint's policy.
    public static let policyViolation = WebSocketCloseCode(1008)
    /// 1009: a frame or message exceeded the endpoint's size limit.
    public static let messageTooBig = WebSocketCloseCode(1009)
    /// 1010: the client needed an extension the server did not negotiate.
    public static let mandatoryExtension = WebSocketCloseCode(1010)
    /// 1011: the server hit an unexpected condition.
    public static let internalServerError = WebSocketCloseCode(1011)
    /// 1015: the TLS handshake failed. Never sent on the wire.
    public static let tlsHandshakeFailure = WebSocketCloseCode(1015)

    /// Whether this code may appear in a close frame on the wire.
    ///
    /// Valid: 1000-1003 and 1007-1014 (RFC 6455 §7.4.1 plus the IANA registry's 1012 service
    /// restart, 1013 try again later and 1014 bad gateway), and 3000-4999 (registered and
    /// private use). Invalid, so a close frame carrying them fails the connection with 1002:
    /// below 1000, 1004 (reserved), 1005, 1006 and 1015 (local-only meanings), 1016-2999
    /// (reserved for the RFC and extensions, none assigned) and 5000 and above.
    public var isValidOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .normalClosure: "1000 normal closure"
        case .goingAway: "1001 going away"
        case .protocolError: "1002 protocol error"
        case .unsupportedData: "1003 unsupported data"
        case .noStatusReceived: "1005 no status received"
        case .abnormalClosure: "1006 abnormal closure"
        case .invalidFramePayloadData: "1007 invalid frame payload data"
        case .policyViolation: "1008 policy violation"
        case .messageTooBig: "1009 message too big"
        case .mandatoryExtension: "1010 mandatory extension"
        case .internalServerError: "1011 internal server error"
        case .tlsHandshakeFailure: "1015 TLS handshake failure"
        default: "\(rawValue)"
        }
    }
}
