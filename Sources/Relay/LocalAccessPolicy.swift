// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import SocketIO

/// Who may use one of the relay's local sockets, and for what.
///
/// The socket file's mode and group decide who can open the socket at all; this policy is
/// the second check, made on every accepted connection with the peer's credentials from
/// `SO_PEERCRED` (the kernel's record of who connected: it cannot be forged by the peer).
///
/// - Allow-lists: when ``allowedUIDs`` or ``allowedGIDs`` is non-empty, a peer is admitted
///   if its UID is listed or its primary GID is listed. Supplementary groups are not
///   consulted: `SO_PEERCRED` carries only the primary one (`SO_PEERGROUPS`, Linux 4.13,
///   would lift that). Both empty admits anyone who could open the socket.
/// - Root and the relay's own UID are always admitted: both can read the API key and
///   inspect the relay's memory anyway, so refusing them would protect nothing and only
///   lock the operator's own tools out.
/// - Read-only sockets (``isReadOnly``) forward only the operations in
///   ``readOnlyOperations`` and answer every other server operation with `relay.read_only`;
///   relay operations (`relay.*`) and events work as on the main socket.
public struct LocalAccessPolicy: Sendable, Hashable {
    /// Peers with one of these UIDs are admitted.
    public var allowedUIDs: Set<UInt32>
    /// Peers whose primary GID is one of these are admitted.
    public var allowedGIDs: Set<UInt32>
    /// Whether clients of this socket may only read (see ``readOnlyOperations``).
    public var isReadOnly: Bool
    /// The relay's own UID, always admitted; `getuid()` of the process by default.
    public var ownUID: UInt32

    /// No allow-lists, full access: anyone who can open the socket may do anything the API
    /// key may do.
    public static let unrestricted = LocalAccessPolicy()

    public init(
        allowedUIDs: Set<UInt32> = [],
        allowedGIDs: Set<UInt32> = [],
        isReadOnly: Bool = false,
        ownUID: UInt32 = getuid()
    ) {
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
        self.isReadOnly = isReadOnly
        self.ownUID = ownUID
    }

    /// Whether any allow-list is in force.
    public var restrictsPeers: Bool { !allowedUIDs.isEmpty || !allowedGIDs.isEmpty }

    /// Whether a peer with `credentials` may use the socket.
    ///
    /// Without credentials (impossible on a Unix socket, but checked) a peer is admitted
    /// only when no allow-list is in force: the check fails closed.
    public func admits(_ credentials: PeerCredentials?) -> Bool {
        guard restrictsPeers else { return true }
        guard let credentials else { return false }
        return credentials.uid == 0 || credentials.uid == ownUID
            || allowedUIDs.contains(credentials.uid) || allowedGIDs.contains(credentials.gid)
    }

    /// Whether a client of this socket may send a request of `type` to the server.
    public func permits(operation type: String) -> Bool {
        !isReadOnly || type.hasPrefix("relay.") || Self.readOnlyOperations.contains(type)
    }

    /// The Sharkfin operations a read-only client may use: those that change nothing on
    /// the server. Everything else is refused, unknown operations included (deny by
    /// default), and so is `unread_messages`, which advances the read cursor.
    public static let readOnlyOperations: Set<String> = [
        "ping", "version", "capabilities", "user_list", "channel_list", "history",
        "unread_counts", "dm_list", "get_settings", "mention_group_get", "mention_group_list",
    ]

    /// How logs name the socket's access: `full` or `read-only`.
    public var accessDescription: String { isReadOnly ? "read-only" : "full" }
}
