// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

// The `d` objects of replies that wrap a list or a single value. Lists the server sends as
// `null` (or leaves out) decode as empty.

struct UsersReply: Decodable {
    var users: [User]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        users = try container.decodeList(User.self, forKey: .users)
    }

    enum CodingKeys: String, CodingKey { case users }
}

struct ChannelsReply: Decodable {
    var channels: [Channel]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channels = try container.decodeList(Channel.self, forKey: .channels)
    }

    enum CodingKeys: String, CodingKey { case channels }
}

struct NameReply: Decodable {
    var name: String
}

struct IDReply: Decodable {
    var id: Int64
}

struct HistoryReply: Decodable {
    var channel: String?
    var messages: [Message]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channel = try container.decodeIfPresent(String.self, forKey: .channel)
        messages = try container.decodeList(Message.self, forKey: .messages)
    }

    enum CodingKeys: String, CodingKey { case channel, messages }
}

struct UnreadMessagesReply: Decodable {
    var messages: [UnreadMessage]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messages = try container.decodeList(UnreadMessage.self, forKey: .messages)
    }

    enum CodingKeys: String, CodingKey { case messages }
}

struct UnreadCountsReply: Decodable {
    var counts: [UnreadCount]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        counts = try container.decodeList(UnreadCount.self, forKey: .counts)
    }

    enum CodingKeys: String, CodingKey { case counts }
}

struct DMListReply: Decodable {
    var dms: [DirectMessageChannel]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dms = try container.decodeList(DirectMessageChannel.self, forKey: .dms)
    }

    enum CodingKeys: String, CodingKey { case dms }
}

struct MentionGroupsReply: Decodable {
    var groups: [MentionGroup]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        groups = try container.decodeList(MentionGroup.self, forKey: .groups)
    }

    enum CodingKeys: String, CodingKey { case groups }
}
