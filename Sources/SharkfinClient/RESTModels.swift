// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON

/// The caller's identity as `POST /api/v1/auth/register` returns it.
public struct RegisteredIdentity: Codable, Sendable, Hashable {
    public var id: String
    public var username: String
    /// `user`, `agent` or `service`.
    public var type: String
    /// The role that decides permissions, e.g. `admin`, `user` or `bot`.
    public var role: String

    public init(id: String, username: String, type: String, role: String) {
        self.id = id
        self.username = username
        self.type = type
        self.role = role
    }
}

/// A channel as the REST API lists or creates it: like `Channel`, plus its numeric id.
public struct RESTChannel: Codable, Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var isPublic: Bool
    /// Whether the caller is a member; nil in the reply to `createChannel`, which omits it.
    public var isMember: Bool?

    public init(id: Int64, name: String, isPublic: Bool, isMember: Bool? = nil) {
        self.id = id
        self.name = name
        self.isPublic = isPublic
        self.isMember = isMember
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case isPublic = "public"
        case isMember = "member"
    }
}

/// A message as the REST API returns it.
///
/// Unlike the WebSocket path, REST takes `metadata` as a JSON object. The server is not
/// consistent in what it returns: `POST …/messages` echoes the object (or `null`), while
/// `GET …/messages` returns the stored JSON *text*. Both decode to `metadata` as parsed
/// JSON (normally `.object`); text that does not parse is kept as `.string`.
public struct RESTMessage: Sendable, Hashable {
    public var id: Int64
    /// The sender; nil in the reply to `sendMessage`, which omits it.
    public var from: String?
    public var body: String
    /// RFC 3339 UTC with second precision, as the server sent it.
    public var sentAt: String
    public var threadID: Int64?
    /// Application metadata; nil when the message has none.
    public var metadata: JSONValue?

    public init(
        id: Int64,
        from: String? = nil,
        body: String,
        sentAt: String,
        threadID: Int64? = nil,
        metadata: JSONValue? = nil
    ) {
        self.id = id
        self.from = from
        self.body = body
        self.sentAt = sentAt
        self.threadID = threadID
        self.metadata = metadata
    }

    /// `sentAt` as a date, or nil when the server's text is not RFC 3339.
    public var sentDate: Date? { RFC3339.date(from: sentAt) }
}

/// A webhook registered for the calling identity.
public struct Webhook: Codable, Sendable, Hashable {
    public var id: String
    public var url: String
    public var isActive: Bool

    public init(id: String, url: String, isActive: Bool) {
        self.id = id
        self.url = url
        self.isActive = isActive
    }

    enum CodingKeys: String, CodingKey {
        case id, url
        case isActive = "active"
    }
}
