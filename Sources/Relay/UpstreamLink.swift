// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// The life of the relay's one upstream session: connect, stay up, reconnect with
/// backoff after a failure or a drop, stop.
///
/// This is the simple version: capped exponential backoff without jitter, and a 401 only
/// slows the retries down to the cap. The full resilience layer (jitter, 401 handling,
/// filling gaps from `history`) will grow here, which is why connection attempts, timers
/// and published notices are all outputs of one machine.
///
/// Pure: no I/O, no clock. The owner feeds inputs, performs the actions and logs.
struct UpstreamLink {
    /// Where the link is.
    enum State: Equatable {
        /// Not started.
        case idle
        /// A connection attempt is under way; `attempt` counts attempts since the last
        /// success (1 for the first).
        case connecting(attempt: Int)
        /// The session is up since `since` (wall clock, for status lines).
        case connected(since: Date)
        /// Attempt `attempt` failed; the next one starts after `delay`.
        case waitingToReconnect(attempt: Int, delay: Duration)
        /// The server refused the credential (HTTP 401) on attempt `attempt`; retries
        /// continue at the slowest pace in case the key is fixed server-side.
        case unauthorized(attempt: Int)
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
        /// Connected again after being down; pushes sent meanwhile were not received.
        case reconnected(since: Date)
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

    private(set) var state = State.idle
    /// The last failure or close reason, for `relay.status`.
    private(set) var lastError: String?
    /// Delay before the first retry; doubled per failed attempt.
    let baseDelay: Duration
    /// The longest delay between attempts.
    let maxDelay: Duration
    private var hasBeenConnected = false
    private var isDownAnnounced = false

    init(baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        self.baseDelay = baseDelay
        self.maxDelay = Swift.max(maxDelay, baseDelay)
    }

    /// The delay after `attempt` consecutive failures: `baseDelay * 2^(attempt-1)`,
    /// capped at `maxDelay`. With the defaults: 0.5, 1, 2, 4, 8, 16, 30, 30, … seconds.
    func backoff(attempt: Int) -> Duration {
        // Cap the exponent before multiplying, so no attempt count can overflow.
        let exponent = Swift.min(Swift.max(attempt - 1, 0), 30)
        var delay = baseDelay
        for _ in 0..<exponent {
            delay *= 2
            if delay >= maxDelay { return maxDelay }
        }
        return delay
    }

    /// The owner starts the link.
    mutating func start() -> [Action] {
        guard case .idle = state else {
            preconditionFailure("UpstreamLink.start() in state \(state)")
        }
        state = .connecting(attempt: 1)
        return [.connect]
    }

    /// The attempt succeeded at wall-clock time `now`.
    mutating func connectSucceeded(at now: Date) -> [Action] {
        switch state {
        case .connecting:
            state = .connected(since: now)
            isDownAnnounced = false
            lastError = nil
            defer { hasBeenConnected = true }
            return [.publish(hasBeenConnected ? .reconnected(since: now) : .up(since: now))]
        case .stopped:
            return [.closeSession]
        case .idle, .connected, .waitingToReconnect, .unauthorized:
            preconditionFailure("UpstreamLink.connectSucceeded in state \(state)")
        }
    }

    /// The attempt failed.
    mutating func connectFailed(_ failure: Failure) -> [Action] {
        switch state {
        case .connecting(let attempt):
            var actions: [Action] = []
            switch failure {
            case .unauthorized(let body):
                lastError = "unauthorized (HTTP 401): \(body)"
                state = .unauthorized(attempt: attempt)
                actions.append(.scheduleReconnect(after: maxDelay))
            case .other(let reason):
                lastError = reason
                let delay = backoff(attempt: attempt)
                state = .waitingToReconnect(attempt: attempt, delay: delay)
                actions.append(.scheduleReconnect(after: delay))
            }
            return announceDown() + actions
        case .stopped:
            return []
        case .idle, .connected, .waitingToReconnect, .unauthorized:
            preconditionFailure("UpstreamLink.connectFailed in state \(state)")
        }
    }

    /// The live session ended (server gone, close frame, ping timeout).
    mutating func sessionClosed(reason: String) -> [Action] {
        switch state {
        case .connected:
            lastError = reason
            let delay = backoff(attempt: 1)
            state = .waitingToReconnect(attempt: 1, delay: delay)
            return announceDown() + [.scheduleReconnect(after: delay)]
        case .stopped:
            return []
        case .idle, .connecting, .waitingToReconnect, .unauthorized:
            preconditionFailure("UpstreamLink.sessionClosed in state \(state)")
        }
    }

    /// The reconnect timer fired.
    mutating func timerFired() -> [Action] {
        switch state {
        case .waitingToReconnect(let attempt, _), .unauthorized(let attempt):
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
        case .waitingToReconnect, .unauthorized:
            return [.cancelTimer]
        }
    }

    /// Whether requests can be sent now.
    var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    private mutating func announceDown() -> [Action] {
        guard !isDownAnnounced else { return [] }
        isDownAnnounced = true
        return [.publish(.down(reason: lastError ?? "unknown"))]
    }
}
