// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// Remembers which messages each channel has delivered, and decides how to recover the
/// ones no push brought: after a reconnect, after a `/presence` pointer, and on a periodic
/// sweep.
///
/// Message ids are one increasing sequence across the server, so per channel a
/// *verified mark* (`floor`: every message of the channel at or below it was delivered,
/// or predates the relay) plus the ids delivered above it say exactly what is missing:
/// `history` with `after: floor` returns it, and the delivered ids weed out what came
/// live meanwhile. A completed fill raises the floor to the newest id it saw.
///
/// - **First session**: each member channel's newest id becomes its floor (a `history`
///   with `limit: 1`, the *baseline*); live pushes flow meanwhile. Nothing older than the
///   relay is ever delivered.
/// - **Reconnect**: every known channel is filled from its floor; channels seen for the
///   first time in the new listing are filled from the mark of the previous listing. Live
///   pushes of a channel wait while its fill is queued or running and follow the filled
///   messages, so each channel's messages reach clients in id order; pushes of channels
///   not yet known wait for the listing.
/// - **Pointer** (`/presence`): a message not yet delivered is fetched after a grace
///   delay, by filling its channel.
/// - **Sweep**: a new listing, then every channel is filled, which finds REST posts that
///   no push or pointer announced.
///
/// Pure: no I/O, no clock. The owner sends `channel_list`/`dm_list` and `history`, feeds
/// the results back and delivers what the actions say.
struct MessageLedger {
    /// A live `message.new` push, kept whole for delivery.
    struct LivePush: Equatable {
        let channel: String
        let id: Int64
        let object: JSONObject
        let utf8: [UInt8]
    }

    /// What a `history` request is for.
    enum FetchPurpose: Equatable {
        /// `limit: 1`, no `after`: the newest id becomes the floor; nothing is delivered.
        case baseline
        /// Pages of `after: <floor or last id>`: deliver what was missed.
        case fill
    }

    /// What the owner must do.
    enum Action: Equatable {
        /// Send `channel_list` and `dm_list`, then report ``listed(channels:)`` (or
        /// ``listingFailed()``).
        case list
        /// Send `history` for `channel`, then report ``fetched(channel:messages:)`` (or
        /// ``fetchFailed(channel:)``).
        case fetch(channel: String, after: Int64?, limit: Int, purpose: FetchPurpose)
        /// Publish this push as the server sent it.
        case deliverLive(LivePush)
        /// Publish a message found with `history` as a `message.new` marked replayed;
        /// `kind` is `channel` or `dm`, `row` the history row.
        case deliverRecovered(channel: String, kind: String, row: JSONObject)
        /// Call ``pointerCheckDue(channel:kind:id:)`` after the grace delay.
        case schedulePointerCheck(channel: String, kind: String, id: Int64)
    }

    /// One channel's record.
    struct Channel: Equatable {
        /// `channel` or `dm`, as `message.new` names it.
        var kind: String
        /// Every message at or below this id was delivered or predates the relay.
        var floor: Int64
        /// Ids above `floor` delivered, ascending.
        var delivered: [Int64] = []
        /// Whether `floor` came from a baseline or fill (not just created).
        var isBaselined: Bool
        var phase = Phase.idle
        /// Live pushes waiting for the fill to finish.
        var held: [LivePush] = []
        /// A pointer arrived while a fill ran; fill again when it ends.
        var needsRefill = false
    }

    enum Phase: Equatable {
        case idle
        case queued(FetchPurpose)
        case running(FetchPurpose)

        /// Live pushes wait in this phase.
        var isHolding: Bool {
            switch self {
            case .queued(.fill), .running(.fill): true
            case .idle, .queued(.baseline), .running(.baseline): false
            }
        }
    }

    private(set) var channels: [String: Channel] = [:]
    /// The newest id known to exist (baselines and deliveries).
    private(set) var newestKnown: Int64 = 0
    /// The floor for channels first seen in the next listing: `newestKnown` when the
    /// previous listing was taken; `nil` until the first baseline completed.
    private(set) var listingMark: Int64?
    private var nextListingMark: Int64 = 0
    private var isListing = false
    /// Whether the listing under way is a sweep's: its channels are filled when it comes.
    private var isSweepListing = false
    private var isSessionActive = false
    /// Pushes of channels without a record, waiting for a listing.
    private var heldUnknown: [LivePush] = []
    private var fetchQueue: [String] = []
    private var runningFetches = 0

    /// `history` page size.
    let pageSize: Int
    /// Fetches running at once.
    let maxConcurrentFetches: Int
    /// Ids remembered above a channel's floor.
    let maxTrackedIDs: Int

    init(pageSize: Int = 100, maxConcurrentFetches: Int = 4, maxTrackedIDs: Int = 4_096) {
        self.pageSize = Swift.max(pageSize, 1)
        self.maxConcurrentFetches = Swift.max(maxConcurrentFetches, 1)
        self.maxTrackedIDs = Swift.max(maxTrackedIDs, 1)
    }

    // MARK: Session

