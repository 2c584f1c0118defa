// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Everything that can go wrong talking to a Sharkfin server, over WebSocket or REST.
public enum SharkfinError: Error, CustomStringConvertible {
    /// No session is open: before `connect()`, or while reconnecting.
    case notConnected
    /// No reply came within the request's timeout. The server may still act on it.
    case timedOut(after: Duration)
    /// The caller cancelled the request (Task cancellation or `SharkfinSession.cancel`).
    case cancelled
    /// The client was closed by its owner; it cannot be used again.
    case closed
    /// The connection ended while the request was in flight. When `outcomeUnknown` is
    /// true the request had been written, so the server may or may not have done it.
    case connectionLost(outcomeUnknown: Bool)
    /// The server refused the credentials (HTTP 401 on the WebSocket upgrade). `body` is
    /// the response body, e.g. `{"error":"auth: invalid token"}`.
    case unauthorized(body: String)
    /// The server answered with an error envelope. `message` is the server's text; database
    /// errors arrive as raw backend text, so do not match on the wording.
    case server(message: String)
    /// A REST call answered with a status of 400 or more; `body` is the plain-text body,
    /// trailing newline removed.
    case http(status: Int, body: String)
    /// The server's answer could not be understood (not JSON, wrong shape).
    case invalidResponse(reason: String)
    /// The network failed: name resolution, connect, TLS, an HTTP upgrade other than 101
    /// or 401, or a URLSession error.
    case transport(any Error)

    public var description: String {
        switch self {
        case .notConnected: "not connected to the Sharkfin server"
        case .timedOut(let after): "no reply within \(after)"
        case .cancelled: "request cancelled"
        case .closed: "client closed"
        case .connectionLost(let outcomeUnknown):
            outcomeUnknown
                ? "connection lost after the request was sent (outcome unknown)"
                : "connection lost before the request was sent"
        case .unauthorized(let body): "unauthorized (HTTP 401): \(body)"
        case .server(let message): "server error: \(message)"
        case .http(let status, let body): "HTTP \(status): \(body)"
        case .invalidResponse(let reason): "invalid response: \(reason)"
        case .transport(let error): "transport error: \(error)"
        }
    }

    /// The HTTP status of a REST failure, or 401 for a refused WebSocket upgrade.
    public var httpStatus: Int? {
        switch self {
        case .http(let status, _): status
        case .unauthorized: 401
        default: nil
        }
    }

    /// HTTP 400: the request was malformed (e.g. an empty message body).
    public var isBadRequest: Bool { httpStatus == 400 }
    /// HTTP 401 over REST or on the WebSocket upgrade: the credentials were refused.
    public var isUnauthorized: Bool { httpStatus == 401 }
    /// HTTP 404: no such channel or webhook.
    public var isNotFound: Bool { httpStatus == 404 }
    /// HTTP 409.
    public var isConflict: Bool { httpStatus == 409 }

    /// The server's text of an error envelope.
    public var serverMessage: String? {
        if case .server(let message) = self { return message }
        return nil
    }

    /// Whether retrying the same request later could succeed without changing it:
    /// timeouts, lost connections and transport failures.
    public var isTransient: Bool {
        switch self {
        case .notConnected, .timedOut, .connectionLost, .transport: true
        case .cancelled, .closed, .unauthorized, .server, .http, .invalidResponse: false
        }
    }
}
