// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Everything that can go wrong with a WebSocket, from the URL to the closing handshake.
public enum WebSocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The URL could not be parsed; the text says what is wrong with it.
    case invalidURL(String)
    /// The scheme is neither `ws` nor `wss`.
    case unsupportedScheme(String)
    /// The host name did not resolve.
    case resolutionFailed(host: String, message: String)
    /// No address of the host accepted the TCP connection.
    case connectFailed(host: String, port: UInt16, message: String)
    /// The TCP connection was not up within the configured connect timeout.
    case connectTimedOut
    /// The server did not complete the opening handshake within the handshake timeout.
    case handshakeTimedOut
    /// The server answered the upgrade with something other than 101.
    case handshakeRejected(status: Int, reason: String, body: String)
    /// TLS failed before the WebSocket opened (`wss://`): the server's certificate was
    /// refused (expired, wrong host name, unknown authority), the peer does not speak TLS,
    /// or the TLS setup failed. The text is the TLS layer's own (`TLSError.description`).
    case tlsFailed(String)
    /// The server's 101 answer (or a client's upgrade request) broke RFC 6455 §4.
    case handshakeInvalid(String)
    /// The peer broke the framing or closing rules; the connection was failed with 1002.
    case protocolViolation(String)
    /// A frame or message was larger than the configured limit; failed with 1009.
    case messageTooLarge(size: Int, limit: Int)
    /// A text message or close reason was not valid UTF-8; failed with 1007.
    case invalidUTF8
    /// Our ping went unanswered for the configured pong timeout.
    case pongTimedOut
    /// The TCP connection ended without a closing handshake.
    case connectionLost(String)
    /// The connection is already closed.
    case closed

    public var description: String {
        switch self {
        case .invalidURL(let detail): "invalid WebSocket URL: \(detail)"
        case .unsupportedScheme(let scheme):
            "unsupported URL scheme '\(scheme)': expected ws:// or wss://"
        case .tlsFailed(let detail): detail
        case .resolutionFailed(let host, let message): "cannot resolve \(host): \(message)"
        case .connectFailed(let host, let port, let message):
            "cannot connect to \(host):\(port): \(message)"
        case .connectTimedOut: "connect timed out"
        case .handshakeTimedOut: "opening handshake timed out"
        case .handshakeRejected(let status, let reason, let body):
            body.isEmpty
                ? "upgrade rejected: HTTP \(status) \(reason)"
                : "upgrade rejected: HTTP \(status) \(reason): \(body)"
        case .handshakeInvalid(let detail): "invalid opening handshake: \(detail)"
        case .protocolViolation(let detail): "protocol violation: \(detail)"
        case .messageTooLarge(let size, let limit):
            "message of \(size) bytes exceeds the limit of \(limit) bytes"
        case .invalidUTF8: "text is not valid UTF-8"
        case .pongTimedOut: "no pong within the pong timeout"
        case .connectionLost(let detail): "connection lost: \(detail)"
        case .closed: "the WebSocket is closed"
        }
    }

    /// The close code that fails the connection for this error, for the errors the frame
    /// parser and the protocol state machine produce.
    public var closeCode: WebSocketCloseCode {
        switch self {
        case .messageTooLarge: .messageTooBig
        case .invalidUTF8: .invalidFramePayloadData
        case .protocolViolation: .protocolError
        case .pongTimedOut, .connectionLost, .closed: .abnormalClosure
        case .invalidURL, .unsupportedScheme, .resolutionFailed, .connectFailed, .connectTimedOut,
            .handshakeTimedOut, .handshakeRejected, .handshakeInvalid, .tlsFailed:
            .abnormalClosure
        }
    }
}