    /// A session came up: fill every known channel and list them all again.
    mutating func sessionStarted() -> [Action] {
        isSessionActive = true
        for name in channels.keys.sorted() {
            enqueue(name, channels[name]!.isBaselined ? .fill : .baseline)
        }
        return startListing() + startFetches()
    }

    /// The session ended: fetches in flight are void, held pushes are dropped (they are
    /// above their channel's floor, so the next fill fetches them again).
    mutating func sessionEnded() {
        isSessionActive = false
        isListing = false
        isSweepListing = false
        heldUnknown.removeAll()
        fetchQueue.removeAll()
        runningFetches = 0
        for name in channels.keys {
            channels[name]!.phase = .idle
            channels[name]!.held.removeAll()
            channels[name]!.needsRefill = false
        }
    }

    /// Time for the periodic sweep: list again, then fill every listed channel (a
    /// channel the identity has left is not asked about).
    mutating func sweepDue() -> [Action] {
        guard isSessionActive, !isListing, listingMark != nil else { return [] }
        let actions = startListing()
        isSweepListing = true
        return actions
    }

    // MARK: Inputs

    /// A live `message.new` push.
    mutating func push(_ push: LivePush) -> [Action] {
        guard var channel = channels[push.channel] else {
            if isListing && listingMark != nil {
                heldUnknown.append(push)
                return []
            }
            // A channel joined since the last listing: this is its first message to us.
            channels[push.channel] = Channel(
                kind: push.object["d"]?["channel_type"]?.stringValue ?? "channel",
                floor: push.id - 1,
                isBaselined: true
            )
            return deliverLive(push)
        }
        if channel.phase.isHolding {
            channel.held.append(push)
            channels[push.channel] = channel
            return []
        }
        return deliverLive(push)
    }

    /// The listing arrived: `(name, kind)` of every channel and DM the identity is in.
    mutating func listed(channels listing: [(name: String, kind: String)]) -> [Action] {
        guard isListing else { return [] }
        isListing = false
        let isSweep = isSweepListing
        isSweepListing = false
        for (name, kind) in listing {
            if channels[name] != nil {
                channels[name]!.kind = kind
                if isSweep { enqueue(name, channels[name]!.isBaselined ? .fill : .baseline) }
                continue
            }
            if let listingMark {
                // Joined since the previous listing: what came after it may be missed.
                // A mark of 0 (no message was known then) fills the whole channel: better
                // some old messages marked replayed than a lost new one.
                channels[name] = Channel(kind: kind, floor: listingMark, isBaselined: true)
                enqueue(name, .fill)
            } else {
                // No mark yet (first session, or no message ever seen): start from now.
                channels[name] = Channel(kind: kind, floor: 0, isBaselined: false)
                enqueue(name, .baseline)
            }
        }
        if listingMark != nil { listingMark = nextListingMark }
        return releaseUnknown() + startFetches() + completeBaselineIfDone()
    }

    /// The listing failed (timeout, connection lost): release what waited for it. The
    /// next sweep or reconnect lists again.
    mutating func listingFailed() -> [Action] {
        guard isListing else { return [] }
        isListing = false
        isSweepListing = false
        return releaseUnknown()
    }

    /// A `history` page for `channel` arrived (rows in ascending id order).
    mutating func fetched(channel name: String, messages: [JSONObject]) -> [Action] {
        guard var channel = channels[name], case .running(let purpose) = channel.phase else {
            return []
        }
        let ids = messages.compactMap { $0["id"]?.int64Value }
        switch purpose {
        case .baseline:
            let newest = ids.max() ?? 0
            channel.floor = Swift.max(channel.floor, newest)
            channel.delivered.removeAll { $0 <= channel.floor }
            channel.isBaselined = true
            channel.phase = .idle
            channels[name] = channel
            newestKnown = Swift.max(newestKnown, newest)
            runningFetches -= 1
            return startFetches() + completeBaselineIfDone()
        case .fill:
            var actions: [Action] = []
            for (row, id) in zip(messages, ids) where !isDelivered(id, in: name) {
                record(id, in: name)
                // A push of it is already held behind this fill: it did arrive live, so it
                // goes out as the server sent it, unmarked, in its id-order place.
                if let index = channels[name]!.held.firstIndex(where: { $0.id == id }) {
                    let push = channels[name]!.held.remove(at: index)
                    actions.append(.deliverLive(push))
                } else {
                    actions.append(.deliverRecovered(channel: name, kind: channel.kind, row: row))
                }
            }
            channel = channels[name]!
            if let last = ids.last {
                channel.floor = Swift.max(channel.floor, last)
                channel.delivered.removeAll { $0 <= channel.floor }
            }
            if messages.count >= pageSize, let last = ids.last {
                channels[name] = channel
                return actions + [
                    .fetch(channel: name, after: last, limit: pageSize, purpose: .fill)
                ]
            }
            channels[name] = channel
            return actions + finishFill(name)
        }
    }

