// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO

extension RelayServer {
    /// Stops gracefully; safe from any thread, idempotent.
    ///
    /// 1. Stops accepting clients and fails every waiting request with
    ///    `relay.shutting_down`; new requests get the same answer.
    /// 2. Waits up to `deadline` for the requests in flight to be answered.
    /// 3. Fails those still in flight with `relay.shutting_down`, sends every client a
    ///    `relay.goodbye`, closes the upstream session with code 1000.
    /// 4. Waits (at most `goodbyeFlushTimeout` plus one second) for clients to read their
    ///    goodbye and for the upstream close to finish.
    ///
    /// The socket file is left alone: whoever bound it removes it.
    public func stop(deadline: Duration) async {
        let start = ContinuousClock.now
        let isFirstStop = await loop.submit { self.beginStop() }
        guard isFirstStop else { return }
        await waitOnLoop(until: start + deadline) { self.inFlight.isEmpty }
        await loop.submit { self.finishStop() }
        let flushLimit = configuration.limits.goodbyeFlushTimeout + .seconds(1)
        await waitOnLoop(until: .now + flushLimit) {
            self.openConnections == 0 && self.session == nil && self.presenceSession == nil
        }
        logger.info("relay stopped")
    }

    /// Returns false when a stop is already under way.
    private func beginStop() -> Bool {
        guard !isStopping else { return false }
        isStopping = true
        logger.info(
            "relay shutting down",
            metadata: [
                "requests.in_flight": String(inFlight.count),
                "requests.queued": String(router.queuedCount),
            ]
        )
        listener?.close()
        for listener in extraListeners { listener.close() }
        sweepTimer?.cancel()
        perform(router.shutDown())
        return true
    }

    private func finishStop() {
        for request in inFlight.values {
            finish(
                request.payload,
                with: (.shuttingDown, "relay shutting down before the reply came")
            )
        }
        inFlight.removeAll()
        for client in Array(clients.values) {
            sayGoodbye(to: client, .shuttingDown, "relay shutting down")
        }
        perform(link.stopRequested())
        stopPresence()
        recoverySweepTimer?.cancel()
    }

    /// Suspends until `condition` holds on the loop (checked whenever stop-relevant state
    /// changes) or `deadline` passes.
    private func waitOnLoop(
        until deadline: ContinuousClock.Instant,
        _ condition: @escaping @Sendable () -> Bool
    ) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            loop.execute {
                let waiter = StopWaiter(continuation: continuation)
                if condition() {
                    waiter.resume()
                    return
                }
                let timer = self.loop.schedule(after: deadline - .now) { [weak self] in
                    self?.stopProgress = nil
                    waiter.resume()
                }
                self.stopProgress = { [weak self] in
                    guard condition() else { return }
                    timer.cancel()
                    self?.stopProgress = nil
                    waiter.resume()
                }
            }
        }
    }
}

/// Resumes a stop wait exactly once, from whichever comes first: the condition or the
/// deadline.
private final class StopWaiter: @unchecked Sendable {
    // Invariant for @unchecked Sendable: created and resumed only on the relay's loop.
    private var continuation: CheckedContinuation<Void, Never>?

    init(continuation: CheckedContinuation<Void, Never>) {
        self.continuation = continuation
    }

    func resume() {
        continuation?.resume()
        continuation = nil
    }
}
