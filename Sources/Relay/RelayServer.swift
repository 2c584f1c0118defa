// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Logging
import SocketIO
import Systemd

/// The relay: one upstream session shared by every client of a local Unix socket.
///
/// Everything runs on one SocketIO event loop, without a thread or task per client: the
/// listener, every client connection, the upstream session and the timers. State lives
/// in the pure machines (``LineFramer``, ``RequestRouter``, ``EventRing``,
/// ``ClientOutputPolicy``, ``UpstreamLink``); this class feeds them what happens and
/// performs what they decide. Nothing here ever waits for a client: writes go to each
/// connection's buffer, whose size the output policy bounds.
///
/// Call ``start(listener:policy:)`` on the loop (again for each further socket),
/// ``stop(deadline:)`` from anywhere.
public final class RelayServer: @unchecked Sendable {
    // Invariant for @unchecked Sendable: every mutable property is touched only on
    // `loop`'s thread; the public entry points either require that thread or hop to it.

    var configuration: RelayConfiguration
    let loop: EventLoop
    let logger: Logger
    let connector: RelayUpstreamConnector

    /// Called on the loop after every upstream state change (connecting, connected,
    /// waiting to reconnect, stopped); for sd_notify `STATUS=`. Set it before
    /// ``start(listener:)``.
    public var onStateChange: (@Sendable (RelayStatus) -> Void)?

    var listener: Listener?
    /// Sockets served besides the first (a read-only socket), each with its own policy.
    var extraListeners: [Listener] = []
    var clients: [ClientID: LocalClient] = [:]
    var router: RequestRouter<ForwardedRequest>
    /// Requests handed to the session, by ticket: who asked, under which `ref`, and the
    /// router's record (to put it back in the queue for a retry).
    var inFlight: [RequestTicket: RequestRouter<ForwardedRequest>.Request] = [:]
    var ring: EventRing
    var link: UpstreamLink
    var session: (any RelayUpstreamSession)?
    /// Incremented per connection attempt; callbacks from older attempts are ignored.
    var sessionGeneration: UInt64 = 0
    var reconnectTimer: ScheduledTask?
    var sweepTimer: ScheduledTask?
    /// What each channel has delivered; decides gap fills (see ``MessageLedger``).
    var ledger: MessageLedger
    var recoverySweepTimer: ScheduledTask?
    /// Opens the `/presence` companion session; `nil` runs without it.
    let presenceConnector: RelayUpstreamConnector?
    var presenceLink: UpstreamLink
    var presenceSession: (any RelayUpstreamSession)?
    var presenceGeneration: UInt64 = 0
    var presenceTimer: ScheduledTask?
    var counters = RelayCounters()
    var pushEcho: PushEchoWatch
    var isStopping = false
    /// Client connections not yet closed, refused ones and those saying goodbye included.
    var openConnections = 0
    /// Called after anything that can end a wait in ``stop(deadline:)``.
    var stopProgress: (() -> Void)?

    /// A client request on its way upstream.
    struct ForwardedRequest {
        let client: ClientID
        /// The client's `ref`, restored on the reply.
        let ref: String?
        let envelope: JSONObject
        /// The operation (`type`), which decides whether a lost request may be retried.
        let type: String
        /// Whether it was already sent again after a lost connection (once at most).
        var isRetry = false
    }

    /// Creates a relay; nothing happens until ``start(listener:)``.
    ///
    /// - Parameters:
    ///   - configuration: the socket path, upstream URL, identity, limits and version.
    ///   - loop: the event loop every client and the upstream session run on.
    ///   - logger: lifecycle at `info`/`warning`/`error`, clients and requests at `debug`.
    ///   - upstreamFactory: opens one upstream `/ws` session; called for every (re)connect.
    ///   - presenceFactory: opens one `/presence` session (same server, same key), which
    ///     keeps the identity online and brings pointers to messages no `/ws` push
    ///     announces; `nil` runs without it (such messages then wait for the sweep).
    public init(
        configuration: RelayConfiguration,
        loop: EventLoop,
        logger: Logger,
        upstreamFactory: @escaping RelayUpstreamConnector,
        presenceFactory: RelayUpstreamConnector? = nil
    ) {
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.connector = upstreamFactory
        self.presenceConnector = presenceFactory
        let limits = configuration.limits
        self.pushEcho = PushEchoWatch(timeout: limits.pushEchoTimeout)
        self.ledger = MessageLedger(
            pageSize: limits.gapFillPageSize,
            maxTrackedIDs: limits.maxTrackedMessageIDs
        )
        self.presenceLink = UpstreamLink(
            baseDelay: limits.reconnectBaseDelay,
            maxDelay: limits.reconnectMaxDelay,
            resetAfter: limits.reconnectResetAfter
        )
        self.router = RequestRouter(
            maxInFlight: limits.maxInFlight,
            maxQueued: limits.maxQueuedRequests,
            maxQueuedPerClient: limits.maxQueuedRequestsPerClient,
            requestTimeout: limits.requestTimeout,
            outageTimeout: limits.outageQueueTimeout
        )
        self.ring = EventRing(maxEvents: limits.eventRingCount, maxBytes: limits.eventRingBytes)
        self.link = UpstreamLink(
            baseDelay: limits.reconnectBaseDelay,
            maxDelay: limits.reconnectMaxDelay,
            resetAfter: limits.reconnectResetAfter
        )
    }

