// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Decides, for one client, what may be added to its outbound queue: the slow-consumer
/// rules.
///
/// The relay never waits for a client. Its writes go to the connection's own buffer, whose
/// size (`pendingWriteBytes`) this policy watches:
///
/// - An event is written only while the queue stays within ``eventQueueLimit`` bytes (or
///   the queue is empty, so a single event larger than the limit still gets through).
///   The first event that does not fit puts the client in *dropping*: this and every
///   later event is dropped and counted. When the queue has drained completely the owner
///   sends one `relay.lagged` notice (how many were missed, and the `since` to resume
///   from) and the client is *paused*: it gets no more events until it sends
///   `relay.subscribe` again, with `since` to replay the missed ones from the ring. So
///   events reach a client in strictly increasing `seq` order, and never silently go
///   missing.
/// - A reply (or an error, or a relay notice) is written while the queue stays within
///   ``replyQueueLimit`` bytes; past that the client is disconnected with a final notice,
///   since dropping a reply would break the request contract.
/// - A client with bytes queued that makes no write progress for ``stallTimeout`` is
///   disconnected with a final notice. A client with nothing queued is never stalled.
///
/// Pure: the owner passes queue sizes and times in and performs the decisions.
struct ClientOutputPolicy {
    /// How events currently flow to this client.
    enum EventFlow: Equatable {
        /// Events are written as they come.
        case live
        /// The queue overflowed at event `firstMissed`; `missed` events dropped so far.
        case dropping(firstMissed: UInt64, missed: UInt64)
        /// The lag notice was sent; events stay off until the client resubscribes.
        case paused(resumeSince: UInt64)
    }

    /// What to do with an event.
    enum EventDecision: Equatable {
        case write
        case drop
    }

    /// What to do with a reply.
    enum ReplyDecision: Equatable {
        case write
        /// Even a reply does not fit: close the client with a final notice.
        case disconnect
    }

    /// The outcome of a stall check.
    enum StallDecision: Equatable {
        case healthy
        /// No write progress for `stallTimeout`: close the client with a final notice.
        case disconnect
    }

    /// Queue bytes above which events are dropped.
    let eventQueueLimit: Int
    /// Queue bytes above which even a reply cannot be queued.
    let replyQueueLimit: Int
    /// How long a client may hold queued bytes without any of them being written.
    let stallTimeout: Duration

    private(set) var flow = EventFlow.live
    /// The connection's `totalBytesWritten` when progress was last seen.
    private var lastWritten: UInt64 = 0
    private var lastProgress: ContinuousClock.Instant

    init(
        eventQueueLimit: Int,
        replyQueueLimit: Int,
        stallTimeout: Duration,
        now: ContinuousClock.Instant
    ) {
        self.eventQueueLimit = eventQueueLimit
        self.replyQueueLimit = Swift.max(replyQueueLimit, eventQueueLimit)
        self.stallTimeout = stallTimeout
        self.lastProgress = now
    }

    /// Whether an event numbered `seq` of `size` bytes may be queued behind `pending`.
    mutating func offerEvent(seq: UInt64, size: Int, pending: Int) -> EventDecision {
        switch flow {
        case .live:
            // An empty queue takes any one event, however large: dropping it would leave
            // no queued output whose draining could announce the loss.
            if pending == 0 || pending + size <= eventQueueLimit { return .write }
            flow = .dropping(firstMissed: seq, missed: 1)
            return .drop
        case .dropping(let firstMissed, let missed):
            flow = .dropping(firstMissed: firstMissed, missed: missed + 1)
            return .drop
        case .paused:
            return .drop
        }
    }

    /// Whether a reply of `size` bytes may be queued behind `pending`.
    ///
    /// An empty queue takes any one reply, however large (a `history` page can exceed the
    /// limit on its own, bounded by the upstream's 16 MiB message limit): the limit guards
    /// against replies piling up unread, not against one big answer.
    func offerReply(size: Int, pending: Int) -> ReplyDecision {
        pending == 0 || pending + size <= replyQueueLimit ? .write : .disconnect
    }

    /// The lag notice to send now that the queue is empty, if one is due.
    ///
    /// - Returns: how many events were missed and the `since` that replays them.
    mutating func outputDrained() -> (missed: UInt64, resumeSince: UInt64)? {
        guard case .dropping(let firstMissed, let missed) = flow else { return nil }
        flow = .paused(resumeSince: firstMissed - 1)
        return (missed, firstMissed - 1)
    }

    /// The client subscribed again: events flow from now on (the replay it asked for is
    /// offered through ``offerEvent(seq:size:pending:)`` like any event).
    mutating func resubscribed() {
        flow = .live
    }

    /// Checks write progress at `now`, given the connection's pending bytes and the total
    /// it has written so far.
    mutating func checkStall(
        pending: Int,
        written: UInt64,
        now: ContinuousClock.Instant
    ) -> StallDecision {
        if pending == 0 || written > lastWritten {
            lastWritten = written
            lastProgress = now
            return .healthy
        }
        return now - lastProgress >= stallTimeout ? .disconnect : .healthy
    }
}
