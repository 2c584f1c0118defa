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

    /// The first reconnect delay after the upstream fails; 0.5 seconds, doubling per
    /// failed attempt.
    public var reconnectBaseDelay: Duration = .milliseconds(500)

    /// The longest reconnect delay, and the retry pace after HTTP 401; 30 seconds.
    public var reconnectMaxDelay: Duration = .seconds(30)

    /// How long an upstream connection attempt may take; 10 seconds.
    public var connectTimeout: Duration = .seconds(10)

    /// How long a client being disconnected gets to read its final notice; 2 seconds.
    public var goodbyeFlushTimeout: Duration = .seconds(2)

    /// The defaults above.
    public init() {}
}
