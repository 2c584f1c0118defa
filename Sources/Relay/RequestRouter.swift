// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Identifies one local client connection for the lifetime of the relay process.
struct ClientID: Hashable, Sendable, CustomStringConvertible {
    let raw: UInt64
    var description: String { String(raw) }
}

/// Identifies one request the relay accepted from a client, queued or in flight.
struct RequestTicket: Hashable, Sendable, CustomStringConvertible {
    let raw: UInt64
    var description: String { String(raw) }
}

/// Decides when each client request goes upstream: a cap on requests in flight, fair
/// turns across clients for the rest, deadlines for those that wait too long.
///
/// The server keeps a 256-frame send queue per connection and silently drops what does
/// not fit, so the relay must never have more than a modest number of requests
/// outstanding (``maxInFlight``, 64 by default). Requests beyond it wait in one FIFO
/// queue per client; the queues take turns (round robin), so a client that sends a
/// thousand requests delays another client's single request by at most one request per
/// queued client, not by a thousand. While the upstream is down everything waits.
///
/// Every accepted request ends exactly once: with ``Action/dispatch(_:)`` (after which the
/// owner hands it to the session, whose completion ends it and must be reported with
/// ``completed(_:)``), or with ``Action/fail(_:_:)``. Waiting requests fail when their
/// deadline passes (``expire(now:)``), when their queue or the relay is full, and when the
/// relay shuts down; a client that disconnects simply loses its waiting requests.
///
/// Pure: no I/O and no clock. The owner passes `now` in and performs the actions.
struct RequestRouter<Payload> {
    /// One accepted request.
    struct Request {
        let ticket: RequestTicket
        let client: ClientID
        let payload: Payload
        /// When the relay accepted it.
        let accepted: ContinuousClock.Instant
        /// When the request fails with ``Failure/timedOut`` if no reply has come.
        let deadline: ContinuousClock.Instant
    }

    /// Why the router ended a request without sending it.
    enum Failure: Equatable {
        /// Its deadline passed while it waited (the upstream was down or busy).
        case timedOut
        /// The client already has `limit` requests waiting.
        case clientQueueFull(limit: Int)
        /// The relay already has `limit` requests waiting.
        case relayQueueFull(limit: Int)
        /// The relay is stopping.
        case shuttingDown
        /// It waited ``outageTimeout`` (or its deadline passed) while the upstream was
        /// down.
        case upstreamUnavailable(waited: Duration)
    }

    /// What the owner must do.
    enum Action {
        /// Send the request upstream now, with the time left until its deadline.
        case dispatch(Request)
        /// Answer the client with this failure; the request is over.
        case fail(Request, Failure)
    }

    /// The most requests sent upstream and not yet answered.
    let maxInFlight: Int
    /// The most requests waiting across all clients.
    let maxQueued: Int
    /// The most requests one client may have waiting.
    let maxQueuedPerClient: Int
    /// How long a request may take from acceptance to reply.
    let requestTimeout: Duration
    /// How long a request may wait while the upstream is down, from its acceptance or the
    /// start of the outage, whichever is later.
    let outageTimeout: Duration

    private var nextTicket: UInt64 = 1
    private var inFlight: Set<RequestTicket> = []
    /// Waiting requests per client. A client is in `turns` exactly when it has an entry
    /// here (possibly emptied by expiry); `turns` drops it when its turn finds it empty.
    private var queues: [ClientID: Ring<Request>] = [:]
    private var turns = Ring<ClientID>()
    private(set) var queuedCount = 0
    private(set) var isUpstreamReady = false
    private(set) var isShuttingDown = false
    /// When the upstream last went down; `nil` before it was ever up (requests then wait
    /// from their own arrival).
    private var downSince: ContinuousClock.Instant?

    init(
        maxInFlight: Int,
        maxQueued: Int,
        maxQueuedPerClient: Int,
        requestTimeout: Duration,
        outageTimeout: Duration? = nil
    ) {
        precondition(maxInFlight > 0, "maxInFlight must be positive, got \(maxInFlight)")
        self.maxInFlight = maxInFlight
        self.maxQueued = maxQueued
        self.maxQueuedPerClient = maxQueuedPerClient
        self.requestTimeout = requestTimeout
        self.outageTimeout = outageTimeout ?? requestTimeout
    }

    /// Requests sent upstream and not yet completed.
    var inFlightCount: Int { inFlight.count }

