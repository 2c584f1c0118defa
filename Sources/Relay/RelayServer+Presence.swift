// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Logging

/// The `/presence` companion session.
///
/// Sharkfin counts a user online only while it holds a `/presence` connection, and sends
/// there (never on `/ws`) the pointers to messages posted through REST that concern the
/// user: mentions, DMs, and every message of its channels for a service identity. The
/// relay keeps one open with its own reconnect (same backoff as `/ws`, its own
/// ``UpstreamLink``), turns each pointer into a ledger check, and after it comes back
/// sweeps every channel, since pointers sent while it was down are lost. Its state shows
/// in `relay.status` (`upstream.presence`); it publishes no `relay.upstream` events.
extension RelayServer {
    /// Performs what the presence link decided.
    func performPresence(_ actions: [UpstreamLink.Action]) {
        for action in actions {
            switch action {
            case .connect:
                connectPresence()
            case .scheduleReconnect(let delay):
                presenceTimer?.cancel()
                presenceTimer = loop.schedule(after: delay) { [weak self] in
                    guard let self else { return }
                    self.presenceTimer = nil
                    self.performPresence(self.presenceLink.timerFired())
                }
            case .cancelTimer:
                presenceTimer?.cancel()
                presenceTimer = nil
            case .closeSession:
                presenceSession?.close()
            case .publish(let notice):
                presenceNotice(notice)
            }
        }
        onStateChange?(makeStatus())
    }

    /// Stops the presence link (part of ``stop(deadline:)``).
    func stopPresence() {
        guard presenceConnector != nil else { return }
        performPresence(presenceLink.stopRequested())
    }

    private func connectPresence() {
        guard let connector = presenceConnector else { return }
        presenceGeneration += 1
        let generation = presenceGeneration
        let loop = self.loop
        let logger = self.logger
        Task {
            do throws(RelayUpstreamConnectError) {
                let session = try await connector(loop, logger)
                loop.execute { [weak self] in
                    guard let self else { return session.close() }
                    self.presenceConnected(session, generation: generation)
                }
            } catch {
                loop.execute { [weak self] in
                    guard let self, generation == self.presenceGeneration else { return }
                    let failure: UpstreamLink.Failure
                    switch error {
                    case .unauthorized(let body): failure = .unauthorized(body)
                    case .failed(let reason): failure = .other(reason)
                    }
                    self.logger.debug(
                        "presence connection failed",
                        metadata: ["error": error.description]
                    )
                    self.performPresence(self.presenceLink.connectFailed(failure, now: .now))
                    self.stopProgress?()
                }
            }
        }
    }

    private func presenceConnected(_ session: any RelayUpstreamSession, generation: UInt64) {
        guard generation == presenceGeneration else { return session.close() }
        let actions = presenceLink.connectSucceeded(at: Date(), now: .now)
        guard presenceLink.isConnected else {
            session.close()
            return
        }
        presenceSession = session
        session.start(
            onPush: { [weak self] object, _ in
                guard let self, generation == self.presenceGeneration else { return }
                self.handlePointer(object)
            },
            onClose: { [weak self] reason in
                guard let self, generation == self.presenceGeneration else { return }
                self.presenceSession = nil
                self.logger.debug("presence session lost", metadata: ["reason": reason])
                self.performPresence(self.presenceLink.sessionClosed(reason: reason, now: .now))
                self.stopProgress?()
            }
        )
        performPresence(actions)
    }

    private func presenceNotice(_ notice: UpstreamLink.Notice) {
        switch notice {
        case .up:
            logger.debug("presence connected")
        case .reconnected:
            logger.debug("presence reconnected; sweeping for messages its pointers missed")
            requestRecoverySweep()
        case .down(let reason):
            logger.info("presence session down", metadata: ["reason": reason])
        }
    }
}