    /// Starts accepting clients on `listener` (already bound, or adopted from systemd) with
    /// `policy` deciding who may use it and for what. Call on the loop. The first call also
    /// starts connecting upstream; later calls add sockets (a read-only one) to the relay.
    ///
    /// - Throws: `IOError` when the listener cannot be registered with the loop.
    public func start(listener: Listener, policy: LocalAccessPolicy = .unrestricted) throws {
        loop.preconditionInEventLoop()
        precondition(!isStopping, "RelayServer.start(listener:policy:) called after stop")
        let isFirst = self.listener == nil
        if isFirst { self.listener = listener } else { extraListeners.append(listener) }
        try listener.start { [weak self] connection in self?.accept(connection, policy: policy) }
        guard isFirst else {
            logger.info("relay listening on another socket", metadata: policy.logMetadata)
            return
        }
        logger.info(
            "relay listening",
            metadata: policy.logMetadata.merging(
                [
                    "socket.path": configuration.socketPath,
                    "upstream.url": configuration.displayURL,
                ],
                uniquingKeysWith: { $1 }
            )
        )
        scheduleSweep()
        perform(link.start())
        if presenceConnector != nil { performPresence(presenceLink.start()) }
    }

    /// A snapshot for `relay.status` and sd_notify; safe from any thread.
    public var statusSnapshot: RelayStatus {
        get async { await loop.submit { self.makeStatus() } }
    }

    // MARK: Clients

    private func accept(_ connection: StreamConnection, policy: LocalAccessPolicy) {
        let client = LocalClient(connection: connection, server: self, limits: configuration.limits)
        client.access = policy
        openConnections += 1
        connection.start(delegate: client)
        if isStopping {
            sayGoodbye(to: client, .shuttingDown, "relay shutting down")
            return
        }
        guard admit(client) else { return }
        guard clients.count < configuration.limits.maxClients else {
            counters.clientsRefused += 1
            logger.warning(
                "client refused: too many clients",
                metadata: [
                    "client.limit": String(configuration.limits.maxClients),
                    "message.id": RelayMessageID.clientRefused,
                ]
            )
            sayGoodbye(
                to: client,
                .tooManyClients,
                "the relay already serves \(configuration.limits.maxClients) clients"
            )
            return
        }
        clients[client.id] = client
        counters.clientsAccepted += 1
        logger.debug("client connected", metadata: clientMetadata(client))
        writeReply(RelayMessages.notice("relay.hello", helloData()), to: client)
    }

    func client(_ client: LocalClient, didRead bytes: ArraySlice<UInt8>) {
        guard !client.isClosing else { return }
        for output in client.framer.feed(bytes) {
            guard !client.isClosing else { return }
            switch output {
            case .line(let line):
                logger.trace("client line", metadata: clientMetadata(client))
                if client.access.isReadOnly, !readOnlySocketAllows(line, from: client) { continue }
                handleLine(line, from: client)
            case .lineTooLong(let limit):
                counters.badLines += 1
                writeReply(
                    RelayMessages.error(
                        .lineTooLong,
                        "line longer than \(limit) bytes; discarded up to the next newline",
                        ref: nil
                    ),
                    to: client
                )
            }
        }
    }

    func clientDidReadEndOfStream(_ client: LocalClient) {
        if client.isClosing {
            // A lingering close (see `closeLingering`): the client has finished too.
            client.connection.closeAfterFlushing(timeout: configuration.limits.goodbyeFlushTimeout)
            return
        }
        client.framer.finish()
        client.hasReadEndOfStream = true
        closeIfFinished(client)
    }

