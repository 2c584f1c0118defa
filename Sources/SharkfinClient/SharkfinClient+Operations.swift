// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

// One typed method per WebSocket operation. Each throws `SharkfinError`: `.server(message:)`
// carries the server's error text (e.g. "permission denied: create_channel"); the other
// cases are described on `request(_:timeout:)`.

extension SharkfinClient {
    // MARK: Info and presence

    /// The `ping` operation: answered with a pong envelope. (Not the WebSocket ping frame,
    /// which the connection answers by itself.)
    public func ping() async throws(SharkfinError) {
        _ = try await call("ping")
    }

    /// The server's version string, e.g. `dev-6e44a7d`.
    public func version() async throws(SharkfinError) -> String {
        try await call("version", as: Version.self).version
    }

    /// The caller's permissions.
    public func capabilities() async throws(SharkfinError) -> Capabilities {
        try await call("capabilities", as: Capabilities.self)
    }

    /// Sets the caller's presence state; others get a `presence` push.
    public func setState(_ state: PresenceState) async throws(SharkfinError) {
        _ = try await call("set_state", ["state": .string(state.rawValue)])
    }

    /// Every identity, with online status (online means holding a `/presence` socket).
    public func userList() async throws(SharkfinError) -> [User] {
        try await call("user_list", as: UsersReply.self).users
    }

    // MARK: Channels

    /// Every channel visible to the caller, private ones included.
    public func channelList() async throws(SharkfinError) -> [Channel] {
        try await call("channel_list", as: ChannelsReply.self).channels
    }

    /// Creates a channel (needs `create_channel`) and returns its name.
    ///
    /// - Parameters:
    ///   - members: Usernames added at once, besides the caller.
    @discardableResult
    public func channelCreate(
        name: String,
        isPublic: Bool,
        members: [String] = []
    ) async throws(SharkfinError) -> String {
        var arguments: JSONObject = ["name": .string(name), "public": .bool(isPublic)]
        if !members.isEmpty {
            arguments["members"] = .array(members.map { .string($0) })
        }
        return try await call("channel_create", arguments, as: NameReply.self).name
    }

    /// Adds `username` to `channel` (needs `invite_channel`).
    public func channelInvite(channel: String, username: String) async throws(SharkfinError) {
        _ = try await call(
            "channel_invite",
            ["channel": .string(channel), "username": .string(username)]
        )
    }

    /// Joins `channel`; fails with `already a member` when the caller is one.
    public func channelJoin(_ channel: String) async throws(SharkfinError) {
        _ = try await call("channel_join", ["channel": .string(channel)])
    }

    // MARK: Messages

    /// Posts a message and returns its id. Every connected member, the caller included,
    /// gets a `message.new` push.
    ///
    /// - Parameters:
    ///   - threadID: The id of the message this one replies to.
    ///   - metadata: JSON *text* (the WebSocket path takes a string; the server refuses an
    ///     object with `invalid arguments`). REST takes an object instead.
    @discardableResult
    public func sendMessage(
        channel: String,
        body: String,
        threadID: Int64? = nil,
        metadata: String? = nil
    ) async throws(SharkfinError) -> Int64 {
        var arguments: JSONObject = ["channel": .string(channel), "body": .string(body)]
        if let threadID { arguments["thread_id"] = JSONValue(threadID) }
        if let metadata { arguments["metadata"] = .string(metadata) }
        return try await call("send_message", arguments, as: IDReply.self).id
    }

    /// A channel's messages in ascending id order.
    ///
    /// - Parameters:
    ///   - before: Only messages with smaller ids.
    ///   - after: Only messages with greater ids: pass the last id seen to fill a gap.
    ///   - limit: The newest this many (server default 50).
    ///   - threadID: Only replies in this thread.
    public func history(
        channel: String,
        before: Int64? = nil,
        after: Int64? = nil,
        limit: Int? = nil,
        threadID: Int64? = nil
    ) async throws(SharkfinError) -> [Message] {
        var arguments: JSONObject = ["channel": .string(channel)]
        if let before { arguments["before"] = JSONValue(before) }
        if let after { arguments["after"] = JSONValue(after) }
        if let limit { arguments["limit"] = JSONValue(limit) }
        if let threadID { arguments["thread_id"] = JSONValue(threadID) }
        return try await call("history", arguments, as: HistoryReply.self).messages
    }