    /// A `history` request for `channel` failed: release its held pushes; its floor stays,
    /// so the next fill looks again.
    mutating func fetchFailed(channel name: String) -> [Action] {
        guard let channel = channels[name], case .running = channel.phase else { return [] }
        channels[name]!.needsRefill = false
        return finishFill(name)
    }

    /// A `/presence` pointer: message `id` in `channel` (of `kind`) exists.
    mutating func pointer(channel name: String, kind: String, id: Int64) -> [Action] {
        guard isSessionActive, !isDelivered(id, in: name) else { return [] }
        return [.schedulePointerCheck(channel: name, kind: kind, id: id)]
    }

    /// The grace delay after a pointer ended; fetch the message unless it came live.
    mutating func pointerCheckDue(channel name: String, kind: String, id: Int64) -> [Action] {
        guard isSessionActive, !isDelivered(id, in: name) else { return [] }
        if channels[name] == nil {
            // Nothing known yet would mean the whole channel; take just this message on.
            let floor = newestKnown > 0 ? Swift.min(newestKnown, id - 1) : id - 1
            channels[name] = Channel(kind: kind, floor: floor, isBaselined: true)
        }
        switch channels[name]!.phase {
        case .idle:
            enqueue(name, .fill)
            return startFetches()
        case .running(.fill):
            // Its request may have been answered before this message was stored.
            channels[name]!.needsRefill = true
            return []
        case .queued, .running(.baseline):
            channels[name]!.needsRefill = true
            return []
        }
    }

    /// Whether message `id` of `channel` was delivered (or predates the relay).
    func isDelivered(_ id: Int64, in name: String) -> Bool {
        guard let channel = channels[name] else { return false }
        if id <= channel.floor { return true }
        return binarySearch(channel.delivered, id) != nil
    }

    // MARK: Internals

    private mutating func startListing() -> [Action] {
        guard !isListing else { return [] }
        isListing = true
        nextListingMark = newestKnown
        return [.list]
    }

    private mutating func enqueue(_ name: String, _ purpose: FetchPurpose) {
        guard channels[name]!.phase == .idle else { return }
        channels[name]!.phase = .queued(purpose)
        fetchQueue.append(name)
    }

    private mutating func startFetches() -> [Action] {
        var actions: [Action] = []
        while isSessionActive, runningFetches < maxConcurrentFetches, !fetchQueue.isEmpty {
            let name = fetchQueue.removeFirst()
            guard case .queued(let purpose) = channels[name]?.phase else { continue }
            channels[name]!.phase = .running(purpose)
            runningFetches += 1
            switch purpose {
            case .baseline:
                actions.append(.fetch(channel: name, after: nil, limit: 1, purpose: .baseline))
            case .fill:
                let floor = channels[name]!.floor
                actions.append(
                    .fetch(channel: name, after: floor, limit: pageSize, purpose: .fill)
                )
            }
        }
        return actions
    }

    /// Ends a fill: held pushes follow in arrival order, then the next fetch starts.
    private mutating func finishFill(_ name: String) -> [Action] {
        runningFetches -= 1
        var channel = channels[name]!
        let held = channel.held
        channel.held.removeAll()
        channel.phase = .idle
        let refill = channel.needsRefill
        channel.needsRefill = false
        channels[name] = channel
        var actions: [Action] = []
        for push in held { actions += deliverLive(push) }
        if refill { enqueue(name, .fill) }
        return actions + startFetches()
    }

    private mutating func deliverLive(_ push: LivePush) -> [Action] {
        guard !isDelivered(push.id, in: push.channel) else { return [] }
        record(push.id, in: push.channel)
        return [.deliverLive(push)]
    }

    /// Pushes held for a listing go to their (possibly new) channels.
    private mutating func releaseUnknown() -> [Action] {
        let held = heldUnknown
        heldUnknown.removeAll()
        var actions: [Action] = []
        for push in held { actions += self.push(push) }
        return actions
    }

    /// Once every channel has its baseline, later listings may fill new channels.
    private mutating func completeBaselineIfDone() -> [Action] {
        guard listingMark == nil, !isListing,
            channels.values.allSatisfy({ $0.isBaselined })
        else { return [] }
        listingMark = newestKnown
        return []
    }

    private mutating func record(_ id: Int64, in name: String) {
        newestKnown = Swift.max(newestKnown, id)
        var channel = channels[name]!
        guard id > channel.floor else { return }
        let index = insertionIndex(channel.delivered, id)
        if index < channel.delivered.count, channel.delivered[index] == id { return }
        channel.delivered.insert(id, at: index)
        if channel.delivered.count > maxTrackedIDs {
            // Forget the oldest: the mark moves up and holes below it are no longer sought.
            channel.floor = channel.delivered.removeFirst()
        }
        channels[name] = channel
    }
}

private func insertionIndex(_ sorted: [Int64], _ value: Int64) -> Int {
    var low = 0
    var high = sorted.count
    while low < high {
        let middle = (low + high) / 2
        if sorted[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low
}

private func binarySearch(_ sorted: [Int64], _ value: Int64) -> Int? {
    let index = insertionIndex(sorted, value)
    return index < sorted.count && sorted[index] == value ? index : nil
}
