// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Logging

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
        logger.debug("upstream connecting", metadata: ["upstream.url": configuration.displayURL])
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
        let actions = link.connectSucceeded(at: Date())
        guard link.isConnected else {
            // Stopped while connecting: the link says close it.
            newSession.close()
            return
        }
        session = newSession
        counters.upstreamConnects += 1
        logger.info("upstream connected", metadata: ["upstream.url": configuration.displayURL])
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
        perform(actions)
        perform(router.upstreamReadinessChanged(isReady: true))
    }

    private func connectFailed(_ error: RelayUpstreamConnectError, generation: UInt64) {
        precondition(generation == sessionGeneration, "two upstream attempts at once")
        let failure: UpstreamLink.Failure
        switch error {
        case .unauthorized(let body):
            failure = .unauthorized(body)
            logger.error(
                "upstream refused the API key (HTTP 401)",
                metadata: ["upstream.url": configuration.displayURL]
            )
        case .failed(let reason):
            failure = .other(reason)
            let attempt: Int
            if case .connecting(let current) = link.state { attempt = current } else { attempt = 0 }
            let metadata: LogMetadata = [
                "upstream.url": configuration.displayURL,
                "upstream.attempt": String(attempt),
                "error": reason,
            ]
            // The first failures of an outage are routine; a long run needs an operator.
            if attempt >= 5 {
                logger.warning("upstream connection failed", metadata: metadata)
            } else {
                logger.info("upstream connection failed", metadata: metadata)
            }
        }
        perform(link.connectFailed(failure))
        stopProgress?()
    }

    private func sessionClosed(reason: String) {
        session = nil
        if isStopping {
            logger.debug("upstream closed", metadata: ["upstream.close.reason": reason])
        } else {
            logger.info("upstream lost", metadata: ["upstream.close.reason": reason])
        }
        perform(router.upstreamReadinessChanged(isReady: false))
        perform(link.sessionClosed(reason: reason))
        stopProgress?()
    }

    /// The upstream state as clients and status lines name it.
    var upstreamStateName: String {
        switch link.state {
        case .idle: "starting"
        case .connecting(let attempt): attempt == 1 ? "connecting" : "reconnecting"
        case .connected: "connected"
        case .waitingToReconnect: "reconnecting"
        case .unauthorized: "unauthorized"
        case .stopped: "stopped"
        }
    }
}