    func clientDidDrainOutput(_ client: LocalClient) {
        guard !client.isClosing else { return }
        client.connection.resumeReading()
        if let lag = client.output.outputDrained() {
            counters.lagNotices += 1
            logger.debug(
                "client lagged",
                metadata: clientMetadata(client).merging(
                    ["events.missed": String(lag.missed)],
                    uniquingKeysWith: { $1 }
                )
            )
            writeReply(
                RelayMessages.lagged(missed: lag.missed, resumeSince: lag.resumeSince),
                to: client
            )
        }
    }

    func client(_ client: LocalClient, didCloseWith error: (any Error)?) {
        openConnections -= 1
        forget(client)
        var metadata = clientMetadata(client)
        if let error { metadata["error"] = "\(error)" }
        logger.debug("client disconnected", metadata: metadata)
        stopProgress?()
    }

    /// Removes a client from every table; its waiting requests go, late replies drop.
    func forget(_ client: LocalClient) {
        guard clients.removeValue(forKey: client.id) != nil else { return }
        client.framer.finish()
        router.clientDisconnected(client.id)
    }

    /// Closes a client whose input has ended once nothing more is owed to it.
    func closeIfFinished(_ client: LocalClient) {
        guard client.hasReadEndOfStream, client.outstandingRequests == 0, !client.isClosing
        else { return }
        client.isClosing = true
        client.connection.closeAfterFlushing(timeout: configuration.limits.goodbyeFlushTimeout)
    }

    /// Writes a final `relay.goodbye` and closes once it is flushed (or the flush timeout
    /// passes). The client leaves every table at once.
    func sayGoodbye(to client: LocalClient, _ code: RelayErrorCode, _ message: String) {
        guard !client.isClosing else { return }
        client.isClosing = true
        forget(client)
        client.connection.write(RelayMessages.goodbye(code, message))
        closeLingering(client)
    }

    /// Writes a reply, error or notice, which must not be dropped: past the reply limit
    /// the client is disconnected instead. Reading pauses while the queue is over the
    /// event limit, so a client that sends without reading slows itself down.
    func writeReply(_ line: [UInt8], to client: LocalClient) {
        guard !client.isClosing else { return }
        let pending = client.connection.pendingWriteBytes
        switch client.output.offerReply(size: line.count, pending: pending) {
        case .write:
            client.connection.write(line)
            if client.connection.pendingWriteBytes > configuration.limits.clientEventQueueBytes {
                client.connection.pauseReading()
            }
        case .disconnect:
            counters.clientsDisconnectedSlow += 1
            var metadata = clientMetadata(client)
            metadata["message.id"] = RelayMessageID.clientRefused
            logger.warning("client dropped: reply queue overflow", metadata: metadata)
            sayGoodbye(
                to: client,
                .overflow,
                "more than \(configuration.limits.clientReplyQueueBytes) bytes of replies unread"
            )
        }
    }

    func clientMetadata(_ client: LocalClient) -> LogMetadata {
        var metadata: LogMetadata = ["client.id": client.id.description]
        if let credentials = client.connection.peerCredentials {
            metadata["client.pid"] = String(credentials.pid)
            metadata["client.uid"] = String(credentials.uid)
            metadata["client.gid"] = String(credentials.gid)
        }
        return metadata
    }

    // MARK: Housekeeping

    /// How often request deadlines and stalled clients are checked: a tenth of the
    /// shorter timeout, between 10 ms and 1 s.
    var sweepInterval: Duration {
        let limits = configuration.limits
        let shorter =
            min(
                limits.requestTimeout,
                limits.stallTimeout,
                limits.outageQueueTimeout ?? limits.requestTimeout
            )
            / 10
        return min(max(shorter, .milliseconds(10)), .seconds(1))
    }

    private func scheduleSweep() {
        sweepTimer = loop.schedule(after: sweepInterval) { [weak self] in
            guard let self, !self.isStopping else { return }
            self.sweep()
            self.scheduleSweep()
        }
    }

    /// Fails waiting requests past their deadline and disconnects stalled clients.
    func sweep() {
        let now = ContinuousClock.now
        perform(router.expire(now: now))
        checkPushEcho()
        for client in Array(clients.values) {
            let connection = client.connection
            let decision = client.output.checkStall(
                pending: connection.pendingWriteBytes,
                written: connection.totalBytesWritten,
                now: now
            )
            guard decision == .disconnect else { continue }
            counters.clientsDisconnectedSlow += 1
            var metadata = clientMetadata(client)
            metadata["message.id"] = RelayMessageID.clientRefused
            logger.warning("client dropped: stalled", metadata: metadata)
            sayGoodbye(
                to: client,
                .stalled,
                "no output read for \(configuration.limits.stallTimeout)"
            )
        }
    }
}
