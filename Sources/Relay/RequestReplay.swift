// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Which server operations the relay may send again after the connection carrying them
/// was lost before the reply came.
///
/// Such a request may or may not have run. Sending it again is harmless only when it
/// changes nothing, so the relay retries **once**, after the reconnect, exactly the
/// operations below, which only read. Everything else (`send_message`, `channel_create`,
/// `channel_join`, `channel_invite`, `dm_open`, `mark_read`, `set_state`, `set_setting`,
/// the `mention_group_*` changes, `unread_messages`, which advances the read cursor, and
/// any type the relay does not know) fails with `relay.outcome_unknown` instead: the
/// client decides, for instance by reading `history` to see whether its message exists.
/// docs/RESILIENCE.md has the table.
enum RequestReplay {
    /// Operations that only read server state.
    static let readOnlyTypes: Set<String> = [
        "ping", "version", "capabilities", "user_list", "channel_list", "history",
        "unread_counts", "dm_list", "get_settings", "mention_group_get", "mention_group_list",
    ]

    /// Whether a request of `type` may be sent again after its connection was lost.
    static func isRetriable(_ type: String) -> Bool {
        readOnlyTypes.contains(type)
    }
}