    /// Accepts a request from `client` at `now`.
    ///
    /// - Returns: a dispatch when a slot is free, a failure when a queue is full or the
    ///   relay is stopping, nothing when the request now waits its turn.
    mutating func submit(
        client: ClientID,
        payload: Payload,
        now: ContinuousClock.Instant
    ) -> [Action] {
        let request = Request(
            ticket: RequestTicket(raw: nextTicket),
            client: client,
            payload: payload,
            accepted: now,
            deadline: now + requestTimeout
        )
        nextTicket += 1
        if isShuttingDown { return [.fail(request, .shuttingDown)] }
        if queuedCount >= maxQueued { return [.fail(request, .relayQueueFull(limit: maxQueued))] }
        if let queue = queues[client], queue.count >= maxQueuedPerClient {
            return [.fail(request, .clientQueueFull(limit: maxQueuedPerClient))]
        }
        if queues[client] == nil {
            queues[client] = Ring()
            turns.append(client)
        }
        queues[client]!.append(request)
        queuedCount += 1
        return dispatchWhilePossible()
    }

    /// A dispatched request got its reply or failed upstream; frees its slot.
    mutating func completed(_ ticket: RequestTicket) -> [Action] {
        guard inFlight.remove(ticket) != nil else { return [] }
        return dispatchWhilePossible()
    }

    /// The upstream session is up (or down again) at `now`; waiting requests flow only
    /// while up.
    mutating func upstreamReadinessChanged(
        isReady: Bool,
        now: ContinuousClock.Instant
    ) -> [Action] {
        if isUpstreamReady && !isReady { downSince = now }
        isUpstreamReady = isReady
        return dispatchWhilePossible()
    }

    /// Puts a dispatched request back at the front of its client's queue, ahead of that
    /// client's later requests (so its answers stay in order), keeping its ticket and
    /// deadline; its slot is freed. For a read-only request whose connection was lost,
    /// to be sent again once the upstream is back.
    mutating func requeue(_ request: Request) -> [Action] {
        inFlight.remove(request.ticket)
        if isShuttingDown { return [.fail(request, .shuttingDown)] }
        var queue = queues[request.client] ?? Ring()
        if queues[request.client] == nil { turns.append(request.client) }
        // Tickets grow with arrival: insert by ticket so the queue stays in arrival (and
        // deadline) order even when several requests of one client come back.
        var items: [Request] = []
        while let item = queue.popFirst() { items.append(item) }
        let index = items.firstIndex { $0.ticket.raw > request.ticket.raw } ?? items.endIndex
        items.insert(request, at: index)
        for item in items { queue.append(item) }
        queues[request.client] = queue
        queuedCount += 1
        return dispatchWhilePossible()
    }

    /// Forgets the waiting requests of a client that went away; nobody is left to tell.
    /// Its requests in flight complete upstream as usual and their replies are dropped.
    mutating func clientDisconnected(_ client: ClientID) {
        guard let queue = queues.removeValue(forKey: client) else { return }
        queuedCount -= queue.count
    }

    /// Fails every waiting request whose deadline is at or before `now`, and, while the
    /// upstream is down, every one that has waited ``outageTimeout`` for it.
    mutating func expire(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        for client in Array(queues.keys) {
            // Each queue is in arrival order, hence in order of both deadlines.
            while let head = queues[client]!.first, let failure = expiry(of: head, now: now) {
                queues[client]!.popFirst()
                queuedCount -= 1
                actions.append(.fail(head, failure))
            }
        }
        return actions
    }

    /// Why `request` must fail at `now`, if it must.
    private func expiry(of request: Request, now: ContinuousClock.Instant) -> Failure? {
        if isUpstreamReady {
            return request.deadline <= now ? .timedOut : nil
        }
        let waitStart = Swift.max(request.accepted, downSince ?? request.accepted)
        guard request.deadline <= now || waitStart + outageTimeout <= now else { return nil }
        return .upstreamUnavailable(waited: now - waitStart)
    }

    /// Refuses new requests from now on and fails every waiting one.
    mutating func shutDown() -> [Action] {
        isShuttingDown = true
        var actions: [Action] = []
        while let client = turns.popFirst() {
            guard var queue = queues.removeValue(forKey: client) else { continue }
            while let request = queue.popFirst() {
                actions.append(.fail(request, .shuttingDown))
            }
        }
        queuedCount = 0
        return actions
    }

    /// Hands out turns while the upstream is ready and slots are free.
    private mutating func dispatchWhilePossible() -> [Action] {
        var actions: [Action] = []
        while isUpstreamReady, !isShuttingDown, inFlight.count < maxInFlight,
            let client = turns.popFirst()
        {
            guard var queue = queues.removeValue(forKey: client) else { continue }
            guard let request = queue.popFirst() else { continue }
            queuedCount -= 1
            if !queue.isEmpty {
                queues[client] = queue
                turns.append(client)
            }
            inFlight.insert(request.ticket)
            actions.append(.dispatch(request))
        }
        return actions
    }
}
