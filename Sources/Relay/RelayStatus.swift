// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// A snapshot of the relay for `relay.status`, logs and systemd's `STATUS=` line.
public struct RelayStatus: Sendable, Equatable {
    /// The upstream URL without credentials or query.
    public var upstreamURL: String
    /// `starting`, `connecting`, `connected`, `reconnecting`, `unauthorized` or `stopped`.
    public var upstreamState: String
    /// When the current upstream session came up; `nil` while down.
    public var connectedSince: Date?
    /// The last connection failure or close reason; `nil` while connected.
    public var lastError: String?
    /// The connection attempt under way or next (1 for the first since the last healthy
    /// session); 0 while connected.
    public var reconnectAttempt: Int
    /// How long until the next attempt, while waiting for one.
    public var nextRetryIn: Duration?
    /// The `/presence` session's state (same names as ``upstreamState``); `nil` when the
    /// relay runs without it.
    public var presenceState: String?
    /// The Sharkfin identity the relay acts as, when known.
    public var identity: String?
    /// Local clients connected now.
    public var clientCount: Int
    /// Requests sent upstream and not yet answered.
    public var inFlight: Int
    /// Requests waiting for a slot or for the upstream.
    public var queued: Int
    /// The `seq` of the newest event.
    public var lastSeq: UInt64
    /// Running totals since start.
    public var counters: RelayCounters

    /// One line for systemd's `STATUS=`, e.g.
    /// `upstream reconnecting (attempt 3, next try in 4.2 s); 5 clients`,
    /// `upstream connected; 5 clients, 12 requests waiting`,
    /// `upstream unauthorized (API key refused, next try in 30 s); 0 clients`.
    public var summary: String {
        var upstream = "upstream \(upstreamState)"
        var details: [String] = []
        switch upstreamState {
        case "unauthorized": details.append("API key refused")
        case "connecting", "reconnecting": details.append("attempt \(reconnectAttempt)")
        default: break
        }
        if let nextRetryIn { details.append("next try in \(Self.seconds(nextRetryIn))") }
        if !details.isEmpty { upstream += " (\(details.joined(separator: ", ")))" }
        var local = "\(clientCount) client\(clientCount == 1 ? "" : "s")"
        if queued > 0 { local += ", \(queued) request\(queued == 1 ? "" : "s") waiting" }
        return "\(upstream); \(local)"
    }

    /// `4.2 s`: seconds with one decimal, for status lines and messages.
    static func seconds(_ duration: Duration) -> String {
        let tenths = (UpstreamLink.milliseconds(duration) + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }
}

/// Running totals since the relay started.
public struct RelayCounters: Sendable, Equatable {
    /// Local clients accepted.
    public var clientsAccepted: UInt64 = 0
    /// Local clients refused because `maxClients` were connected.
    public var clientsRefused: UInt64 = 0
    /// Clients disconnected for not reading (stalled or reply overflow).
    public var clientsDisconnectedSlow: UInt64 = 0
    /// Requests sent to the server.
    public var requestsForwarded: UInt64 = 0
    /// Requests answered by the relay itself (`relay.*`).
    public var relayOperations: UInt64 = 0
    /// Requests that ended in a relay error (timeout, queue full, upstream lost, …).
    public var requestsFailed: UInt64 = 0
    /// Replies that arrived after their client had gone, and were dropped.
    public var lateRepliesDropped: UInt64 = 0
    /// Lines rejected as malformed.
    public var badLines: UInt64 = 0
    /// Server pushes received.
    public var eventsReceived: UInt64 = 0
    /// Event lines written to clients (one per client per event).
    public var eventsDelivered: UInt64 = 0
    /// Event lines dropped because a client's queue was full.
    public var eventsDropped: UInt64 = 0
    /// `relay.lagged` notices sent.
    public var lagNotices: UInt64 = 0
    /// Upstream sessions opened.
    public var upstreamConnects: UInt64 = 0
    /// Messages found with `history` and delivered marked replayed.
    public var messagesRecovered: UInt64 = 0
    /// Requests the relay sent for itself (listings, `history` for gap fills).
    public var internalRequests: UInt64 = 0
    /// `history` pages the relay received for itself (baselines and fills).
    public var historyPages: UInt64 = 0

    public init() {}
}
