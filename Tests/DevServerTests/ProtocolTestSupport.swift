// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

@testable import DevServer

/// Drives the pure protocol layer: a store, some users, requests as JSON text.
struct ProtocolDriver {
    var store = ChatStore()
    var now = Timestamp(microseconds: 1_796_312_056_123_456)
    var online: Set<String> = []
    var lastEffect: RequestEffect?

    /// Provisions `names` in order (the first becomes admin); `bot` is a service.
    init(_ names: [String] = ["alice", "bob", "carol"]) {
        for name in names {
            store.provision(username: name, type: name == "bot" ? .service : .user)
        }
    }

    /// Sends a raw `frame` as `user` and returns the reply envelope as text.
    @discardableResult
    mutating func raw(_ user: String, _ frame: String, notificationsOnly: Bool = false) -> String {
        let identity = store.identity(named: user)!
        let online = self.online
        let outcome = ChatProtocol.handle(
            frame: Array(frame.utf8),
            session: SessionContext(identity: identity, notificationsOnly: notificationsOnly),
            store: &store,
            presence: PresenceLookup(isOnline: { online.contains($0) }, state: { _ in "idle" }),
            now: now
        )
        lastEffect = outcome.effect
        return String(decoding: GoEncoding.goSerialized(outcome.reply), as: UTF8.self)
    }

    /// Sends operation `type` with arguments `d` (JSON text; absent when `nil`).
    @discardableResult
    mutating func send(
        _ user: String,
        _ type: String,
        _ d: String? = nil,
        notificationsOnly: Bool = false
    ) -> String {
        let arguments = d.map { #","d":\#($0)"# } ?? ""
        return raw(
            user,
            #"{"type":"\#(type)","ref":"r"\#(arguments)}"#,
            notificationsOnly: notificationsOnly
        )
    }

    /// Sends and returns the reply's `d.message` for errors, or `"ok"` for successes.
    mutating func result(_ user: String, _ type: String, _ d: String? = nil) -> String {
        let reply = send(user, type, d)
        let value = try? JSONValue(parsing: Array(reply.utf8))
        if value?["ok"] == true { return "ok" }
        return value?["d"]?["message"]?.stringValue ?? reply
    }

    /// Sends and returns the reply's `d`.
    mutating func data(_ user: String, _ type: String, _ d: String? = nil) -> JSONValue? {
        let reply = send(user, type, d)
        return (try? JSONValue(parsing: Array(reply.utf8)))?["d"]
    }
}
