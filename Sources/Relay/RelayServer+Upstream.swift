// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Logging
import Systemd

extension RelayServer {
    /// Performs what the upstream link decided.
    func perform(_ actions: [UpstreamLink.Action]) {
        for action in actions {
            switch action {
            case .connect:
                connectUpstream()
            case .scheduleReconnect(let delay):
                reconnectTimer?.cancel()
                reconnectTimer = loop.schedule(after: delay) { [weak self] in
                    guard let self else { return }
                    self.reconnectTimer = nil
                    self.perform(self.link.timerFired())
                }
            case .cancelTimer:
                reconnectTimer?.cancel()
                reconnectTimer = nil
            case .closeSession:
                session?.close()
            case .publish(let notice):
                publish(type: "relay.upstream", body: RelayMessages.upstreamEvent(notice))
            }
        }
        // Every link input goes through here, so this sees every state change.
        onStateChange?(makeStatus())
    }

    /// Starts one connection attempt; its outcome comes back on the loop.
    private func connectUpstream() {
        sessionGeneration += 1
        let generation = sessionGeneration
        let connector = self.connector
        let loop = self.loop
        let logger = self.logger
        logger.debug(
            "upstream connecting",
            metadata: [
                "upstream.url": configuration.displayURL,
                "upstream.attempt": String(link.currentAttempt),
            ]
        )
        Task {
            do throws(RelayUpstreamConnectError) {
                let session = try await connector(loop, logger)
                loop.execute { [weak self] in
                    guard let self else { return session.close() }
                    self.connectSucceeded(session, generation: generation)
                }
            } catch {
                loop.execute { [weak self] in
                    self?.connectFailed(error, generation: generation)
                }
            }
        }
    }

    private func connectSucceeded(_ newSession: any RelayUpstreamSession, generation: UInt64) {
        precondition(generation == sessionGeneration, "two upstream attempts at once")
        let wasUnauthorized = link.isUnauthorized
        let attempts = link.currentAttempt
        let actions = link.connectSucceeded(at: Date(), now: .now)
        guard link.isConnected else {
            // Stopped while connecting: the link says close it.
            newSession.close()
            return
        }
        session = newSession
        counters.upstreamConnects += 1
        logger.info(
            "upstream connected",
            metadata: [
                "upstream.url": configuration.displayURL,
                "upstream.attempt": String(attempts),
                "message.id": RelayMessageID.upstreamConnected,
            ]
        )
        if wasUnauthorized {
            logger.info(
                "upstream accepted the API key again",
                metadata: ["upstream.url": configuration.displayURL]
            )
        }
        perform(actions)
        // Before `start`, which hands over the pushes that arrived with the upgrade: the
        // ledger must hold them behind this session's gap fill.
        recoverySessionStarted()
        newSession.start(
            onPush: { [weak self] object, utf8 in
                guard let self, generation == self.sessionGeneration else { return }
                self.handlePush(object, utf8: utf8)
            },
            onClose: { [weak self] reason in
                guard let self, generation == self.sessionGeneration else { return }
                self.sessionClosed(reason: reason)
            }
        )
        perform(router.upstreamReadinessChanged(isReady: true, now: .now))
    }

    private func connectFailed(_ error: RelayUpstreamConnectError, generation: UInt64) {
        precondition(generation == sessionGeneration, "two upstream attempts at once")
        let wasUnauthorized = link.isUnauthorized
        let attempt = link.currentAttempt
        let failure: UpstreamLink.Failure
        switch error {
        case .unauthorized(let body):
            failure = .unauthorized(body)
        case .failed(let reason):
            failure = .other(reason)
        }
        perform(link.connectFailed(failure, now: .now))
        var metadata: LogMetadata = [
            "upstream.url": configuration.displayURL,
            "upstream.attempt": String(attempt),
            "error": error.description,
        ]
        switch error {
        case .unauthorized:
            // Logged once per change: every 30 s for days would drown the journal.
            metadata["message.id"] = RelayMessageID.unauthorized
            if wasUnauthorized {
                logger.debug("upstream still refuses the API key (HTTP 401)", metadata: metadata)
            } else {
                logger.error("upstream refused the API key (HTTP 401)", metadata: metadata)
            }
        case .failed:
            // The first failures of an outage are routine; a long run needs an operator.
            if attempt >= 5 {
                logger.warning("upstream connection failed", metadata: metadata)
            } else {
                logger.info("upstream connection failed", metadata: metadata)
            }
        }
        stopProgress?()
    }

    private func sessionClosed(reason: String) {
        session = nil
        if isStopping {
            logger.debug("upstream closed", metadata: ["upstream.close.reason": reason])
        } else {
            logger.info(
                "upstream lost",
                metadata: [
                    "upstream.close.reason": reason,
                    "message.id": RelayMessageID.upstreamDisconnected,
                ]
            )
        }
        recoverySessionEnded()
        perform(router.upstreamReadinessChanged(isReady: false, now: .now))
        perform(link.sessionClosed(reason: reason, now: .now))
        stopProgress?()
    }

    /// The upstream state as clients and status lines name it.
    var upstreamStateName: String {
        Self.stateName(of: link)
    }

    /// `starting`, `connecting`, `connected`, `reconnecting`, `unauthorized` or `stopped`.
    static func stateName(of link: UpstreamLink) -> String {
        switch link.state {
        case .idle: "starting"
        case .connecting(let attempt):
            link.isUnauthorized ? "unauthorized" : attempt == 1 ? "connecting" : "reconnecting"
        case .connected: "connected"
        case .waitingToReconnect: link.isUnauthorized ? "unauthorized" : "reconnecting"
        case .stopped: "stopped"
        }
    }

    /// How long until the next attempt, while waiting for one.
    static func nextRetry(of link: UpstreamLink, now: ContinuousClock.Instant) -> Duration? {
        guard case .waitingToReconnect(_, _, let retryAt) = link.state else { return nil }
        return max(retryAt - now, .zero)
    }
}
