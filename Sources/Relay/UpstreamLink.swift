// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// The life of one upstream WebSocket session (`/ws`, or the `/presence` companion):
/// connect, stay up, reconnect with backoff after a failure or a drop, stop.
///
/// - Failed attempts back off exponentially with full jitter (``backoff(attempt:)``);
///   a session that closes before it was up for ``resetAfter`` counts as a failed
///   attempt (the backoff goes on climbing), so a server that accepts and at once drops
///   the connection is retried ever more slowly instead of twice a second.
/// - HTTP 401 is not a network error: the retry waits the full ``maxDelay`` at once,
///   ``isUnauthorized`` stays true until a connection succeeds, and the owner logs the
///   change once (it compares ``isUnauthorized`` before and after the input).
/// - Clients hear of an outage once (``Notice/down(reason:)``) and of its end once.
///
/// Pure: no I/O, no clock, no randomness of its own. The owner passes `now` with every
/// input, performs the actions and logs; tests drive it with a manual clock and a fixed
/// jitter.
struct UpstreamLink {
    /// Where the link is.
    enum State: Equatable {
        /// Not started.
        case idle
        /// Attempt `attempt` is under way (1 for the first since the last healthy
        /// session).
        case connecting(attempt: Int)
        /// The session is up since `since` (wall clock, for status lines) and `upAt`
        /// (monotonic, to judge whether it stayed up long enough to reset the backoff);
        /// `attempt` is the attempt that opened it.
        case connected(since: Date, upAt: ContinuousClock.Instant, attempt: Int)
        /// Attempt `attempt` failed (or its session died young); attempt `attempt + 1`
        /// starts at `retryAt`, `delay` after the failure.
        case waitingToReconnect(attempt: Int, delay: Duration, retryAt: ContinuousClock.Instant)
        /// Stopped for good.
        case stopped
    }

    /// Why an attempt failed.
    enum Failure: Equatable {
        /// HTTP 401 on the upgrade, with the server's body.
        case unauthorized(String)
        /// Anything else (refused, timeout, TLS, bad handshake), described for humans.
        case other(String)
    }

    /// A change clients hear about as a `relay.upstream` event.
    enum Notice: Equatable {
        /// First connection since the relay started.
        case up(since: Date)
        /// Connected again after being down; `attempts` is how many attempts it took.
        case reconnected(since: Date, attempts: Int)
        /// Down (announced once per outage), with the reason.
        case down(reason: String)
    }

    /// What the owner must do.
    enum Action: Equatable {
        /// Start a connection attempt and report its outcome.
        case connect
        /// Fire ``timerFired()`` after `after`.
        case scheduleReconnect(after: Duration)
        /// Cancel the reconnect timer, if one is pending.
        case cancelTimer
        /// Close the session with code 1000.
        case closeSession
        /// Tell clients (and the status watcher) about it.
        case publish(Notice)
    }

    /// Picks a delay in a closed range; the owner passes a random one, tests a fixed one.
    typealias Jitter = (_ range: ClosedRange<Duration>) -> Duration

    private(set) var state = State.idle
    /// The last failure or close reason, for `relay.status`; `nil` while connected.
    private(set) var lastError: String?
    /// Whether the last attempt was refused with HTTP 401 (and none has succeeded since).
    private(set) var isUnauthorized = false
    /// The shortest delay between attempts, and the first one.
    let baseDelay: Duration
    /// The longest delay between attempts, and the pace of retries after HTTP 401.
    let maxDelay: Duration
    /// How long a session must stay up for its close to start the backoff afresh.
    let resetAfter: Duration
    let jitter: Jitter
    private var hasBeenConnected = false
    private var isDownAnnounced = false

    /// - Parameters:
    ///   - baseDelay: the floor of every delay; 0.5 s by default.
    ///   - maxDelay: the cap; 30 s by default.
    ///   - resetAfter: a session up at least this long resets the attempt count; 60 s.
    ///   - jitter: picks the delay within the range ``backoff(attempt:)`` allows;
    ///     uniformly random by default.
    init(
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(30),
        resetAfter: Duration = .seconds(60),
        jitter: @escaping Jitter = UpstreamLink.uniformJitter
    ) {
        self.baseDelay = Swift.max(baseDelay, .zero)
        self.maxDelay = Swift.max(maxDelay, self.baseDelay)
        self.resetAfter = resetAfter
        self.jitter = jitter
    }

