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
import Systemd
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
        do {
            return try await serve(logger: logger, levelControl: levelControl)
        } catch {
            logger.critical("relay failed to start", metadata: ["error": "\(error)"])
            return .requestFailed
        }
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

    private func serve(logger: Logger, levelControl: LogLevelControl) async throws -> ExitStatus {
        // A client that vanishes mid-write must cost an EPIPE, never the process.
        signal(SIGPIPE, SIG_IGN)
        let descriptorLimit = raiseDescriptorLimit()
        for warning in options.warnings { logger.warning("\(warning)") }

        let url = try WebSocketURL(options.upstreamURL)
        let endpoint = SharkfinEndpoint(url: url, apiKey: options.apiKey)
        let loop = try EventLoop(name: "relay")
        defer { loop.shutdown() }

        let socket = try openSocket(on: loop, logger: logger)
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
                endpoint: endpoint, limits: configuration.limits),
            presenceFactory: SharkfinUpstream.connector(
                endpoint: endpoint, path: "/presence", limits: configuration.limits)
        )
        relay.onStateChange = { (status: RelayStatus) in
            _ = try? notifier.status(status.summary)
        }
        try await loop.submit { try relay.start(listener: socket.listener) }
        logger.info(
            "relay started",
            metadata: [
                "message.id": RelayMessageID.started,
                "relay.version": sharkfinRelayVersion,
                "socket.path": socket.path,
                "socket.activated": socket.isActivated ? "true" : "false",
                "upstream.url": configuration.displayURL,
                "api_key.source": options.apiKeySource,
                "clients.max": "\(configuration.limits.maxClients)",
            ]
        )
        _ = try? notifier.ready()
        _ = try? notifier.status("listening on \(socket.path); upstream connecting")
        startWatchdog(notifier: notifier, loop: loop, logger: logger)
        let identityLookup = Task {
            await learnIdentity(endpoint: endpoint, relay: relay, logger: logger)
        }
        defer { identityLookup.cancel() }

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
        if !socket.isActivated { unlink(socket.path) }
        return .success
    }

    /// The listening socket: adopted from systemd when socket-activated (the unit owns the
    /// file, so it is never unlinked), otherwise bound here after checking the path.
    private func openSocket(
        on loop: EventLoop,
        logger: Logger
    ) throws -> (listener: Listener, path: String, isActivated: Bool) {
        let activated = try SocketActivation.unixStreamListener(
            named: SocketActivation.relaySocketName)
        if let descriptor = activated {
            let listener = try Listener(adoptingDescriptor: descriptor, on: loop)
            let path = boundUnixPath(of: descriptor) ?? options.socketPath
            logger.info("socket adopted from systemd", metadata: ["socket.path": path])
            return (listener, path, true)
        }
        try prepareSocketDirectory(for: options.socketPath)
        if try SocketPathClaim.claim(path: options.socketPath) == .replacedStale {
            logger.notice(
                "replaced a stale socket left by an earlier relay",
                metadata: ["socket.path": options.socketPath])
        }
        let listener = try Listener.unix(path: options.socketPath, mode: 0o600, on: loop)
        logger.info("listening", metadata: ["socket.path": options.socketPath])
        return (listener, options.socketPath, false)
    }

    /// Creates the socket's directory 0700 when missing; refuses a directory that others
    /// may write to, since they could replace the socket with their own.
    private func prepareSocketDirectory(for socketPath: String) throws {
        let directory = (socketPath as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        var info = stat()
        if stat(directory, &info) != 0 {
            guard errno == ENOENT else {
                throw ServeError.socketDirectory(directory, String(cString: strerror(errno)))
            }
            if mkdir(directory, 0o700) != 0, errno != EEXIST {
                throw ServeError.socketDirectory(directory, String(cString: strerror(errno)))
            }
            return
        }
        let sticky = info.st_mode & S_ISVTX != 0
        if info.st_mode & 0o002 != 0, !sticky {
            throw ServeError.socketDirectory(
                directory, "it is writable by others; use a private directory (mode 0700)")
        }
    }

    /// Asks the server who the API key belongs to (REST `register`, which only returns the
    /// caller's identity once it exists) so `relay.hello` and `relay.status` can show it.
    /// Retries with the reconnect delays until it succeeds, the key is refused, or `serve`
    /// ends; the relay works without it.
    private func learnIdentity(
        endpoint: SharkfinEndpoint,
        relay: RelayServer,
        logger: Logger
    ) async {
        let rest = SharkfinRESTClient(
            baseURL: endpoint.restBaseURL,
            apiKey: endpoint.apiKey,
            timeout: .seconds(10)
        )
        var delay = options.reconnectMinimum
        while !Task.isCancelled {
            do {
                let identity = try await rest.register()
                relay.identityLearned(identity.username)
                return
            } catch {
                if error.isUnauthorized { return }
                logger.debug("identity lookup failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, options.reconnectMaximum)
        }
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
                metadata: ["error": "\(error)"])
            return
        }
        levelControl.level = reloaded.logLevel
        var unchanged: [String] = []
        if reloaded.upstreamURL != options.upstreamURL { unchanged.append("url") }
        if reloaded.socketPath != options.socketPath { unchanged.append("socket") }
        if reloaded.apiKey != options.apiKey { unchanged.append("api key") }
        if !unchanged.isEmpty {
            logger.warning(
                "reload: these settings take effect only after a restart",
                metadata: ["settings": unchanged.joined(separator: ", ")])
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

    var description: String {
        switch self {
        case .socketDirectory(let directory, let reason):
            "cannot use socket directory \(directory): \(reason)"
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
