// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A message as a reader sees it: the stored message with names resolved.
struct MessageView: Sendable, Equatable {
    var id: Int64
    var channel: String
    var channelKind: ChannelKind
    var from: String
    var body: String
    var sentAt: Timestamp
    var threadID: Int64?
    /// Usernames of the mentioned identities (group mentions appear as their members).
    var mentions: [String]
    var metadata: String?
}

/// What `send_message` stored, with what its pushes need.
struct SentMessage: Sendable, Equatable {
    var view: MessageView
    var channelID: Int64
    /// The `mentions` of the `message.new` push: usernames mentioned directly, then the
    /// slugs of mentioned groups that have members (not their members' names).
    var pushMentions: [String]
}

/// One line of `unread_counts`.
struct UnreadCount: Sendable, Equatable {
    var channel: String
    var kind: ChannelKind
    var unreadCount: Int
    var mentionCount: Int
}

extension ChatStore {
    /// The history page limit the server's store enforces: anything outside 1...100
    /// becomes 50, so `GET .../messages?limit=150` yields 50 messages, as on the server.
    static func effectiveLimit(_ limit: Int) -> Int {
        (limit <= 0 || limit > 100) ? 50 : limit
    }

    /// Stores a message.
    ///
    /// - Parameters:
    ///   - resolvingMentions: whether to parse `@name` mentions (the WebSocket path does,
    ///     the REST path does not).
    ///   - requireMembership: whether the sender must be a member (WebSocket only).
    /// - Throws: `notParticipant`, or the thread errors of the server's store.
    mutating func sendMessage(
        channel channelName: String,
        body: String,
        threadID: Int64?,
        metadata: String?,
        sender: Identity,
        at time: Timestamp,
        resolvingMentions: Bool = true,
        requireMembership: Bool = true
    ) throws(ChatError) -> SentMessage {
        let channel = try requireChannel(channelName)
        if requireMembership, !isMember(sender.id, of: channel) { throw .notParticipant }
        let (mentionIDs, pushMentions) = resolvingMentions ? resolveMentions(in: body) : ([], [])
        if let threadID {
            guard let parent = messages.first(where: { $0.id == threadID }) else {
                throw .parentMessageNotFound(threadID)
            }
            guard parent.channelID == channel.id else { throw .parentInDifferentChannel }
            guard parent.threadID == nil else { throw .replyToReply }
        }
        let message = StoredMessage(
            id: allocateMessageID(),
            channelID: channel.id,
            senderID: sender.id,
            body: body,
            sentAt: time,
            threadID: threadID,
            mentionIDs: mentionIDs,
            metadata: metadata
        )
        appendMessage(message)
        return SentMessage(
            view: view(of: message),
            channelID: channel.id,
            pushMentions: pushMentions
        )
    }

    /// Parses `@name` candidates: existing usernames mention that identity; other names
    /// that are mention-group slugs with members mention every member.
    ///
    /// - Returns: mentioned identity ids (no repeats) and the push's `mentions` list.
    func resolveMentions(in body: String) -> (ids: [String], names: [String]) {
        var ids: [String] = []
        var names: [String] = []
        var unresolved: [String] = []
        var seen = Set<String>()
        for candidate in Self.mentionCandidates(in: body) where seen.insert(candidate).inserted {
            if let identity = identity(named: candidate) {
                if !ids.contains(identity.id) { ids.append(identity.id) }
                names.append(identity.username)
            } else {
                unresolved.append(candidate)
            }
        }
        for slug in unresolved {
            guard let group = mentionGroups.first(where: { $0.slug == slug }),
                !group.memberIDs.isEmpty
            else { continue }
            names.append(slug)
            for memberID in group.memberIDs where !ids.contains(memberID) {
                ids.append(memberID)
            }
        }
        return (ids, names)
    }

    /// Every maximal run of `[a-zA-Z0-9_-]` right after an `@`, in order.
    static func mentionCandidates(in body: String) -> [String] {
        var result: [String] = []
        var current: [UInt8]? = nil
        for byte in body.utf8 {
            let isNameByte =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
            if var name = current {
                if isNameByte {
                    name.append(byte)
                    current = name
                    continue
                }
                if !name.isEmpty { result.append(String(decoding: name, as: UTF8.self)) }
                current = nil
            }
            if byte == 0x40 { current = [] }
        }
        if let name = current, !name.isEmpty {
            result.append(String(decoding: name, as: UTF8.self))
        }
        return result
    }

    /// A stored message with names resolved.
    func view(of message: StoredMessage) -> MessageView {
        let channel = channel(id: message.channelID)
        return MessageView(
            id: message.id,
            channel: channel?.name ?? "",
            channelKind: channel?.kind ?? .channel,
            from: identity(id: message.senderID)?.username ?? "",
            body: message.body,
            sentAt: message.sentAt,
            threadID: message.threadID,
            mentions: message.mentionIDs.compactMap { identity(id: $0)?.username },
            metadata: message.metadata
        )
    }

