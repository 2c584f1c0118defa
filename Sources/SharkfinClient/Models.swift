// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

// The reply shapes of the WebSocket operations, decoded from what the server really sends
// (see upstream-transcript.txt): lists that are empty arrive as `null` and decode to `[]`,
// optional fields are absent rather than empty, and `sent_at` stays the server's text.

/// A channel as `channel_list` lists it.
public struct Channel: Codable, Sendable, Hashable {
    public var name: String
    public var isPublic: Bool
    /// Whether the caller is a member. Private channels are listed to non-members too.
    public var isMember: Bool

    public init(name: String, isPublic: Bool, isMember: Bool) {
        self.name = name
        self.isPublic = isPublic
        self.isMember = isMember
    }

    enum CodingKeys: String, CodingKey {
        case name
        case isPublic = "public"
        case isMember = "member"
    }
}

/// An identity as `user_list` lists it.
public struct User: Codable, Sendable, Hashable {
    public var username: String
    /// True only while the user holds a `/presence` connection; a `/ws` session alone
    /// leaves a user listed offline.
    public var isOnline: Bool
    /// `user`, `agent` or `service`, as the server names identity types.
    public var type: String
    /// `active` or `idle`; absent for users without a presence connection.
    public var state: String?

    public init(username: String, isOnline: Bool, type: String, state: String? = nil) {
        self.username = username
        self.isOnline = isOnline
        self.type = type
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case username
        case isOnline = "online"
        case type
        case state
    }
}

/// A stored message as `history` returns it.
///
/// `sentAt` keeps the server's RFC 3339 text (UTC, second precision) so nothing is lost
/// in a round trip; `sentDate` parses it.
public struct Message: Codable, Sendable, Hashable {
    /// Server-wide increasing id; `history(after:)` with the last seen id fills a gap.
    public var id: Int64
    public var from: String
    public var body: String
    public var sentAt: String
    /// The id of the message this one replies to.
    public var threadID: Int64?
    /// Usernames and mention-group slugs the body mentions; `[]` when none.
    @NullableList public var mentions: [String]
    /// Application metadata: JSON text, exactly as it was sent (a string, not an object).
    public var metadata: String?

    public init(
        id: Int64,
        from: String,
        body: String,
        sentAt: String,
        threadID: Int64? = nil,
        mentions: [String] = [],
        metadata: String? = nil
    ) {
        self.id = id
        self.from = from
        self.body = body
        self.sentAt = sentAt
        self.threadID = threadID
        self.mentions = mentions
        self.metadata = metadata
    }

    /// `sentAt` as a date, or nil when the server's text is not RFC 3339.
    public var sentDate: Date? { RFC3339.date(from: sentAt) }

    enum CodingKeys: String, CodingKey {
        case id, from, body
        case sentAt = "sent_at"
        case threadID = "thread_id"
        case mentions, metadata
    }
}

/// A message as `unread_messages` returns it: it names its channel but carries no id.
public struct UnreadMessage: Codable, Sendable, Hashable {
    public var channel: String
    public var from: String
    public var body: String
    public var sentAt: String
    public var threadID: Int64?
    @NullableList public var mentions: [String]
    /// JSON text, exactly as it was sent.
    public var metadata: String?

    public init(
        channel: String,
        from: String,
        body: String,
        sentAt: String,
        threadID: Int64? = nil,
        mentions: [String] = [],
        metadata: String? = nil
    ) {
        self.channel = channel
        self.from = from
        self.body = body
        self.sentAt = sentAt
        self.threadID = threadID
        self.mentions = mentions
        self.metadata = metadata
    }

    /// `sentAt` as a date, or nil when the server's text is not RFC 3339.
    public var sentDate: Date? { RFC3339.date(from: sentAt) }

    enum CodingKeys: String, CodingKey {
        case channel, from, body
        case sentAt = "sent_at"
        case threadID = "thread_id"
        case mentions, metadata
    }
}

/// One channel's entry in `unread_counts`; channels with nothing unread are left out.
public struct UnreadCount: Codable, Sendable, Hashable {
    public var channel: String
    /// `channel` or `dm`.
    public var type: String
    public var unreadCount: Int
    public var mentionCount: Int

    public init(channel: String, type: String, unreadCount: Int, mentionCount: Int) {
        self.channel = channel
        self.type = type
        self.unreadCount = unreadCount
        self.mentionCount = mentionCount
    }

