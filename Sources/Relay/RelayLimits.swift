// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The relay's bounds, each with the default it ships with and the reason for it.
///
/// Every bound turns what a misbehaving client or server could otherwise grow without
/// limit (memory, waiting time, upstream load) into a clear error or notice.
public struct RelayLimits: Sendable, Equatable {
    /// The most local clients connected at once; 10,000. A client beyond it receives a
    /// `relay.goodbye` (`relay.too_many_clients`) and is closed. An idle client costs one
    /// descriptor and a few hundred bytes, so the default fits in a small daemon; raise
    /// `LimitNOFILE` with it.
    public var maxClients: Int = 10_000

    /// The longest request line in bytes, not counting `\n`; 1 MiB. A longer line is
    /// answered with `relay.line_too_long` and discarded up to its `\n`. The largest
    /// legitimate request (a `send_message` with a long body) is far smaller.
    public var maxLineBytes: Int = 1 << 20

    /// Bytes queued to one client above which events for it are dropped (and later
    /// announced with `relay.lagged`); 1 MiB, a few thousand typical events.
    public var clientEventQueueBytes: Int = 1 << 20

    /// Bytes queued to one client above which even a reply does not fit and the client is
    /// disconnected (`relay.overflow`); 8 MiB. Replies are never dropped silently.
    public var clientReplyQueueBytes: Int = 8 << 20

    /// How long a client may leave queued bytes unread before it is disconnected
    /// (`relay.stalled`); 30 seconds.
    public var stallTimeout: Duration = .seconds(30)

    /// The most requests sent upstream and not yet answered; 64. The server keeps a
    /// 256-frame send queue per connection and drops what overflows it without notice,
    /// so this stays well below 256 (pushes share that queue).
    public var maxInFlight: Int = 64

    /// The most requests waiting for a slot (or for the upstream to come back), across
    /// all clients; 4,096. Beyond it requests fail with `relay.queue_full`.
    public var maxQueuedRequests: Int = 4_096

    /// The most requests one client may have waiting; 256. Beyond it its requests fail
    /// with `relay.queue_full`, so one client cannot fill the shared queue alone.
    public var maxQueuedRequestsPerClient: Int = 256

    /// How long a request may take from arrival to reply, waiting included; 30 seconds.
    /// After it the client receives `relay.timeout` and a late reply is dropped.
    public var requestTimeout: Duration = .seconds(30)

    /// How many recent events are kept for `relay.subscribe` with `since`; 10,000.
    public var eventRingCount: Int = 10_000

    /// How many bytes of recent events are kept for `since`; 16 MiB.
    public var eventRingBytes: Int = 16 << 20

    /// The floor of every reconnect delay, and the first one; 0.5 seconds. Later delays
    /// are drawn at random between it and a ceiling that doubles per failed attempt up to
    /// ``reconnectMaxDelay`` (the table is on `UpstreamLink.backoffRange(attempt:)`).
    /// The CLI's `--reconnect-min`.
    public var reconnectBaseDelay: Duration = .milliseconds(500)

    /// The cap on reconnect delays, and the retry pace after HTTP 401; 30 seconds. The
    /// CLI's `--reconnect-max`.
    public var reconnectMaxDelay: Duration = .seconds(30)

    /// How long an upstream session must stay up for the backoff to start again from
    /// ``reconnectBaseDelay`` when it ends; 60 seconds. A session that dies sooner counts
    /// as one more failed attempt, so a server that accepts and drops at once is not
    /// hammered twice a second.
    public var reconnectResetAfter: Duration = .seconds(60)

    /// How long a request may wait in the queue while the upstream is down (counted from
    /// its arrival or the start of the outage, whichever is later) before it fails with
    /// `relay.upstream_unavailable`; `nil` (the default) means ``requestTimeout``. The
    /// request's own ``requestTimeout`` still applies.
    public var outageQueueTimeout: Duration?

    /// How often the relay pings the upstream itself; 10 seconds. With
    /// ``upstreamPongTimeout`` it bounds how long a silently dead (half-open, blackholed)
    /// connection goes unnoticed: at most `upstreamPingInterval + upstreamPongTimeout`,
    /// 20 seconds by default.
    public var upstreamPingInterval: Duration = .seconds(10)

    /// How long one of the relay's pings may go unanswered before the upstream
    /// connection is declared dead and replaced; 10 seconds.
    public var upstreamPongTimeout: Duration = .seconds(10)

    /// Messages asked for per `history` page when filling a gap; 100, the server's
    /// largest page (it turns larger values into 50).
    public var gapFillPageSize: Int = 100

    /// How often every channel is checked with `history` for messages no push announced
    /// (REST posts in plain channels reach a `user` identity by no other path); 60
    /// seconds. `nil` turns the sweep off: such messages are then found only after the
    /// next reconnect. This is the bound on how late such a message can arrive.
    public var gapSweepInterval: Duration? = .seconds(60)

    /// How long after a `/presence` pointer the relay waits for the `/ws` push of the same
    /// message before fetching it with `history`; 250 ms. Most pointers concern messages
    /// that are also pushed, so the wait saves a fetch.
    public var pointerGraceDelay: Duration = .milliseconds(250)

    /// Message ids remembered per channel for de-duplication above the channel's
    /// verified mark; 4,096. Past it the oldest are forgotten and the mark moves up, so a
    /// hole below it is no longer looked for.
    public var maxTrackedMessageIDs: Int = 4_096

    /// How long an upstream connection attempt may take; 10 seconds.
    public var connectTimeout: Duration = .seconds(10)

    /// How long a client being disconnected gets to read its final notice; 2 seconds.
    public var goodbyeFlushTimeout: Duration = .seconds(2)

    /// The defaults above.
    public init() {}
}
