// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Dispatch
import Foundation
import Glibc
import JSON
import Logging
import Relay
import SharkfinClient
import SocketIO
import Synchronization
import Systemd
import TLS
import WebSocket

/// `sharkfin-relay serve`: wires the relay to the process — logging, the socket (bound
/// here or adopted from systemd), signals, sd_notify and the watchdog.
struct ServeCommand {
    var options: ServeOptions
    /// The command line `serve` was given, resolved again on SIGHUP.
    var arguments: [String]
    var environment: [String: String]

    /// How long a graceful stop may take before the process exits anyway; well inside
    /// systemd's default 90 s stop timeout.
    static let stopDeadline: Duration = .seconds(10)

    func run(output: CommandOutput) async -> ExitStatus {
        let levelControl = LogLevelControl(options.logLevel)
        var logger = Logger(
            label: "sharkfin-relay",
            level: options.logLevel,
            handler: makeLogHandler()
        )
        logger.levelControl = levelControl
        let identityLookup = IdentityLookup()
        let status: ExitStatus
        do {
            status = try await serve(
                logger: logger,
                levelControl: levelControl,
                identityLookup: identityLookup
            )
        } catch {
            logger.critical("relay failed to start", metadata: ["error": "\(error)"])
            status = .requestFailed
        }
        await identityLookup.end(exitStatus: status, logger: logger)
        return status
    }

    private func makeLogHandler() -> any LogHandler {
        switch options.logTarget {
        case .stderr:
            return StderrLogHandler()
        case .journal:
            return JournalLogHandler(fallback: StderrLogHandler())
        case .auto:
            return JournalLogHandler.isStderrConnectedToJournal()
                ? JournalLogHandler(fallback: StderrLogHandler()) : StderrLogHandler()
        }
    }