    /// The owner starts the link.
    mutating func start() -> [Action] {
        guard case .idle = state else {
            preconditionFailure("UpstreamLink.start() in state \(state)")
        }
        state = .connecting(attempt: 1)
        return [.connect]
    }

    /// The attempt succeeded at wall-clock time `date`, monotonic time `now`.
    mutating func connectSucceeded(at date: Date, now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .connecting(let attempt):
            state = .connected(since: date, upAt: now, attempt: attempt)
            isDownAnnounced = false
            isUnauthorized = false
            lastError = nil
            defer { hasBeenConnected = true }
            return [
                .publish(
                    hasBeenConnected
                        ? .reconnected(since: date, attempts: attempt) : .up(since: date)
                )
            ]
        case .stopped:
            return [.closeSession]
        case .idle, .connected, .waitingToReconnect:
            preconditionFailure("UpstreamLink.connectSucceeded in state \(state)")
        }
    }

    /// The attempt failed at `now`.
    mutating func connectFailed(_ failure: Failure, now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .connecting(let attempt):
            let delay: Duration
            switch failure {
            case .unauthorized(let body):
                lastError = "unauthorized (HTTP 401): \(body)"
                isUnauthorized = true
                delay = maxDelay
            case .other(let reason):
                lastError = reason
                isUnauthorized = false
                delay = backoff(attempt: attempt)
            }
            state = .waitingToReconnect(attempt: attempt, delay: delay, retryAt: now + delay)
            return announceDown() + [.scheduleReconnect(after: delay)]
        case .stopped:
            return []
        case .idle, .connected, .waitingToReconnect:
            preconditionFailure("UpstreamLink.connectFailed in state \(state)")
        }
    }

    /// The live session ended at `now` (server gone, close frame, ping timeout).
    mutating func sessionClosed(reason: String, now: ContinuousClock.Instant) -> [Action] {
        switch state {
        case .connected(_, let upAt, let attempt):
            lastError = reason
            // A session that died young leaves the count where its attempt put it, so the
            // next delay is longer; a healthy one starts the backoff afresh.
            let failed = now - upAt >= resetAfter ? 1 : attempt
            let delay = backoff(attempt: failed)
            state = .waitingToReconnect(attempt: failed, delay: delay, retryAt: now + delay)
            return announceDown() + [.scheduleReconnect(after: delay)]
        case .stopped:
            return []
        case .idle, .connecting, .waitingToReconnect:
            preconditionFailure("UpstreamLink.sessionClosed in state \(state)")
        }
    }

    /// The reconnect timer fired.
    mutating func timerFired() -> [Action] {
        switch state {
        case .waitingToReconnect(let attempt, _, _):
            state = .connecting(attempt: attempt + 1)
            return [.connect]
        case .idle, .connecting, .connected, .stopped:
            // A timer that fired just as it was cancelled; nothing is waiting for it.
            return []
        }
    }

    /// The relay is stopping.
    mutating func stopRequested() -> [Action] {
        let previous = state
        state = .stopped
        switch previous {
        case .idle, .stopped:
            return []
        case .connecting:
            // The attempt's outcome still arrives; connectSucceeded then closes it.
            return []
        case .connected:
            return [.closeSession]
        case .waitingToReconnect:
            return [.cancelTimer]
        }
    }

    /// Whether requests can be sent now.
    var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    /// The attempt under way, or the one that will start when the timer fires; 0 while
    /// connected, idle or stopped.
    var currentAttempt: Int {
        switch state {
        case .connecting(let attempt): attempt
        case .waitingToReconnect(let attempt, _, _): attempt + 1
        case .idle, .connected, .stopped: 0
        }
    }

    private mutating func announceDown() -> [Action] {
        guard !isDownAnnounced else { return [] }
        isDownAnnounced = true
        return [.publish(.down(reason: lastError ?? "unknown"))]
    }
}
