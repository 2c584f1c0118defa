// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// Builds the frames and bodies the real server writes, byte for byte where it matters.
///
/// Go writes struct fields in declaration order and map keys sorted; the builders below
/// spell out each order. Go's encoder also escapes `<`, `>`, `&`, U+2028 and U+2029 in
/// strings, which `goSerialized` reproduces.
enum GoEncoding {
    /// `{"type":"reply","d":...,"ref":...,"ok":true}`; `d` and an empty `ref` left out.
    static func reply(_ data: JSONObject?, ref: String) -> JSONObject {
        envelope(type: "reply", data: data.map(JSONValue.object), ref: ref, ok: true)
    }

    /// `{"type":"error","d":{"message":...},"ref":...,"ok":false}`.
    static func error(_ error: ChatError, ref: String) -> JSONObject {
        let data: JSONObject = ["message": .string(error.description)]
        return envelope(type: "error", data: .object(data), ref: ref, ok: false)
    }

    /// `{"type":"pong","ref":...,"ok":true}`.
    static func pong(ref: String) -> JSONObject {
        envelope(type: "pong", data: nil, ref: ref, ok: true)
    }

    /// The server's `wsEnvelope` struct: type, d (omitempty), ref (omitempty), ok.
    static func envelope(type: String, data: JSONValue?, ref: String, ok: Bool?) -> JSONObject {
        var object: JSONObject = ["type": .string(type)]
        if let data { object["d"] = data }
        if !ref.isEmpty { object["ref"] = .string(ref) }
        if let ok { object["ok"] = .bool(ok) }
        return object
    }

    /// The `message.new` push to `/ws` connections; `d` is a Go map, so keys are sorted.
    static func messagePush(_ sent: SentMessage) -> JSONObject {
        let view = sent.view
        var data: [(String, JSONValue)] = [
            ("body", .string(view.body)),
            ("channel", .string(view.channel)),
            ("channel_type", .string(view.channelKind.rawValue)),
            ("from", .string(view.from)),
            ("id", JSONValue(view.id)),
        ]
        if !sent.pushMentions.isEmpty {
            data.append(("mentions", .array(sent.pushMentions.map(JSONValue.string))))
        }
        if let metadata = view.metadata { data.append(("metadata", .string(metadata))) }
        data.append(("sent_at", .string(view.sentAt.rfc3339Seconds)))
        if let thread = view.threadID { data.append(("thread_id", JSONValue(thread))) }
        return envelope(type: "message.new", data: .object(JSONObject(data)), ref: "", ok: nil)
    }

    /// The `presence` push: `{"state"?, "status", "username"}` (a Go map, sorted).
    static func presencePush(username: String, online: Bool, state: String) -> JSONObject {
        var data: [(String, JSONValue)] = []
        if online { data.append(("state", .string(state))) }
        data.append(("status", .string(online ? "online" : "offline")))
        data.append(("username", .string(username)))
        return envelope(type: "presence", data: .object(JSONObject(data)), ref: "", ok: nil)
    }

    /// The `/presence` pointer: a Go map of maps, so `d` comes before `type`.
    static func pointer(_ sent: SentMessage) -> JSONObject {
        let data: JSONObject = [
            "channel": .string(sent.view.channel),
            "channel_type": .string(sent.view.channelKind.rawValue),
            "from": .string(sent.view.from),
            "message_id": JSONValue(sent.view.id),
        ]
        return ["d": .object(data), "type": "message.new"]
    }

    /// A message in a `history` reply (struct order, omitempty extras).
    static func historyEntry(_ view: MessageView) -> JSONValue {
        var object: JSONObject = [
            "id": JSONValue(view.id),
            "from": .string(view.from),
            "body": .string(view.body),
            "sent_at": .string(view.sentAt.rfc3339Seconds),
        ]
        appendExtras(of: view, to: &object)
        return .object(object)
    }

    /// A message in an `unread_messages` reply: like history but `channel` and no `id`.
    static func unreadEntry(_ view: MessageView) -> JSONValue {
        var object: JSONObject = [
            "channel": .string(view.channel),
            "from": .string(view.from),
            "body": .string(view.body),
            "sent_at": .string(view.sentAt.rfc3339Seconds),
        ]
        appendExtras(of: view, to: &object)
        return .object(object)
    }

    private static func appendExtras(of view: MessageView, to object: inout JSONObject) {
        if let thread = view.threadID { object["thread_id"] = JSONValue(thread) }
        if !view.mentions.isEmpty {
            object["mentions"] = .array(view.mentions.map(JSONValue.string))
        }
        if let metadata = view.metadata { object["metadata"] = .string(metadata) }
    }

    /// A list that Go writes as `null` when empty (a nil slice).
    static func list(_ elements: [JSONValue]) -> JSONValue {
        elements.isEmpty ? .null : .array(elements)
    }

    /// A mention group (the domain struct: id, slug, created_by, members omitempty,
    /// created_at with Go's fractional seconds).
    static func mentionGroup(_ group: MentionGroupView) -> JSONValue {
        var object: JSONObject = ["id": JSONValue(group.id), "slug": .string(group.slug)]
        if !group.createdBy.isEmpty { object["created_by"] = .string(group.createdBy) }
        if !group.members.isEmpty {
            object["members"] = .array(group.members.map(JSONValue.string))
        }
        object["created_at"] = .string(group.createdAt.rfc3339Fractional)
        return .object(object)
    }

    /// Compact serialization with Go's extra string escapes.
    static func goSerialized(_ value: JSONValue) -> [UInt8] {
        let plain = value.serialized()
        // `<`, `>` and `&` cannot occur outside strings in JSON text, and the line and
        // paragraph separators only inside them, so escaping them everywhere is safe.
        guard plain.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0xE2 })
        else { return plain }
        var out: [UInt8] = []
        out.reserveCapacity(plain.count + 16)
        var index = 0
        while index < plain.count {
            let byte = plain[index]
            switch byte {
            case 0x3C: out += Array("\\u003c".utf8)
            case 0x3E: out += Array("\\u003e".utf8)
            case 0x26: out += Array("\\u0026".utf8)
            case 0xE2
            where index + 2 < plain.count && plain[index + 1] == 0x80
                && (plain[index + 2] == 0xA8 || plain[index + 2] == 0xA9):
                out += Array((plain[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
        return out
    }

    static func goSerialized(_ object: JSONObject) -> [UInt8] {
        goSerialized(.object(object))
    }
}