    private func serve(
        logger: Logger,
        levelControl: LogLevelControl,
        identityLookup: IdentityLookup
    ) async throws -> ExitStatus {
        // A client that vanishes mid-write must cost an EPIPE, never the process.
        signal(SIGPIPE, SIG_IGN)
        let descriptorLimit = raiseDescriptorLimit()
        for warning in options.warnings {
            // ServeOptions marks with `!!!` what an operator must act on (TLS verification
            // off): logged at error, on every start.
            logger.log(warning.hasPrefix("!!!") ? .error : .warning, "\(warning)")
        }

        let url = try WebSocketURL(options.upstreamURL)
        let endpoint = SharkfinEndpoint(url: url, apiKey: options.apiKey)
        let webSocket = try webSocketConfiguration(for: url, logger: logger)
        let loop = try EventLoop(name: "relay")
        defer { loop.shutdown() }

        let socket = try openSocket(on: loop, logger: logger)
        let readOnlySocket: ServeSocket?
        do {
            readOnlySocket = try openReadOnlySocket(on: loop, logger: logger)
        } catch {
            if !socket.isActivated { unlink(socket.path) }
            throw error
        }
        defer {
            if !socket.isActivated { unlink(socket.path) }
            if let readOnlySocket, !readOnlySocket.isActivated { unlink(readOnlySocket.path) }
        }
        var configuration = RelayConfiguration(
            socketPath: socket.path,
            upstreamURL: options.upstreamURL,
            relayVersion: sharkfinRelayVersion
        )
        configuration.limits.maxClients = min(options.maxClients, max(descriptorLimit - 64, 16))
        configuration.limits.maxLineBytes = options.maxLineBytes
        configuration.limits.clientEventQueueBytes = options.clientQueueBytes
        configuration.limits.maxInFlight = options.maxInFlight
        configuration.limits.requestTimeout = options.requestTimeout
        configuration.limits.stallTimeout = options.stallTimeout
        configuration.limits.eventRingCount = options.eventRingCapacity
        configuration.limits.reconnectBaseDelay = options.reconnectMinimum
        configuration.limits.reconnectMaxDelay = options.reconnectMaximum

        let notifier = SystemdNotifier()
        let relay = RelayServer(
            configuration: configuration,
            loop: loop,
            logger: logger,
            upstreamFactory: SharkfinUpstream.connector(
                endpoint: endpoint,
                limits: configuration.limits,
                base: webSocket
            ),
            presenceFactory: SharkfinUpstream.connector(
                endpoint: endpoint,
                path: "/presence",
                limits: configuration.limits,
                base: webSocket
            )
        )
        let statusReporter = StatusReporter(notifier: notifier)
        relay.onStateChange = { (status: RelayStatus) in
            statusReporter.report(status.summary)
        }
        let policy = LocalAccessPolicy(
            allowedUIDs: Set(options.allowedUIDs),
            allowedGIDs: Set(options.allowedGIDs)
        )
        let readOnlyPolicy = LocalAccessPolicy(
            allowedUIDs: policy.allowedUIDs,
            allowedGIDs: policy.allowedGIDs,
            isReadOnly: true
        )
        let readOnlyListener = readOnlySocket?.listener
        try await loop.submit {
            try relay.start(listener: socket.listener, policy: policy)
            if let readOnlyListener {
                try relay.start(listener: readOnlyListener, policy: readOnlyPolicy)
            }
        }
        var started: LogMetadata = [
            "message.id": RelayMessageID.started,
            "relay.version": sharkfinRelayVersion,
            "socket.path": socket.path,
            "socket.activated": socket.isActivated ? "true" : "false",
            "upstream.url": configuration.displayURL,
            "api_key.source": options.apiKeySource,
            "clients.max": "\(configuration.limits.maxClients)",
        ]
        if let readOnlySocket { started["socket.read_only.path"] = readOnlySocket.path }
        logger.info("relay started", metadata: started)
        _ = try? notifier.ready()
        statusReporter.report(await relay.statusSnapshot.summary)
        startWatchdog(notifier: notifier, loop: loop, logger: logger)
        // Client counts and queued requests change without an upstream event; refresh.
        let statusRefresh = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                statusReporter.report(await relay.statusSnapshot.summary)
            }
        }
        defer { statusRefresh.cancel() }
        identityLookup.start { isStopping in
            await learnIdentity(
                endpoint: endpoint,
                relay: relay,
                logger: logger,
                isStopping: isStopping
            )
        }

        for await signal in signalStream([SIGTERM, SIGINT, SIGHUP]) {
            if signal == SIGHUP {
                reload(notifier: notifier, levelControl: levelControl, logger: logger)
                continue
            }
            logger.info(
                "relay stopping",
                metadata: ["message.id": RelayMessageID.stopping, "signal": "\(signal)"]
            )
            _ = try? notifier.stopping()
            break
        }
        await relay.stop(deadline: Self.stopDeadline)
        return .success
    }

    /// Pings the watchdog from the relay's own event loop at half the interval, so a loop
    /// that stops turning stops the pings and systemd restarts us.
    private func startWatchdog(notifier: SystemdNotifier, loop: EventLoop, logger: Logger) {
        guard let interval = try? notifier.watchdogInterval() else { return }
        let period = WatchdogSchedule(interval: interval).pingPeriod
        logger.info("watchdog enabled", metadata: ["watchdog.period": "\(period)"])
        @Sendable func ping() {
            _ = try? notifier.watchdog()
            loop.schedule(after: period, ping)
        }
        loop.execute(ping)
    }

    /// SIGHUP: re-reads what can change without a restart (the log level, from
    /// `SHARKFIN_RELAY_LOG_LEVEL` or the original flag) and keeps every connection.
    private func reload(notifier: SystemdNotifier, levelControl: LogLevelControl, logger: Logger) {
        _ = try? notifier.reloading()
        defer { _ = try? notifier.ready() }
        // The same resolution as at start (flags > environment > config file > defaults), so
        // an edited config file takes effect; an invalid one changes nothing.
        let reloaded: ServeOptions
        do {
            reloaded = try ServeOptions(arguments, environment: environment)
        } catch {
            logger.error(
                "reload refused: configuration is invalid; keeping the running one",
                metadata: ["error": "\(error)"]
            )
            return
        }
        levelControl.level = reloaded.logLevel
        var unchanged: [String] = []
        if reloaded.upstreamURL != options.upstreamURL { unchanged.append("url") }
        if reloaded.socketPath != options.socketPath { unchanged.append("socket") }
        if reloaded.apiKey != options.apiKey { unchanged.append("api key") }
        if reloaded.socketMode != options.socketMode || reloaded.socketGroup != options.socketGroup
            || reloaded.readOnlySocketPath != options.readOnlySocketPath
        {
            unchanged.append("socket-mode, socket-group, read-only-socket")
        }
        if reloaded.allowedUIDs != options.allowedUIDs
            || reloaded.allowedGIDs != options.allowedGIDs
        {
            unchanged.append("allow-uid, allow-gid")
        }
        if reloaded.caFile != options.caFile
            || reloaded.insecureSkipVerify != options.insecureSkipVerify
        {
            unchanged.append("ca-file, insecure-skip-verify")
        }
        if !unchanged.isEmpty {
            logger.warning(
                "reload: these settings take effect only after a restart",
                metadata: ["settings": unchanged.joined(separator: ", ")]
            )
        }
        logger.notice(
            "configuration reloaded",
            metadata: ["message.id": RelayMessageID.reloaded, "log.level": "\(reloaded.logLevel)"]
        )
    }
}