    enum CodingKeys: String, CodingKey {
        case channel, type
        case unreadCount = "unread_count"
        case mentionCount = "mention_count"
    }
}

/// One entry of `dm_list`.
///
/// The server sends a single `participant` (the other user). The official Go client
/// declares `participants: [string]` for this type, which never decodes; we decode what
/// the server sends.
public struct DirectMessageChannel: Codable, Sendable, Hashable {
    public var channel: String
    public var participant: String

    public init(channel: String, participant: String) {
        self.channel = channel
        self.participant = participant
    }
}

/// The reply to `dm_open`.
public struct DMOpenResult: Codable, Sendable, Hashable {
    public var channel: String
    /// The other user.
    public var participant: String
    /// False when the DM channel already existed.
    public var created: Bool

    public init(channel: String, participant: String, created: Bool) {
        self.channel = channel
        self.participant = participant
        self.created = created
    }
}

/// A mention group: `@slug` in a message mentions its members.
public struct MentionGroup: Codable, Sendable, Hashable {
    public var id: Int64
    public var slug: String
    /// Absent in the reply to `mention_group_create`.
    public var createdBy: String?
    /// `[]` in the reply to `mention_group_create`.
    public var members: [String]
    /// RFC 3339 with fractional seconds; absent in the reply to `mention_group_create`.
    public var createdAt: String?

    public init(
        id: Int64,
        slug: String,
        createdBy: String? = nil,
        members: [String] = [],
        createdAt: String? = nil
    ) {
        self.id = id
        self.slug = slug
        self.createdBy = createdBy
        self.members = members
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, slug
        case createdBy = "created_by"
        case members
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        slug = try container.decode(String.self, forKey: .slug)
        createdBy = try container.decodeIfPresent(String.self, forKey: .createdBy)
        members = try container.decodeList(String.self, forKey: .members)
        createdAt = try container.decodeIfPresent(String.self, forKey: .createdAt)
    }
}

/// Server settings as `get_settings` returns them (key to value).
public struct Settings: Codable, Sendable, Hashable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(key: String) -> String? { values[key] }

    enum CodingKeys: String, CodingKey { case values = "settings" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        values = try container.decodeIfPresent([String: String].self, forKey: .values) ?? [:]
    }
}

/// The caller's permissions, as `capabilities` replies and the `capabilities` push sends.
public struct Capabilities: Codable, Sendable, Hashable {
    /// Permission names such as `send_message` or `manage_roles`.
    public var permissions: [String]

    public init(permissions: [String]) { self.permissions = permissions }

    /// Whether `permission` is granted.
    public func allows(_ permission: String) -> Bool { permissions.contains(permission) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        permissions = try container.decodeList(String.self, forKey: .permissions)
    }
}

/// The reply to `version`.
public struct Version: Codable, Sendable, Hashable {
    public var version: String

    public init(version: String) { self.version = version }
}

/// Presence states a client may set with `set_state`.
public enum PresenceState: String, Codable, Sendable, Hashable, CaseIterable {
    case active
    case idle
}

/// A list the server sends as `null`, or leaves out, when it is empty (a message's
/// `mentions`, a REST listing). Decodes both as `[]` and, like the server, leaves an empty
/// list out when encoding, so each message shape can use synthesized `Codable`.
@propertyWrapper
public struct NullableList<Element: Codable & Sendable & Hashable>: Codable, Sendable,
    Hashable
{
    public var wrappedValue: [Element]

    public init(wrappedValue: [Element]) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? [] : try container.decode([Element].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension KeyedDecodingContainer {
    /// An absent key is an empty list too (synthesized `Codable` calls this overload).
    func decode<Element>(
        _ type: NullableList<Element>.Type,
        forKey key: Key
    ) throws -> NullableList<Element> {
        try decodeIfPresent(type, forKey: key) ?? NullableList(wrappedValue: [])
    }
}

extension KeyedEncodingContainer {
    /// An empty list is left out, as the server leaves it out.
    mutating func encode<Element>(_ value: NullableList<Element>, forKey key: Key) throws {
        guard !value.wrappedValue.isEmpty else { return }
        try encode(value.wrappedValue, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// Decodes a list the server may send as `null` or leave out: both mean empty.
    func decodeList<Element: Decodable>(
        _ type: Element.Type,
        forKey key: Key
    ) throws -> [Element] {
        try decodeIfPresent([Element].self, forKey: key) ?? []
    }
}
