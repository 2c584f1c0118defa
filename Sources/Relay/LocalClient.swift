// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import SocketIO

/// One local client connection: its line framer, subscription and output policy.
///
/// Loop-bound like its connection. It forwards what happens on the socket to the server,
/// which owns all relay state; holding the server weakly keeps the connection (which
/// retains its delegate while open) from keeping the server alive.
final class LocalClient: StreamConnectionDelegate {
    let id: ClientID
    let connection: StreamConnection
    weak var server: RelayServer?

    var framer: LineFramer
    var output: ClientOutputPolicy
    /// What events the client wants; `nil` after `relay.unsubscribe`.
    var subscription: SubscriptionFilter? = .everything
    /// Requests accepted from this client and not yet answered.
    var outstandingRequests = 0
    /// The client finished sending; close once its outstanding requests are answered.
    var hasReadEndOfStream = false
    /// A final notice was written; nothing more goes out.
    var isClosing = false
    /// The policy of the socket the client came through (read-only or full).
    var access = LocalAccessPolicy.unrestricted

    init(connection: StreamConnection, server: RelayServer, limits: RelayLimits) {
        self.id = ClientID(raw: connection.id)
        self.connection = connection
        self.server = server
        self.framer = LineFramer(maxLineBytes: limits.maxLineBytes)
        self.output = ClientOutputPolicy(
            eventQueueLimit: limits.clientEventQueueBytes,
            replyQueueLimit: limits.clientReplyQueueBytes,
            stallTimeout: limits.stallTimeout,
            now: .now
        )
    }

    /// Whether `event` goes to this client: relay notices always, server events when the
    /// subscription matches.
    func wants(_ event: RelayEvent) -> Bool {
        if event.type.hasPrefix("relay.") { return true }
        return subscription?.matches(type: event.type, channel: event.channel) ?? false
    }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        server?.client(self, didRead: bytes)
    }

    func connectionDidReadEndOfStream(_ connection: StreamConnection) {
        server?.clientDidReadEndOfStream(self)
    }

    func connectionDidDrainOutput(_ connection: StreamConnection) {
        server?.clientDidDrainOutput(self)
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        server?.client(self, didCloseWith: error)
    }
}
