// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import TLS

/// Settings of one WebSocket connection.
public struct WebSocketConfiguration: Sendable {
    /// Extra header fields for the upgrade request, such as `Authorization`.
    public var headers: [HTTPHeaderField]
    /// Bounds name resolution plus TCP connect. Default 10 s.
    public var connectTimeout: Duration
    /// Bounds the upgrade exchange after TCP is up: for `wss://` the TLS handshake and the
    /// HTTP upgrade together. Default 10 s.
    public var handshakeTimeout: Duration
    /// Trust roots and verification for `wss://` URLs; unused for `ws://`.
    ///
    /// Build the context once and share it: loading the system trust store parses a few
    /// hundred certificates. `nil` uses ``WebSocketConnection/systemDefaultTLSContext()``:
    /// the system trust store, peer verification on, TLS 1.2 at least, built on first use.
    public var tls: TLSContext?
    /// The largest reassembled message accepted; beyond it the connection fails with 1009.
    /// Default 16 MiB: Sharkfin messages are small JSON objects, and 16 MiB is what
    /// Autobahn's largest cases (9.1.6, 9.2.6) send.
    public var maxMessageSize: Int
    /// The largest single frame accepted (1009 beyond); defaults to `maxMessageSize`.
    public var maxFrameSize: Int {
        get { frameSizeOverride ?? maxMessageSize }
        set { frameSizeOverride = newValue }
    }
    private var frameSizeOverride: Int?
    /// When set, we ping this often and fail the connection (`pongTimedOut`) if no pong
    /// arrives within `pongTimeout`. Default `nil`: the Sharkfin server pings us instead.
    public var pingInterval: Duration?
    /// How long a keepalive ping may go unanswered. Default 10 s.
    public var pongTimeout: Duration
    /// How long to wait for the closing handshake (the peer's close frame, and then for a
    /// client the server's TCP close) before closing TCP ourselves. Default 5 s.
    public var closeTimeout: Duration

    public init(
        headers: [HTTPHeaderField] = [],
        connectTimeout: Duration = .seconds(10),
        handshakeTimeout: Duration = .seconds(10),
        maxMessageSize: Int = 16 * 1024 * 1024,
        maxFrameSize: Int? = nil,
        pingInterval: Duration? = nil,
        pongTimeout: Duration = .seconds(10),
        closeTimeout: Duration = .seconds(5),
        tls: TLSContext? = nil
    ) {
        self.headers = headers
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.maxMessageSize = maxMessageSize
        self.frameSizeOverride = maxFrameSize
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.closeTimeout = closeTimeout
        self.tls = tls
    }
}

/// Receives what happens on a `WebSocketConnection`, always on the connection's loop.
///
/// The connection keeps its delegate alive until it has reported the closure.
public protocol WebSocketDelegate: AnyObject {
    /// A complete text message, already validated as UTF-8.
    func webSocket(_ webSocket: WebSocketConnection, didReceiveText utf8: [UInt8])
    /// A complete binary message.
    func webSocket(_ webSocket: WebSocketConnection, didReceiveBinary data: [UInt8])
    /// A pong arrived (answer to our ping, or unsolicited). Default: nothing.
    func webSocket(_ webSocket: WebSocketConnection, didReceivePong payload: [UInt8])
    /// A ping arrived; the pong has already been queued. Default: nothing.
    func webSocket(_ webSocket: WebSocketConnection, didReceivePing payload: [UInt8])
    /// The connection is over. Called exactly once, last.
    func webSocket(_ webSocket: WebSocketConnection, didCloseWith closure: WebSocketClosure)
}

extension WebSocketDelegate {
    public func webSocket(_ webSocket: WebSocketConnection, didReceivePong payload: [UInt8]) {}
    public func webSocket(_ webSocket: WebSocketConnection, didReceivePing payload: [UInt8]) {}
}