    /// A page of a channel's messages in ascending id order, without any membership check.
    ///
    /// With `before`, the newest `limit` below it; else with `after`, the oldest `limit`
    /// above it; else the newest `limit`. `threadID` keeps only that thread's replies.
    func messages(
        in channel: Channel,
        before: Int64?,
        after: Int64?,
        limit: Int,
        threadID: Int64?
    ) -> [MessageView] {
        let limit = Self.effectiveLimit(limit)
        let candidates = messages.filter { message in
            message.channelID == channel.id && (threadID == nil || message.threadID == threadID)
        }
        let page: [StoredMessage]
        if let before {
            page = Array(candidates.filter { $0.id < before }.suffix(limit))
        } else if let after {
            page = Array(candidates.filter { $0.id > after }.prefix(limit))
        } else {
            page = Array(candidates.suffix(limit))
        }
        return page.map(view(of:))
    }

    /// `history`: a page of a channel the caller belongs to.
    func history(
        channel channelName: String,
        before: Int64?,
        after: Int64?,
        limit: Int,
        threadID: Int64?,
        readerID: String
    ) throws(ChatError) -> [MessageView] {
        let channel = try requireChannel(channelName)
        guard isMember(readerID, of: channel) else { throw .notParticipant }
        return messages(
            in: channel,
            before: before,
            after: after,
            limit: limit,
            threadID: threadID
        )
    }

    /// `unread_messages`: messages after the reader's cursor, not their own, in one channel
    /// (no membership check, as on the server) or in every channel they belong to.
    ///
    /// Unless filtered by mentions or thread, this advances each cursor to the newest
    /// message seen, the reader's own included: reading consumes.
    mutating func unreadMessages(
        channel channelName: String?,
        mentionsOnly: Bool,
        threadID: Int64?,
        readerID: String
    ) throws(ChatError) -> [MessageView] {
        let scope: [Channel]
        if let channelName {
            scope = [try requireChannel(channelName)]
        } else {
            scope = channels.filter { $0.memberIDs.contains(readerID) }
        }
        let consumes = !mentionsOnly && threadID == nil
        var result: [MessageView] = []
        for channel in scope {
            let cursor = cursor(channelID: channel.id, identityID: readerID)
            let unread = messages.filter { message in
                message.channelID == channel.id && message.id > cursor
                    && (!mentionsOnly || message.mentionIDs.contains(readerID))
                    && (threadID == nil || message.threadID == threadID)
            }
            result += unread.filter { $0.senderID != readerID }.map(view(of:))
            if consumes, let newest = unread.last?.id {
                setCursor(channelID: channel.id, identityID: readerID, to: newest)
            }
        }
        return result
    }

    /// `unread_counts`: channels the reader belongs to with unread messages from others.
    func unreadCounts(readerID: String) -> [UnreadCount] {
        channels.compactMap { channel in
            guard channel.memberIDs.contains(readerID) else { return nil }
            let cursor = cursor(channelID: channel.id, identityID: readerID)
            let unread = messages.filter {
                $0.channelID == channel.id && $0.id > cursor && $0.senderID != readerID
            }
            guard !unread.isEmpty else { return nil }
            let mentions = unread.filter { $0.mentionIDs.contains(readerID) }.count
            return UnreadCount(
                channel: channel.name,
                kind: channel.kind,
                unreadCount: unread.count,
                mentionCount: mentions
            )
        }
    }

    /// `mark_read`: moves the cursor forward to `messageID`, or to the channel's newest
    /// message; never backwards.
    mutating func markRead(channel channelName: String, messageID: Int64?, readerID: String)
        throws(ChatError)
    {
        guard !channelName.isEmpty else { throw .channelRequired }
        let channel = try requireChannel(channelName)
        guard isMember(readerID, of: channel) else { throw .notParticipant }
        let target: Int64
        if let messageID {
            guard messages.contains(where: { $0.id == messageID }) else {
                throw .unknownMessageID(messageID)
            }
            target = messageID
        } else {
            target = messages.last(where: { $0.channelID == channel.id })?.id ?? 0
        }
        guard target != 0 else { return }
        setCursor(channelID: channel.id, identityID: readerID, to: target)
    }

    /// Who gets a `/presence` pointer for a message: the mentioned names (the push's
    /// list, group slugs included, as the server does), the other DM member, and service
    /// identities in the channel; never the sender.
    func pointerRecipients(of sent: SentMessage) -> [String] {
        var recipients: [String] = []
        func add(_ name: String) {
            if name != sent.view.from && !recipients.contains(name) { recipients.append(name) }
        }
        sent.pushMentions.forEach(add)
        guard let channel = channel(id: sent.channelID) else { return recipients }
        let members = channel.memberIDs.compactMap { identity(id: $0) }
            .sorted { $0.username.utf8.lexicographicallyPrecedes($1.username.utf8) }
        if channel.kind == .dm { members.map(\.username).forEach(add) }
        members.filter { $0.type == .service }.map(\.username).forEach(add)
        return recipients
    }
}
