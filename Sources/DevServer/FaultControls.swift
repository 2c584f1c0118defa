// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// How a dev server turns connections away while a refusal fault is on.
public enum ConnectionRefusal: String, Sendable, CaseIterable {
    /// Serve normally.
    case none
    /// Close each new TCP connection right after accepting it.
    case closeAfterAccept = "close"
    /// Answer every HTTP request with `503 Service Unavailable`.
    case serviceUnavailable = "503"
}

/// Fault injection on a running `DevServer`, for tests of reconnects and timeouts.
///
/// The same controls are reachable over HTTP at `POST /_dev/faults` when the server runs
/// with `enablesFaultControl` (`--fault-control`).
public final class FaultControls: Sendable {
    private let server: DevServer

    init(server: DevServer) {
        self.server = server
    }

    /// Drops the WebSocket connections of `user` (all users when `nil`) without a close
    /// frame; clients see the TCP connection end (1006).
    public func dropConnections(user: String? = nil) async throws {
        let core = try server.requireCore()
        let box = LoopBound(value: core)
        await core.loop.submit { box.value.dropAll(user: user) }
    }

    /// While on, replies to `/ws` requests are held back (pushes still flow); turning it
    /// off sends the held replies in order.
    public func stallReplies(_ stalled: Bool) async throws {
        let core = try server.requireCore()
        let box = LoopBound(value: core)
        await core.loop.submit { box.value.setStallsReplies(stalled) }
    }

    /// Refuses new connections as `refusal` says until set back to `.none`. Connections
    /// already open are not affected.
    public func refuseConnections(_ refusal: ConnectionRefusal) async throws {
        let core = try server.requireCore()
        let box = LoopBound(value: core)
        await core.loop.submit { box.value.refusal = refusal }
    }

    /// Drops every connection without close frames and serves new ones afresh on the same
    /// port, keeping all chat data (the listening socket stays open, so the port is never
    /// free for another process to take).
    public func restart() async throws {
        let core = try server.requireCore()
        let box = LoopBound(value: core)
        try await core.loop.submit { () throws -> Void in try box.value.restart() }
    }
}
