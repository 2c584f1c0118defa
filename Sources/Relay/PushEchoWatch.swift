// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Notices when the server's pushes for our identity go to another connection.
///
/// The server sends pushes only to the newest WebSocket of each identity; any other
/// program that connects with the same key takes them over silently, and this session
/// keeps getting replies as if nothing happened. Every `message.new` is also pushed to its
/// sender, so a message the relay sent whose push never comes back is the evidence: the
/// owner then reconnects (becoming the newest connection again) and the gap fill delivers
/// what was missed.
///
/// Pure: times come in from the owner.
struct PushEchoWatch {
    private struct Expected {
        var sentAt: ContinuousClock.Instant
        var session: UInt64
    }

    /// How long a sent message's own push may take before the session counts as
    /// bypassed.
    let timeout: Duration
    private var expected: [Int64: Expected] = [:]

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// The server confirmed message `id`, sent over session `session`.
    mutating func sent(messageID id: Int64, session: UInt64, at now: ContinuousClock.Instant) {
        expected[id] = Expected(sentAt: now, session: session)
    }

    /// A live `message.new` push for `id` arrived.
    mutating func pushed(messageID id: Int64) {
        expected.removeValue(forKey: id)
    }

    /// Whether pushes are going elsewhere: some message sent over the current session has
    /// had no push for `timeout`. Forgets everything it has decided on, and everything
    /// from earlier sessions.
    mutating func isBypassed(currentSession: UInt64, now: ContinuousClock.Instant) -> Bool {
        expected = expected.filter { $0.value.session == currentSession }
        let overdue = expected.contains { now - $0.value.sentAt >= timeout }
        if overdue { expected.removeAll() }
        return overdue
    }
}
