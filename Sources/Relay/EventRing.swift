// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// One event as the relay fans it out: a server push or a `relay.upstream` notice.
struct RelayEvent {
    /// The relay's own event number: 1 for the first event after start, then +1 each.
    let seq: UInt64
    /// The envelope's `type` (`message.new`, `presence`, `relay.upstream`, …).
    let type: String
    /// `d.channel` when the event has one, for channel filters.
    let channel: String?
    /// The encoded line, `seq` included and `\n` at the end: written as-is to every
    /// subscriber, so each event is encoded once however many clients receive it.
    let line: [UInt8]
}

/// The recent events, bounded by count and by bytes, for `relay.subscribe` with `since`.
///
/// The ring also numbers events: ``append(type:channel:encode:)`` hands out the next
/// `seq`, so the events it holds always carry consecutive numbers and a lookup by `seq`
/// is index arithmetic. When a bound is passed the oldest events leave first; the newest
/// event always stays, even if it alone is larger than `maxBytes`.
struct EventRing {
    /// The most events kept.
    let maxEvents: Int
    /// The most line bytes kept (sum of `line.count`).
    let maxBytes: Int

    private var events = Ring<RelayEvent>()
    /// Sum of `line.count` over `events`.
    private(set) var byteCount = 0
    /// The `seq` of the newest event ever appended; 0 before the first.
    private(set) var lastSeq: UInt64 = 0

    init(maxEvents: Int, maxBytes: Int) {
        precondition(maxEvents > 0 && maxBytes > 0, "ring bounds must be positive")
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }

    /// How many events the ring holds now.
    var count: Int { events.count }

    /// The `seq` of the oldest event held, or `lastSeq + 1` when the ring is empty.
    var oldestSeq: UInt64 { events.first?.seq ?? lastSeq + 1 }

    /// Numbers a new event, stores it and returns it.
    ///
    /// - Parameter encode: builds the line for the given `seq`.
    mutating func append(
        type: String,
        channel: String?,
        encode: (_ seq: UInt64) -> [UInt8]
    ) -> RelayEvent {
        lastSeq += 1
        let event = RelayEvent(seq: lastSeq, type: type, channel: channel, line: encode(lastSeq))
        events.append(event)
        byteCount += event.line.count
        while events.count > 1, events.count > maxEvents || byteCount > maxBytes {
            byteCount -= events.popFirst()!.line.count
        }
        return event
    }

    /// What the ring can give back for a resume point.
    struct Replay {
        /// Events with `seq > since` that left the ring before they could be replayed.
        var missed: UInt64
        /// The events with `seq > since` still held, oldest first.
        var events: [RelayEvent]
    }

    /// The events after `since`, and how many of them are gone.
    ///
    /// Returns `nil` when `since` is ahead of ``lastSeq``: the client's number comes from
    /// another relay run (numbers restart at 1 when the relay restarts).
    func events(after since: UInt64) -> Replay? {
        guard since <= lastSeq else { return nil }
        let oldest = oldestSeq
        let missed = since + 1 < oldest ? oldest - (since + 1) : 0
        let firstWanted = Swift.max(since + 1, oldest)
        var replay: [RelayEvent] = []
        replay.reserveCapacity(Int(lastSeq + 1 - firstWanted))
        let start = Int(firstWanted - oldest)
        for offset in start..<events.count {
            replay.append(events[offset])
        }
        return Replay(missed: missed, events: replay)
    }
}
