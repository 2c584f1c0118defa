// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Logging
import Relay
import SharkfinClient
import Synchronization
import TLS
import WebSocket

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension ServeCommand {
    /// The WebSocket settings of every upstream connection; for `wss://` with the TLS
    /// context built once from `ca-file` and `insecure-skip-verify` (TLS 1.2 at least).
    ///
    /// - Throws: `TLSError.contextSetup` when the trust roots cannot be loaded (a CA file
    ///   without a certificate, say): `serve` does not start.
    func webSocketConfiguration(for url: WebSocketURL, logger: Logger) throws
        -> WebSocketConfiguration
    {
        var configuration = WebSocketConfiguration()
        guard url.isSecure else { return configuration }
        let tls = TLSConfiguration(
            trustRoots: options.caFile.map { .caFile($0) } ?? .systemDefault,
            verifyPeer: !options.insecureSkipVerify,
            minimumVersion: .tls12
        )
        configuration.tls = try TLSContext(configuration: tls)
        logger.info(
            "TLS configured",
            metadata: [
                "tls.trust": tls.trustRoots.description,
                "tls.verify": tls.verifyPeer ? "on" : "OFF",
                "tls.minimum_version": tls.minimumVersion.description,
            ]
        )
        return configuration
    }

    /// Asks the server who the API key belongs to (REST `register`, which only returns the
    /// caller's identity once it exists) so `relay.hello` and `relay.status` can show it.
    /// Retries with the reconnect delays until it succeeds, the key is refused, or `serve`
    /// ends; the relay works without it.
    ///
    /// REST goes through URLSession, which on Linux is libcurl with the system trust store:
    /// it cannot take `ca-file` nor skip verification (FoundationNetworking raises no
    /// server-trust challenge there). A TLS failure therefore ends the lookup with one
    /// warning and the identity stays unknown; docs/SECURITY.md explains the remedy
    /// (trusting the CA system-wide).
    func learnIdentity(
        endpoint: SharkfinEndpoint,
        relay: RelayServer,
        logger: Logger,
        isStopping: @escaping @Sendable () -> Bool
    ) async {
        let rest = SharkfinRESTClient(
            baseURL: endpoint.restBaseURL,
            apiKey: endpoint.apiKey,
            timeout: .seconds(10)
        )
        var delay = options.reconnectMinimum
        while !isStopping() {
            do {
                let identity = try await rest.register()
                relay.identityLearned(identity.username)
                return
            } catch {
                if error.isUnauthorized {
                    // The key may be accepted later (an operator provisions it); ask again
                    // at the pace the upstream retries a refused key.
                    delay = options.reconnectMaximum
                    logger.debug("identity lookup refused (HTTP 401)")
                    let wake = ContinuousClock.now + delay
                    while ContinuousClock.now < wake, !isStopping() {
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                    continue
                }
                if let reason = Self.tlsFailure(error) {
                    logger.warning(
                        "identity lookup gave up: REST uses the system trust store, not"
                            + " ca-file or insecure-skip-verify; the relay works, identity"
                            + " stays unknown (docs/SECURITY.md)",
                        metadata: ["error": reason]
                    )
                    return
                }
                logger.debug("identity lookup failed", metadata: ["error": "\(error)"])
            }
            // Short naps, so that a stopping relay need not wait out a 30 s delay.
            let wake = ContinuousClock.now + delay
            while ContinuousClock.now < wake, !isStopping() {
                try? await Task.sleep(for: .milliseconds(100))
            }
            delay = min(delay * 2, options.reconnectMaximum)
        }
    }

    /// The error's text when `error` is a TLS failure of the REST request, else nil.
    ///
    /// FoundationNetworking on Linux reports libcurl's TLS failures as `NSURLErrorDomain`
    /// code -1 (unknown) with libcurl's text ("SSL certificate problem: self-signed
    /// certificate"), so the text is what identifies them; the dedicated URLError codes
    /// are checked too in case a later Foundation uses them.
    static func tlsFailure(_ error: SharkfinError) -> String? {
        guard case .transport(let underlying) = error else { return nil }
        let nsError = underlying as NSError
        let tlsCodes = [
            NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateHasBadDate,
            NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasUnknownRoot,
            NSURLErrorServerCertificateNotYetValid,
        ]
        // The whole description: libcurl's text sits in a nested NSUnderlyingError.
        let text = "\(underlying)"
        let isTLS =
            tlsCodes.contains(nsError.code) || text.contains("SSL")
            || text.localizedCaseInsensitiveContains("certificate")
        return isTLS ? text : nil
    }
}

/// The background REST identity lookup of `serve`, stopped by a flag and never by task
/// cancellation.
///
/// Two FoundationNetworking problems on Linux shape it. Cancelling a task that awaits
/// `URLSession.data(for:)` can deadlock (the cancel handler takes the session's queue while
/// holding the task's lock, a finishing request takes them in the other order;
/// swift-corelibs-foundation#5412, fixed by #5417 after Swift 6.3.1). And `exit()` while
/// libcurl is in a TLS handshake crashes: OpenSSL's exit handlers free what that thread is
/// reading (seen as SIGSEGV in `X509_STORE_load_file_ex`). So `end` raises the flag, waits
/// a little for the request in flight, and if it is still running ends the process with
/// `_exit`, skipping the C libraries' exit handlers; the relay has stopped by then.
final class IdentityLookup: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// How long `end` waits for a REST request in flight.
    static let drainLimit: Duration = .seconds(2)

    /// Starts `body`, which must return soon after its argument starts returning true.
    func start(
        _ body: @escaping @Sendable (_ isStopping: @escaping @Sendable () -> Bool) async -> Void
    ) {
        let started = Task { [self] in await body { self.stopping.load(ordering: .relaxed) } }
        task.withLock { $0 = started }
    }

    /// Stops the lookup; see the type's comment for why this may end the process.
    func end(exitStatus: ExitStatus, logger: Logger) async {
        stopping.store(true, ordering: .relaxed)
        guard let running = task.withLock({ $0 }) else { return }
        let finished = await withTaskGroup(of: Bool.self) { group in
            // Awaiting `value` from a child task does not cancel the lookup itself.
            group.addTask {
                await running.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: Self.drainLimit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard !finished else { return }
        logger.debug("identity lookup still in flight; exiting without C library cleanup")
        fflush(nil)
        _exit(exitStatus.rawValue)
    }
}
