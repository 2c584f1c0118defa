// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// What kind of principal an identity is, as the auth server reports it.
public enum IdentityType: String, Sendable, Codable, CaseIterable {
    case user
    case agent
    case service
}

/// A built-in Sharkfin role; it decides an identity's permissions.
///
/// The first identity ever provisioned becomes `admin`; a `service` identity becomes `bot`;
/// every other identity takes the role named like its type (`user` or `agent`).
public enum Role: String, Sendable, Codable, CaseIterable {
    case admin
    case user
    case agent
    case bot

    /// The role's permissions, sorted by name as the `capabilities` reply lists them.
    ///
    /// These are the grants of the server's migrations: `user` and `agent` may do
    /// everything but `create_channel` and `manage_roles`; `bot` may create channels but
    /// not invite or manage roles.
    public var permissions: [Permission] {
        let all = Permission.allCases
        switch self {
        case .admin:
            return all
        case .user, .agent:
            return all.filter { $0 != .createChannel && $0 != .manageRoles }
        case .bot:
            return all.filter { $0 != .inviteChannel && $0 != .manageRoles }
        }
    }
}

/// A permission a role may hold; raw values are the wire names, cases in wire-name order.
public enum Permission: String, Sendable, Codable, CaseIterable {
    case channelList = "channel_list"
    case createChannel = "create_channel"
    case dmList = "dm_list"
    case dmOpen = "dm_open"
    case history = "history"
    case inviteChannel = "invite_channel"
    case joinChannel = "join_channel"
    case manageRoles = "manage_roles"
    case markRead = "mark_read"
    case sendMessage = "send_message"
    case unreadCounts = "unread_counts"
    case unreadMessages = "unread_messages"
    case userList = "user_list"
}

/// A provisioned identity: the server's own record of someone who has authenticated.
struct Identity: Sendable, Codable, Equatable {
    /// 32 lowercase hex digits, random, like the server's internal ids.
    var id: String
    var username: String
    var type: IdentityType
    var role: Role
}

/// Whether a channel is a named channel or a two-person direct-message channel.
enum ChannelKind: String, Sendable, Codable {
    case channel
    case dm
}

/// A channel and its members (identity ids, in the order they joined).
struct Channel: Sendable, Codable, Equatable {
    var id: Int64
    var name: String
    var isPublic: Bool
    var kind: ChannelKind
    var memberIDs: [String]
}

/// A stored message.
struct StoredMessage: Sendable, Codable, Equatable {
    var id: Int64
    var channelID: Int64
    var senderID: String
    var body: String
    var sentAt: Timestamp
    var threadID: Int64?
    /// Identities the message mentions (directly or through a group), in resolution order.
    var mentionIDs: [String]
    /// JSON text, kept verbatim; the WebSocket path carries it as a string.
    var metadata: String?
}

/// A mention group: `@slug` mentions every member.
struct MentionGroup: Sendable, Codable, Equatable {
    var id: Int64
    var slug: String
    var creatorID: String
    var memberIDs: [String]
    var createdAt: Timestamp
}

/// A per-identity webhook registration (stored and listed; the dev server never calls it).
struct Webhook: Sendable, Codable, Equatable {
    var id: String
    var identityID: String
    var url: String
    var isActive: Bool
}

/// A failed chat operation; `description` is the exact text of the error envelope.
///
/// Cases mirroring a database error produce text shaped like the real server's
/// (PostgreSQL's); clients must not match on that wording.
public enum ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidJSON
    case invalidArguments
    case unknownType(String)
    case permissionDenied(Permission)
    case notificationOnly
    case channelNotFound(String)
    case notParticipant
    case alreadyMember
    case userNotFound(String)
    case duplicateChannelName
    case duplicateChannelMember(context: String)
    case parentMessageNotFound(Int64)
    case parentInDifferentChannel
    case replyToReply
    case unknownMessageID(Int64)
    case channelRequired
    case usernameRequired
    case cannotOpenDMWithSelf
    case invalidState
    case invalidSlug
    case slugConflictsWithUsername(String)
    case mentionGroupNotFound(String)
    case duplicateMentionGroup
    case onlyCreatorCanDelete
    case onlyCreatorCanManage

    public var description: String {
        switch self {
        case .invalidJSON: "invalid JSON"
        case .invalidArguments: "invalid arguments"
        case .unknownType(let type): "unknown type: \(type)"
        case .permissionDenied(let permission): "permission denied: \(permission.rawValue)"
        case .notificationOnly: "notification-only connection"
        case .channelNotFound(let name): "channel not found: \(name)"
        case .notParticipant: "you are not a participant of this channel"
        case .alreadyMember: "already a member"
        case .userNotFound(let name): "user not found: \(name)"
        case .duplicateChannelName:
            "insert channel: ERROR: duplicate key value violates unique constraint "
                + "\"idx_channels_name\" (SQLSTATE 23505)"
        case .duplicateChannelMember(let context):
            "\(context): ERROR: duplicate key value violates unique constraint "
                + "\"channel_members_pkey\" (SQLSTATE 23505)"
        case .parentMessageNotFound(let id): "parent message not found: \(id)"
        case .parentInDifferentChannel: "parent message is in a different channel"
        case .replyToReply: "cannot reply to a reply (threads are 1 level deep)"
        case .unknownMessageID:
            "mark read: ERROR: insert or update on table \"read_cursors\" violates foreign "
                + "key constraint \"read_cursors_last_read_message_id_fkey\" (SQLSTATE 23503)"
        case .channelRequired: "channel is required"
        case .usernameRequired: "username is required"
        case .cannotOpenDMWithSelf: "cannot open DM with yourself"
        case .invalidState: "state must be 'active' or 'idle'"
        case .invalidSlug: "invalid slug: must match [a-zA-Z0-9_-]+"
        case .slugConflictsWithUsername(let slug): "slug conflicts with existing username: \(slug)"
        case .mentionGroupNotFound(let slug): "mention group not found: \(slug)"
        case .duplicateMentionGroup:
            "create mention group: ERROR: duplicate key value violates unique constraint "
                + "\"mention_groups_slug_key\" (SQLSTATE 23505)"
        case .onlyCreatorCanDelete: "only the group creator can delete it"
        case .onlyCreatorCanManage: "only the group creator can manage members"
        }
    }
}
