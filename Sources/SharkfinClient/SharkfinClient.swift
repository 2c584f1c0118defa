// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import Synchronization
import WebSocket

/// A typed async/await client for a Sharkfin server: one method per operation, an events
/// sequence, automatic reconnect, and the REST API alongside.
///
///     let client = SharkfinClient(endpoint: try SharkfinEndpoint(
///         url: "ws://127.0.0.1:16000/ws", apiKey: key))
///     try await client.connect()
///     let id = try await client.sendMessage(channel: "general", body: "hello")
///     for await event in client.events { ... }
///     await client.close()
///
/// Built on `SharkfinSession`, which runs on an event loop the client owns (or one given
/// in `Options.eventLoop`).
///
/// Why a final class with its state in a `Mutex`, not an actor: the session reports pushes
/// and its end on the loop thread, synchronously, and those reports must be ordered with
/// the state they change (an event must not overtake the `.disconnected` that preceded it).
/// Hopping into an actor would turn each report into a new Task and lose that order. Every
/// decision is taken under the lock without awaiting; I/O happens after leaving it.
public final class SharkfinClient: Sendable {
    /// Tuning for a client.
    public struct Options: Sendable {
        /// How long a request may wait for its reply (default 30 s, as the Go client).
        public var requestTimeout: Duration
        /// Whether to reconnect after the session ends without `close()` (default on).
        public var reconnects: Bool
        /// The delay before each reconnect attempt; see `Backoff.exponential`.
        public var backoff: SharkfinBackoff
        /// Attempts after which reconnecting gives up; nil (default) tries until `close()`.
        /// A refused credential (401) always stops at once.
        public var maxReconnectAttempts: Int?
        /// WebSocket settings (connect and handshake timeouts, frame limits, pings).
        public var webSocket: WebSocketConfiguration
        /// Logs at `debug` and `trace` only; never message bodies or the API key.
        public var logger: Logger
        /// A loop to run on; nil (default) makes the client start and own one.
        public var eventLoop: EventLoop?
        /// How `events` buffers for a slow consumer (default unbounded).
        public var eventBuffering: AsyncStream<SharkfinEvent>.Continuation.BufferingPolicy

        public init(
            requestTimeout: Duration = .seconds(30),
            reconnects: Bool = true,
            backoff: @escaping SharkfinBackoff = Backoff.exponential(),
            maxReconnectAttempts: Int? = nil,
            webSocket: WebSocketConfiguration = WebSocketConfiguration(),
            logger: Logger = .disabled,
            eventLoop: EventLoop? = nil,
            eventBuffering: AsyncStream<SharkfinEvent>.Continuation.BufferingPolicy = .unbounded
        ) {
            self.requestTimeout = requestTimeout
            self.reconnects = reconnects
            self.backoff = backoff
            self.maxReconnectAttempts = maxReconnectAttempts
            self.webSocket = webSocket
            self.logger = logger
            self.eventLoop = eventLoop
            self.eventBuffering = eventBuffering
        }
    }

    /// Opens one session on a loop; `SharkfinSession.connect` in production.
    typealias Connector =
        @Sendable (EventLoop) async throws(SharkfinError) -> SharkfinSession

    /// The server and credentials.
    public let endpoint: SharkfinEndpoint
    public let options: Options
    /// The REST API of the same server, with the same key.
    public let rest: SharkfinRESTClient
    let logger: Logger
    let connector: Connector
    let state = Mutex(State())

    /// Creates a client; nothing happens on the network until `connect()`.
    public convenience init(endpoint: SharkfinEndpoint, options: Options = Options()) {
        let configuration = options.webSocket
        let logger = options.logger
        self.init(endpoint: endpoint, options: options) { loop throws(SharkfinError) in
            try await SharkfinSession.connect(
                to: endpoint,
                configuration: configuration,
                on: loop,
                logger: logger
            )
        }
    }

    init(endpoint: SharkfinEndpoint, options: Options, connector: @escaping Connector) {
        self.endpoint = endpoint
        self.options = options
        self.rest = SharkfinRESTClient(baseURL: endpoint.restBaseURL, apiKey: endpoint.apiKey)
        self.logger = options.logger
        self.connector = connector
    }

    deinit {
        let (session, task, loop, ownsLoop) = state.withLock { state in
            (state.phase.session, state.phase.reconnectTask, state.loop, state.ownsLoop)
        }
        task?.cancel()
        guard let loop else { return }
        loop.execute {
            session?.close()
            if ownsLoop { loop.shutdown() }
        }
    }

    /// Whether a session is up now.
    public var isConnected: Bool {
        state.withLock { $0.phase.session != nil }
    }

