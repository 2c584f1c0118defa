// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Everything `RelayServer` needs to know, set once at start.
public struct RelayConfiguration: Sendable {
    /// Where the local socket lives (for `relay.status` and logs; the caller binds it).
    public var socketPath: String
    /// The upstream WebSocket URL, e.g. `ws://127.0.0.1:16000/ws`. Shown to clients
    /// only with credentials and query removed (``displayURL``).
    public var upstreamURL: String
    /// The Sharkfin identity the API key belongs to, when the caller knows it; shown in
    /// `relay.hello` and `relay.status`.
    public var identity: String?
    /// Bounds and timeouts; see ``RelayLimits`` for each default.
    public var limits: RelayLimits
    /// The relay's version, reported in `relay.hello` and `relay.status`.
    public var relayVersion: String
    /// Whether messages the relay did not receive as pushes (sent during an outage, or
    /// posted through REST) are fetched with `history` and delivered marked `replayed`,
    /// and duplicates dropped; on by default. See docs/RESILIENCE.md.
    public var recoversMissedMessages: Bool

    public init(
        socketPath: String,
        upstreamURL: String,
        identity: String? = nil,
        limits: RelayLimits = RelayLimits(),
        relayVersion: String,
        recoversMissedMessages: Bool = true
    ) {
        self.recoversMissedMessages = recoversMissedMessages
        self.socketPath = socketPath
        self.upstreamURL = upstreamURL
        self.identity = identity
        self.limits = limits
        self.relayVersion = relayVersion
    }

    /// ``upstreamURL`` without user, password, query or fragment: safe to show anyone.
    public var displayURL: String {
        guard var components = URLComponents(string: upstreamURL) else { return "(invalid URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(invalid URL)"
    }
}