/// Errors of `serve` itself, before the relay runs.
enum ServeError: Error, CustomStringConvertible {
    case socketDirectory(String, String)
    /// `chown` or `chmod` of a socket or its directory failed: the path, the change, errno.
    case socketPermissions(String, String, Int32)
    /// systemd passed sockets the relay does not serve (by descriptor and name).
    case unexpectedDescriptors([String])

    var description: String {
        switch self {
        case .unexpectedDescriptors(let descriptors):
            "systemd passed sockets the relay does not serve: "
                + descriptors.joined(separator: ", ")
                + "; name them relay and relay-read-only (FileDescriptorName=)"
        case .socketDirectory(let directory, let reason):
            "cannot use socket directory \(directory): \(reason)"
        case .socketPermissions(let path, let change, let code):
            "cannot \(change) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// The path a listening Unix socket is bound to, from `getsockname`.
func boundUnixPath(of descriptor: Int32) -> String? {
    var address = sockaddr_un()
    var length = socklen_t(MemoryLayout<sockaddr_un>.size)
    let found = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getsockname(descriptor, $0, &length) == 0
        }
    }
    guard found, address.sun_family == sa_family_t(AF_UNIX) else { return nil }
    let path = withUnsafeBytes(of: &address.sun_path) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    return path.isEmpty ? nil : path
}

/// Raises the soft descriptor limit to the hard limit (each local client is one
/// descriptor) and returns the limit in force.
func raiseDescriptorLimit() -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
    }
    return Int(clamping: limit.rlim_cur)
}

/// Delivers the given signals as an async stream instead of running handlers in signal
/// context. The signals' default actions are disabled for the life of the process.
func signalStream(_ signals: [Int32]) -> AsyncStream<Int32> {
    AsyncStream { continuation in
        let queue = DispatchQueue(label: "sharkfin-relay.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        let retained = UncheckedBox(sources)
        continuation.onTermination = { _ in
            for source in retained.value { source.cancel() }
        }
    }
}

/// Carries a non-Sendable value into a `@Sendable` closure that only cancels it.
private final class UncheckedBox<Value>: @unchecked Sendable {
    // Invariant: `value` is only read after construction (never mutated).
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Sends `STATUS=` to systemd when the text changed, from whichever thread notices first.
final class StatusReporter: Sendable {
    private let notifier: SystemdNotifier
    private let lastSent = Mutex<String?>(nil)

    init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    func report(_ text: String) {
        let changed = lastSent.withLock { last -> Bool in
            guard last != text else { return false }
            last = text
            return true
        }
        if changed { _ = try? notifier.status(text) }
    }
}
