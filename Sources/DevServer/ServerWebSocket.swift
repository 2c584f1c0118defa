// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// What the hub needs of one accepted WebSocket. Loop-bound: every call happens on the
/// server's event loop.
///
/// A seam: `InterimWebSocket` implements it until the WebSocket target's server-side
/// `WebSocketConnection` lands, and an adapter over that will replace it without touching
/// the hub.
protocol ServerWebSocket: AnyObject {
    var delegate: (any ServerWebSocketDelegate)? { get set }
    /// Queues one text frame.
    func sendText(_ utf8: [UInt8])
    /// Queues an empty ping frame.
    func sendPing()
    /// Frames handed over but not yet fully written to the socket; the outbound limit
    /// counts these.
    var unwrittenFrameCount: Int { get }
    /// Ends the TCP connection at once with no close frame (what the server does when it
    /// drops a client or stops).
    func abort()
}

/// Hears what arrives on a `ServerWebSocket`; called on the loop.
protocol ServerWebSocketDelegate: AnyObject {
    func webSocket(_ socket: any ServerWebSocket, didReceiveText utf8: [UInt8])
    func webSocketDidReceivePong(_ socket: any ServerWebSocket)
    /// The connection is gone (close handshake done, TCP ended, or aborted); exactly once.
    func webSocketDidClose(_ socket: any ServerWebSocket)
}
