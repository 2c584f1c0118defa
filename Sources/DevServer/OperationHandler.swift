// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// Runs one `/ws` operation whose envelope, restrictions and permission have been checked.
///
/// Each operation decodes its arguments as the server's handler does (see `GoArguments`),
/// calls the store, and builds the reply `d` in the server's key order.
struct OperationHandler {
    let session: SessionContext
    let data: JSONValue?
    let presence: PresenceLookup
    let now: Timestamp

    init(session: SessionContext, data: JSONValue?, presence: PresenceLookup, now: Timestamp) {
        self.session = session
        self.data = data
        self.presence = presence
        self.now = now
    }

    private var me: Identity { session.identity }

    mutating func run(_ type: String, store: inout ChatStore)
        throws(ChatError) -> ChatProtocol.Result
    {
        var args = GoArguments(data)
        switch type {
        case "capabilities":
            let permissions = store.identity(named: me.username)?.role.permissions ?? []
            return reply(["permissions": GoEncoding.list(permissions.map { .string($0.rawValue) })])

        case "set_state":
            // The server ignores decoding errors here; a bad `d` just fails the check.
            let state = args.string("state")
            guard state == "active" || state == "idle" else { throw .invalidState }
            return .reply(nil, .stateChanged(state))

        case "user_list":
            let users: [JSONValue] = store.identitiesByUsername.map { identity in
                let online = presence.isOnline(identity.username)
                var entry: JSONObject = [
                    "username": .string(identity.username), "online": .bool(online),
                    "type": .string(identity.type.rawValue),
                ]
                let state = online ? presence.state(identity.username) : ""
                if !state.isEmpty { entry["state"] = .string(state) }
                return .object(entry)
            }
            return reply(["users": GoEncoding.list(users)])

        case "channel_list":
            let channels: [JSONValue] = store.channelList(for: me.id).map { item in
                .object([
                    "name": .string(item.channel.name), "public": .bool(item.channel.isPublic),
                    "member": .bool(item.isMember),
                ])
            }
            return reply(["channels": GoEncoding.list(channels)])

        case "channel_create":
            let name = args.string("name")
            let isPublic = args.bool("public")
            let members = args.stringArray("members")
            try args.check()
            try store.createChannel(
                name: name,
                isPublic: isPublic,
                memberNames: members,
                creatorID: me.id
            )
            return reply(["name": .string(name)])

        case "channel_invite":
            let channel = args.string("channel")
            let username = args.string("username")
            try args.check()
            try store.invite(username: username, to: channel, by: me.id)
            return .reply(nil, nil)

        case "channel_join":
            let channel = args.string("channel")
            try args.check()
            try store.join(channel, identityID: me.id)
            return .reply(nil, nil)

        case "send_message":
            let channel = args.string("channel")
            let body = args.string("body")
            let threadID = args.int64("thread_id")
            let metadata = args.optionalString("metadata")
            try args.check()
            let sent = try store.sendMessage(
                channel: channel,
                body: body,
                threadID: threadID,
                metadata: metadata,
                sender: me,
                at: now
            )
            return .reply(
                ["id": JSONValue(sent.view.id)],
                .messageSent(sent, pointerRecipients: store.pointerRecipients(of: sent))
            )

        case "history":
            let channel = args.string("channel")
            let before = args.int64("before")
            let after = args.int64("after")
            let limit = args.int("limit")
            let threadID = args.int64("thread_id")
            try args.check()
            let page = try store.history(
                channel: channel,
                before: before,
                after: after,
                limit: limit,
                threadID: threadID,
                readerID: me.id
            )
            return reply([
                "channel": .string(channel),
                "messages": GoEncoding.list(page.map(GoEncoding.historyEntry)),
            ])

        case "unread_messages":
            // Decoding errors are ignored here too; an absent `d` means all channels.
            var lenient = data == nil ? GoArguments(.null) : args
            let channel = lenient.string("channel")
            let mentionsOnly = lenient.bool("mentions_only")
            let threadID = lenient.int64("thread_id")
            let unread = try store.unreadMessages(
                channel: channel.isEmpty ? nil : channel,
                mentionsOnly: mentionsOnly,
                threadID: threadID,
                readerID: me.id
            )
            return reply(["messages": GoEncoding.list(unread.map(GoEncoding.unreadEntry))])

        case "unread_counts":
            let counts: [JSONValue] = store.unreadCounts(readerID: me.id).map { count in
                .object([
                    "channel": .string(count.channel), "type": .string(count.kind.rawValue),
                    "unread_count": JSONValue(count.unreadCount),
                    "mention_count": JSONValue(count.mentionCount),
                ])
            }
            return reply(["counts": GoEncoding.list(counts)])

        case "mark_read":
            let channel = args.string("channel")
            let messageID = args.int64("message_id")
            try args.check()
            try store.markRead(channel: channel, messageID: messageID, readerID: me.id)
            return .reply(nil, nil)

        case "dm_list":
            let dms: [JSONValue] = store.dmList(for: me.id).map { dm in
                .object(["channel": .string(dm.channel), "participant": .string(dm.participant)])
            }
            return reply(["dms": GoEncoding.list(dms)])

        case "dm_open":
            let username = args.string("username")
            try args.check()
            let opened = try store.openDM(with: username, caller: me)
            // A Go map: keys sorted.
            return reply([
                "channel": .string(opened.channel), "created": .bool(opened.created),
                "participant": .string(username),
            ])

        case "get_settings":
            let sorted = store.settings.sorted {
                $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
            }
            let settings = JSONObject(sorted.map { ($0.key, JSONValue.string($0.value)) })
            return reply(["settings": .object(settings)])

        case "set_setting":
            let key = args.string("key")
            let value = args.string("value")
            try args.check()
            store.setSetting(key: key, value: value)
            return .reply(nil, nil)

        default:
            return try runMentionGroup(type, args: &args, store: &store)
        }
    }

    private mutating func runMentionGroup(
        _ type: String,
        args: inout GoArguments,
        store: inout ChatStore
    ) throws(ChatError) -> ChatProtocol.Result {
        switch type {
        case "mention_group_list":
            let groups = store.mentionGroupList.map(GoEncoding.mentionGroup)
            return reply(["groups": GoEncoding.list(groups)])
        case "mention_group_create":
            let slug = args.string("slug")
            try args.check()
            let id = try store.createMentionGroup(slug: slug, creatorID: me.id, at: now)
            return reply(["id": JSONValue(id), "slug": .string(slug)])
        case "mention_group_delete":
            let slug = args.string("slug")
            try args.check()
            try store.deleteMentionGroup(slug: slug, by: me.username)
            return .reply(nil, nil)
        case "mention_group_get":
            let slug = args.string("slug")
            try args.check()
            guard case .object(let group) = GoEncoding.mentionGroup(try store.mentionGroup(slug))
            else { return .reply(nil, nil) }
            return reply(group)
        case "mention_group_add_member", "mention_group_remove_member":
            let slug = args.string("slug")
            let username = args.string("username")
            try args.check()
            try store.changeMentionGroup(
                slug: slug,
                member: username,
                adding: type == "mention_group_add_member",
                by: me.username
            )
            return .reply(nil, nil)
        default:
            throw .unknownType(type)
        }
    }

    private func reply(_ data: JSONObject) -> ChatProtocol.Result {
        .reply(data, nil)
    }
}
