// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// Who sent a `/ws` request and on what kind of connection.
struct SessionContext: Sendable {
    var identity: Identity
    /// `?notifications_only=true`: only ping, version, capabilities, set_state and
    /// unread_counts are served.
    var notificationsOnly: Bool
}

/// What the hub sees of connections, for `user_list`.
struct PresenceLookup {
    /// Whether the user holds a `/presence` connection.
    var isOnline: (String) -> Bool
    /// The user's active/idle state, `""` when none.
    var state: (String) -> String

    static var nobody: PresenceLookup {
        PresenceLookup(isOnline: { _ in false }, state: { _ in "" })
    }
}

/// What a request changed beyond its reply; the hub turns it into pushes.
enum RequestEffect: Sendable, Equatable {
    /// `send_message` stored a message: push `message.new` and `/presence` pointers.
    case messageSent(SentMessage, pointerRecipients: [String])
    /// `set_state`: record the state and push `presence` to the others.
    case stateChanged(String)
}

/// The answer to one `/ws` frame.
struct RequestOutcome {
    /// The envelope to send back (reply, pong or error).
    var reply: JSONObject
    var effect: RequestEffect?
    /// The request's `type`, for logs.
    var type: String
}

/// The `/ws` request protocol: one frame in, one envelope out, against a `ChatStore`.
///
/// Pure apart from the store it mutates, so every operation and error is testable without
/// sockets. Checks run in the server's order: envelope shape, notification-only
/// restriction, permission, then arguments.
enum ChatProtocol {
    /// The `version` reply; the real server reports its build (`dev-6e44a7d`).
    static let defaultVersion = "devserver"

    /// Handles one text frame.
    static func handle(
        frame: some Collection<UInt8>,
        session: SessionContext,
        store: inout ChatStore,
        presence: PresenceLookup,
        version: String = defaultVersion,
        now: Timestamp
    ) -> RequestOutcome {
        guard let request = parseEnvelope(frame) else {
            return RequestOutcome(reply: GoEncoding.error(.invalidJSON, ref: ""), type: "")
        }
        var outcome = RequestOutcome(
            reply: GoEncoding.reply(nil, ref: request.ref),
            type: request.type
        )
        do throws(ChatError) {
            let result = try perform(
                request,
                session: session,
                store: &store,
                presence: presence,
                version: version,
                now: now
            )
            switch result {
            case .pong:
                outcome.reply = GoEncoding.pong(ref: request.ref)
            case .reply(let data, let effect):
                outcome.reply = GoEncoding.reply(data, ref: request.ref)
                outcome.effect = effect
            }
        } catch {
            outcome.reply = GoEncoding.error(error, ref: request.ref)
        }
        return outcome
    }

    /// A decoded `{"type","ref","d"}` envelope; `data` is nil when `d` was absent.
    struct Request {
        var type: String
        var ref: String
        var data: JSONValue?
    }

    /// Decodes a frame as Go decodes it into `{Type, D, Ref string}`: an object whose
    /// `type` and `ref` are strings or null. Top-level `null` decodes to an empty request,
    /// as in Go. Anything else is `nil` ("invalid JSON").
    static func parseEnvelope(_ frame: some Collection<UInt8>) -> Request? {
        guard let value = try? JSONValue(parsing: frame) else { return nil }
        switch value {
        case .null:
            return Request(type: "", ref: "", data: nil)
        case .object(let object):
            var request = Request(type: "", ref: "", data: nil)
            for (key, member) in object {
                switch key.lowercased() {
                case "type", "ref":
                    let text: String
                    switch member {
                    case .string(let string): text = string
                    case .null: continue
                    default: return nil
                    }
                    if key.lowercased() == "type" {
                        request.type = text
                    } else {
                        request.ref = text
                    }
                case "d":
                    request.data = member
                default:
                    continue
                }
            }
            return request
        default:
            return nil
        }
    }

    enum Result {
        case pong
        case reply(JSONObject?, RequestEffect?)
    }

    /// Operations a notification-only connection may use.
    static let notificationOperations: Set<String> = [
        "ping", "version", "capabilities", "set_state", "unread_counts",
    ]

    /// The permission each operation needs; operations not listed need none.
    static let requiredPermission: [String: Permission] = [
        "user_list": .userList, "channel_list": .channelList,
        "channel_create": .createChannel, "channel_invite": .inviteChannel,
        "channel_join": .joinChannel, "send_message": .sendMessage, "history": .history,
        "unread_messages": .unreadMessages, "unread_counts": .unreadCounts,
        "dm_list": .dmList, "dm_open": .dmOpen, "mark_read": .markRead,
        "set_setting": .manageRoles, "get_settings": .manageRoles,
    ]

    /// Every operation the server knows.
    static let knownOperations: Set<String> = notificationOperations.union(
        requiredPermission.keys
    ).union([
        "mention_group_create", "mention_group_delete", "mention_group_get",
        "mention_group_list", "mention_group_add_member", "mention_group_remove_member",
    ])

    private static func perform(
        _ request: Request,
        session: SessionContext,
        store: inout ChatStore,
        presence: PresenceLookup,
        version: String,
        now: Timestamp
    ) throws(ChatError) -> Result {
        let type = request.type
        guard knownOperations.contains(type) else { throw .unknownType(type) }
        if session.notificationsOnly && !notificationOperations.contains(type) {
            throw .notificationOnly
        }
        if let permission = requiredPermission[type],
            !store.hasPermission(session.identity.username, permission)
        {
            throw .permissionDenied(permission)
        }
        var handler = OperationHandler(
            session: session,
            data: request.data,
            presence: presence,
            now: now
        )
        switch type {
        case "ping": return .pong
        case "version": return .reply(["version": .string(version)], nil)
        default: return try handler.run(type, store: &store)
        }
    }
}
