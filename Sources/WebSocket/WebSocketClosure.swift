// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// How a WebSocket connection ended; reported once per connection.
public struct WebSocketClosure: Hashable, Sendable, CustomStringConvertible {
    /// The code of the closing handshake: the peer's if the peer closed first, ours if we did
    /// (for a failure, the code we failed with). `noStatusReceived` (1005) when the close
    /// frame carried no code; `nil` when no close frame was exchanged at all (the TCP
    /// connection just ended, what browsers report as 1006).
    public var code: WebSocketCloseCode?
    /// The reason text of that close frame; empty when there was none.
    public var reason: String
    /// Whether both close frames were exchanged before the TCP connection ended.
    public var wasClean: Bool
    /// Why the connection failed, or `nil` for an orderly close by either side.
    public var error: WebSocketError?

    public init(code: WebSocketCloseCode?, reason: String, wasClean: Bool, error: WebSocketError?) {
        self.code = code
        self.reason = reason
        self.wasClean = wasClean
        self.error = error
    }

    public var description: String {
        var text = code.map { "code \($0)" } ?? "no close frame"
        if !reason.isEmpty { text += ", reason \"\(reason)\"" }
        text += wasClean ? ", clean" : ", not clean"
        if let error { text += ", error: \(error)" }
        return text
    }
}
