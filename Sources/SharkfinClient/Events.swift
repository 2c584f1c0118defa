// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// The payload of a `message.new` push.
///
/// The server sends it to every connected member of the channel, the sender's own
/// connection included. Messages posted over REST produce no push on `/ws`.
public struct MessageEvent: Codable, Sendable, Hashable {
    public var id: Int64
    public var channel: String
    /// `channel` or `dm`.
    public var channelType: String
    public var from: String
    public var body: String
    /// RFC 3339 UTC with second precision, as the server sent it.
    public var sentAt: String
    public var threadID: Int64?
    /// `[]` when the body mentions nobody.
    @NullableList public var mentions: [String]
    /// JSON text, exactly as it was sent.
    public var metadata: String?

    public init(
        id: Int64,
        channel: String,
        channelType: String,
        from: String,
        body: String,
        sentAt: String,
        threadID: Int64? = nil,
        mentions: [String] = [],
        metadata: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.channelType = channelType
        self.from = from
        self.body = body
        self.sentAt = sentAt
        self.threadID = threadID
        self.mentions = mentions
        self.metadata = metadata
    }

    /// `sentAt` as a date, or nil when the server's text is not RFC 3339.
    public var sentDate: Date? { RFC3339.date(from: sentAt) }

    /// Whether this message is in a direct-message channel.
    public var isDirectMessage: Bool { channelType == "dm" }

    enum CodingKeys: String, CodingKey {
        case id, channel
        case channelType = "channel_type"
        case from, body
        case sentAt = "sent_at"
        case threadID = "thread_id"
        case mentions, metadata
    }
}

/// The payload of a `presence` push: another user came online, went offline or changed
/// state. The server never tells a user about themselves.
public struct PresenceEvent: Codable, Sendable, Hashable {
    public var username: String
    /// `online` or `offline`.
    public var status: String
    /// `active` or `idle`; absent when the user went offline.
    public var state: String?

    public init(username: String, status: String, state: String? = nil) {
        self.username = username
        self.status = status
        self.state = state
    }

    /// Whether the user is now online.
    public var isOnline: Bool { status == "online" }
}
