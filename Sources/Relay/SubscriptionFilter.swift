// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Which server events a client wants, as set by `relay.subscribe`.
///
/// Both parts are optional; a missing part matches everything. `channels` looks at
/// `d.channel` and applies only to events that carry one (`message.new`): an event
/// without a channel (`presence`, `capabilities`) passes the channel part and is kept or
/// dropped by `types` alone. Relay notices (`relay.upstream`) are not filtered at all;
/// the fan-out sends them to every client (see ``RelayEvent``).
struct SubscriptionFilter: Equatable, Sendable {
    /// Event types to deliver, or `nil` for every type.
    var types: Set<String>?
    /// Channels to deliver `d.channel` events from, or `nil` for every channel.
    var channels: Set<String>?

    /// Everything: what a new client gets.
    static let everything = SubscriptionFilter(types: nil, channels: nil)

    /// Whether an event of `type` in `channel` passes.
    func matches(type: String, channel: String?) -> Bool {
        if let types, !types.contains(type) { return false }
        if let channels, let channel, !channels.contains(channel) { return false }
        return true
    }
}