    /// Opens the WebSocket session.
    ///
    /// Fails on the first error (no reconnect here): `.unauthorized(body:)` for a refused
    /// key, `.transport` for network and handshake failures. Once connected, a lost session
    /// is reconnected automatically when `Options.reconnects` is on. Returns at once when
    /// already connected.
    ///
    /// - Throws: `.closed` after `close()`; `.notConnected` while another `connect()` or a
    ///   reconnect is in progress.
    public func connect() async throws(SharkfinError) {
        let existingLoop: EventLoop?? = try state.withLock { state throws(SharkfinError) in
            switch state.phase {
            case .closed: throw .closed
            case .connected: return .none
            case .connecting, .reconnecting: throw .notConnected
            case .idle:
                state.phase = .connecting
                return .some(state.loop)
            }
        }
        guard case .some(let known) = existingLoop else { return }
        let loop: EventLoop
        if let known {
            loop = known
        } else if let given = options.eventLoop {
            loop = given
            state.withLock { $0.loop = given }
        } else {
            do {
                loop = try EventLoop(name: "sharkfin-client")
            } catch {
                state.withLock { $0.phase = .idle }
                throw .transport(error)
            }
            state.withLock { state in
                state.loop = loop
                state.ownsLoop = true
            }
        }
        let session: SharkfinSession
        do {
            session = try await connector(loop)
        } catch {
            let closedMeanwhile = state.withLock { state -> Bool in
                if case .connecting = state.phase { state.phase = .idle }
                return state.phase.isClosed
            }
            if closedMeanwhile {
                shutDownOwnedLoop()
                throw .closed
            }
            throw error
        }
        let adopted = state.withLock { state -> Bool in
            guard case .connecting = state.phase else { return false }
            state.phase = .connected(session)
            return true
        }
        guard adopted else {
            // close() ran while we were connecting and left the loop to us.
            await Self.closeUnstarted(session)
            shutDownOwnedLoop()
            throw .closed
        }
        logger.debug("sharkfin client connected", metadata: ["ws.url": "\(endpoint.url)"])
        start(session)
    }

    /// Closes the session (close frame 1000), stops reconnecting, fails pending requests
    /// with `.closed`, finishes every `events` sequence and stops the client's own loop.
    /// The client cannot be used afterwards. Idempotent.
    public func close() async {
        let (session, task, loop, isConnecting, subscribers) = state.withLock { state in
            var isConnecting = false
            if case .connecting = state.phase { isConnecting = true }
            let taken = (
                state.phase.session, state.phase.reconnectTask, state.loop, isConnecting,
                Array(state.subscribers.values)
            )
            state.phase = .closed
            state.subscribers.removeAll()
            return taken
        }
        // The reconnect task notices the cancellation (in its sleep or its connect) and
        // closes any session it opened before returning.
        task?.cancel()
        await task?.value
        if let session, let loop {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                state.withLock { $0.closeWaiters.append(done) }
                loop.execute {
                    if session.isOpen {
                        session.close()
                    } else {
                        self.resumeCloseWaiters()
                    }
                }
            }
        }
        for subscriber in subscribers { subscriber.finish() }
        // A connect() in progress still needs the loop; it shuts it down when it returns.
        if !isConnecting { shutDownOwnedLoop() }
        logger.debug("sharkfin client closed")
    }

    /// A new sequence of everything that happens from now on; every call gets its own
    /// sequence, and each sees every event. It finishes when the client is closed.
    public var events: AsyncStream<SharkfinEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: SharkfinEvent.self,
            bufferingPolicy: options.eventBuffering
        )
        let id = state.withLock { state -> UInt64? in
            if case .closed = state.phase { return nil }
            state.nextSubscriberID += 1
            state.subscribers[state.nextSubscriberID] = continuation
            return state.nextSubscriberID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Hands `event` to every current subscriber.
    func emit(_ event: SharkfinEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// Stops the loop if the client started it (from the loop itself, so nobody blocks).
    func shutDownOwnedLoop() {
        let (loop, owns) = state.withLock { ($0.loop, $0.ownsLoop) }
        guard owns, let loop else { return }
        loop.execute { loop.shutdown() }
    }

    /// Closes a session nobody started (opened by a connect that lost the race with
    /// `close()`) and waits until it is down.
    static func closeUnstarted(_ session: SharkfinSession) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            session.loop.execute {
                session.start(delegate: CloseWaiter { done.resume() })
                session.close()
            }
        }
    }

    func resumeCloseWaiters() {
        let waiters = state.withLock { state in
            defer { state.closeWaiters.removeAll() }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