    /// Unread messages (they carry no id).
    ///
    /// Without `mentionsOnly` or `threadID` this **advances the read cursor**: the
    /// messages returned are no longer unread afterwards.
    ///
    /// - Parameters:
    ///   - channel: One channel, or nil for all.
    public func unreadMessages(
        channel: String? = nil,
        mentionsOnly: Bool = false,
        threadID: Int64? = nil
    ) async throws(SharkfinError) -> [UnreadMessage] {
        var arguments = JSONObject()
        if let channel { arguments["channel"] = .string(channel) }
        if mentionsOnly { arguments["mentions_only"] = .bool(true) }
        if let threadID { arguments["thread_id"] = JSONValue(threadID) }
        return try await call("unread_messages", arguments, as: UnreadMessagesReply.self)
            .messages
    }

    /// Unread and mention counts per channel; channels with nothing unread are left out.
    public func unreadCounts() async throws(SharkfinError) -> [UnreadCount] {
        try await call("unread_counts", as: UnreadCountsReply.self).counts
    }

    /// Marks `channel` read up to `messageID`, or entirely when nil.
    public func markRead(channel: String, messageID: Int64? = nil) async throws(SharkfinError) {
        var arguments: JSONObject = ["channel": .string(channel)]
        if let messageID { arguments["message_id"] = JSONValue(messageID) }
        _ = try await call("mark_read", arguments)
    }

    // MARK: Direct messages

    /// The caller's DM channels, each with the other participant.
    public func dmList() async throws(SharkfinError) -> [DirectMessageChannel] {
        try await call("dm_list", as: DMListReply.self).dms
    }

    /// Opens (or finds) the DM channel with `username`.
    public func dmOpen(username: String) async throws(SharkfinError) -> DMOpenResult {
        try await call("dm_open", ["username": .string(username)], as: DMOpenResult.self)
    }

    // MARK: Settings

    /// Server settings (needs `manage_roles`).
    public func getSettings() async throws(SharkfinError) -> Settings {
        try await call("get_settings", as: Settings.self)
    }

    /// Sets one server setting (needs `manage_roles`).
    public func setSetting(key: String, value: String) async throws(SharkfinError) {
        _ = try await call("set_setting", ["key": .string(key), "value": .string(value)])
    }

    // MARK: Mention groups

    /// Creates a group; `@slug` then mentions its members. Returns id and slug.
    @discardableResult
    public func mentionGroupCreate(slug: String) async throws(SharkfinError) -> MentionGroup {
        try await call("mention_group_create", ["slug": .string(slug)], as: MentionGroup.self)
    }

    /// Deletes a group (creator only).
    public func mentionGroupDelete(slug: String) async throws(SharkfinError) {
        _ = try await call("mention_group_delete", ["slug": .string(slug)])
    }

    /// One group with its creator and members.
    public func mentionGroupGet(slug: String) async throws(SharkfinError) -> MentionGroup {
        try await call("mention_group_get", ["slug": .string(slug)], as: MentionGroup.self)
    }

    /// Every group.
    public func mentionGroupList() async throws(SharkfinError) -> [MentionGroup] {
        try await call("mention_group_list", as: MentionGroupsReply.self).groups
    }

    /// Adds `username` to a group (creator only).
    public func mentionGroupAddMember(
        slug: String,
        username: String
    ) async throws(SharkfinError) {
        _ = try await call(
            "mention_group_add_member",
            ["slug": .string(slug), "username": .string(username)]
        )
    }

    /// Removes `username` from a group (creator only).
    public func mentionGroupRemoveMember(
        slug: String,
        username: String
    ) async throws(SharkfinError) {
        _ = try await call(
            "mention_group_remove_member",
            ["slug": .string(slug), "username": .string(username)]
        )
    }
}
