// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging

extension RelayServer {
    /// Operations that can add a channel or DM to the identity: after one succeeds, the
    /// message ledger lists channels again so the new one is covered from now on, rather
    /// than from the next periodic sweep.
    static let membershipChanges: Set<String> = ["channel_join", "channel_create", "dm_open"]

    /// Looks at a successful reply to a request a client sent through us: remembers a sent
    /// message's id to watch for its push, and notices new memberships.
    func noteForwardedReply(type: String, reply: JSONObject) {
        guard reply["ok"] == .bool(true) else { return }
        if Self.membershipChanges.contains(type) {
            requestRecoverySweep()
            return
        }
        guard type == "send_message",
            let id = reply["d"]?["id"]?.int64Value
        else { return }
        pushEcho.sent(messageID: id, session: sessionGeneration, at: .now)
    }

    /// A live push arrived from the server.
    func notePush(_ object: JSONObject) {
        guard object.string(forKey: "type") == "message.new",
            let id = object["d"]?["id"]?.int64Value
        else { return }
        pushEcho.pushed(messageID: id)
    }

    /// Called from the housekeeping sweep: when another connection of this identity has
    /// taken the server's pushes, reconnect to take them back (see ``PushEchoWatch``).
    func checkPushEcho() {
        guard session != nil,
            pushEcho.isBypassed(currentSession: sessionGeneration, now: .now)
        else { return }
        counters.pushBypasses += 1
        logger.warning(
            "server pushes go to another connection of this identity; reconnecting",
            metadata: [
                "hint": "another program uses the relay's API key directly; connect it to the"
                    + " relay's socket instead",
                "upstream.url": configuration.displayURL,
            ]
        )
        session?.close()
    }
}
