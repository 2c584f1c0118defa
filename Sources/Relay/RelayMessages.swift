// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON

/// Builders for the lines the relay writes itself. Each returns a whole line, `\n`
/// included, in the Sharkfin envelope shape (keys in the server's order: type, d, ref,
/// ok), so clients parse relay lines and server lines alike.
enum RelayMessages {
    /// `{"type":"error","d":{"message":…,"code":…},"ref":…,"ok":false}`; no `ref` key when
    /// `ref` is nil.
    static func error(_ code: RelayErrorCode, _ message: String, ref: String?) -> [UInt8] {
        var object: JSONObject = [
            "type": "error",
            "d": ["message": .string(message), "code": .string(code.rawValue)],
        ]
        if let ref { object.updateValue(.string(ref), forKey: "ref") }
        object.updateValue(false, forKey: "ok")
        return object.serializedLine()
    }

    /// `{"type":"reply","d":…,"ref":…,"ok":true}` for a relay operation.
    static func reply(_ data: JSONObject, ref: String?) -> [UInt8] {
        var object: JSONObject = ["type": "reply", "d": .object(data)]
        if let ref { object.updateValue(.string(ref), forKey: "ref") }
        object.updateValue(true, forKey: "ok")
        return object.serializedLine()
    }

    /// A notice with no `ref` and no `seq`: `relay.hello`, `relay.lagged`, `relay.goodbye`.
    static func notice(_ type: String, _ data: JSONObject) -> [UInt8] {
        let object: JSONObject = ["type": .string(type), "d": .object(data)]
        return object.serializedLine()
    }

    /// The server's reply with the client's `ref` put back in place of the relay's (or
    /// removed, for a request that had none). Everything else stays as the server sent it.
    static func restoringRef(_ ref: String?, in reply: JSONObject) -> [UInt8] {
        guard let ref else { return reply.removing(key: "ref").serializedLine() }
        return reply.insertingOrReplacing(key: "ref", value: .string(ref)).serializedLine()
    }

    /// `relay.goodbye`: the relay is about to close this connection, and why.
    static func goodbye(_ code: RelayErrorCode, _ message: String) -> [UInt8] {
        notice("relay.goodbye", ["code": .string(code.rawValue), "message": .string(message)])
    }

    /// `relay.lagged`: events were dropped because the client read too slowly.
    static func lagged(missed: UInt64, resumeSince: UInt64) -> [UInt8] {
        notice(
            "relay.lagged",
            [
                "missed": JSONValue(missed),
                "since": JSONValue(resumeSince),
                "message": .string(
                    "events paused after \(missed) were dropped while your queue was full; "
                        + "send relay.subscribe with this since to replay them and resume"
                ),
            ]
        )
    }

    /// The body of a `relay.upstream` event (before `seq` is added).
    static func upstreamEvent(_ notice: UpstreamLink.Notice) -> [UInt8] {
        var data: JSONObject
        switch notice {
        case .up(let since):
            data = ["state": "up", "since": .string(timestamp(since))]
        case .reconnected(let since, let attempts):
            data = [
                "state": "reconnected",
                "since": .string(timestamp(since)),
                "attempts": JSONValue(attempts),
                "message": .string(
                    "messages sent meanwhile follow as message.new marked replayed; other "
                        + "pushes sent while the relay was disconnected were not received"
                ),
            ]
        case .down(let reason):
            data = ["state": "down", "reason": .string(reason)]
        }
        let object: JSONObject = ["type": "relay.upstream", "d": .object(data)]
        return object.serialized()
    }

    /// A `message.new` for a message found with `history` rather than pushed (before
    /// `seq` is added): `d` has the push's keys in the server's (alphabetical) order,
    /// `channel` and `channel_type` added to the history row, and `"replayed":true`
    /// follows `d`.
    static func recoveredMessage(channel: String, kind: String, row: JSONObject) -> [UInt8] {
        var members: [(String, JSONValue)] = [
            ("channel", .string(channel)), ("channel_type", .string(kind)),
        ]
        for (key, value) in row where key != "channel" && key != "channel_type" {
            members.append((key, value))
        }
        members.sort { $0.0 < $1.0 }
        let object: JSONObject = [
            "type": "message.new",
            "d": .object(JSONObject(members)),
            "replayed": true,
        ]
        return object.serialized()
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-12-03T15:34:16.123Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        )
    }
}
