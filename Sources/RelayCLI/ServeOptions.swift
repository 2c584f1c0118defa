// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Logging
import TLS
import WebSocket

/// Where log entries go.
public enum LogTarget: String, Sendable {
    /// The journal when stderr is connected to it (`JOURNAL_STREAM`), stderr otherwise.
    case auto
    case stderr
    case journal
}

/// Everything `sharkfin-relay serve` was told, resolved and checked before anything starts.
///
/// Precedence, per setting: command-line flags, then environment variables, then the config
/// file, then built-in defaults. The API key has its own order (see `resolveAPIKey`).
/// `sources` remembers where each setting came from; `check-config` prints it, and every
/// error names it. docs/CONFIGURATION.md lists every option.
struct ServeOptions {
    var upstreamURL: String
    /// The key itself. Never logged, never printed; `check-config` redacts it.
    var apiKey: String
    /// Where the key came from, for logs (`file /etc/…`, `environment SHARKFIN_API_KEY`).
    var apiKeySource: String
    /// The file the key was read from (a key file or systemd credential), to re-read on
    /// reload; `nil` when it came from `SHARKFIN_API_KEY`.
    var apiKeyFile: String?
    var socketPath: String
    var socketPathWasDefault: Bool
    /// Mode of the socket files the daemon creates (not of sockets systemd passes in).
    var socketMode: mode_t
    /// Group to give the socket files; `nil` leaves the daemon's own.
    var socketGroup: gid_t?
    /// When either list is non-empty, a peer (by SO_PEERCRED) may connect only if its UID
    /// is in `allowedUIDs` or its GID is in `allowedGIDs`. Both empty: anyone who can open
    /// the socket file.
    var allowedUIDs: [uid_t]
    var allowedGIDs: [gid_t]
    /// A second socket whose clients may only use read operations; `nil` for none.
    var readOnlySocketPath: String?
    var maxClients: Int
    var maxLineBytes: Int
    var clientQueueBytes: Int
    var maxInFlight: Int
    var requestTimeout: Duration
    var stallTimeout: Duration
    var eventRingCapacity: Int
    var logLevel: LogLevel
    var logTarget: LogTarget
    /// First and longest delay between upstream reconnect attempts; minimum <= maximum.
    var reconnectMinimum: Duration
    var reconnectMaximum: Duration
    /// PEM file of certificates to trust for `wss://` instead of the system's.
    var caFile: String?
    /// Skip TLS certificate verification. Allowed, with a warning in `warnings`.
    var insecureSkipVerify: Bool
    /// The config file that was read; `nil` when none was (the default file is optional).
    var configFile: String?
    /// Where each setting came from, by config key; lists have one source per value.
    var sources: [String: [OptionSource]]
    /// Warnings found while resolving (a key file others can read, TLS verification off),
    /// logged at start and printed by `check-config`.
    var warnings: [String] = []

    /// Resolves `serve`'s command line, reading the config file from its default place.
    init(_ arguments: [String], environment: [String: String]) throws {
        try self.init(
            parsed: try Self.parser.parse(arguments),
            environment: environment,
            defaultConfigPath: ConfigFile.defaultPath(environment: environment)
        )
    }

    /// Resolves parsed options; `check-config` comes here too.
    ///
    /// - Parameter defaultConfigPath: the file to read when `--config` is not given (it may
    ///   be absent); `nil` reads none. Tests pass their own.
    /// - Throws: `HelpRequested`, `UsageError` for a wrong command line, and
    ///   `ConfigurationError` naming the source of a bad setting.
    init(
        parsed: ParsedArguments,
        environment: [String: String],
        defaultConfigPath: String?
    ) throws {
        guard !parsed.has("help") else { throw HelpRequested(text: Self.usage) }
        guard parsed.positionals.isEmpty else {
            throw UsageError("serve takes no positional arguments (got '\(parsed.positionals[0])')")
        }
        if parsed.value("api-key") != nil {
            throw ConfigurationError.keyRefused(source: .flag(name: "api-key"))
        }
        let file: ConfigFile?
        if let path = parsed.value("config") {
            file = try ConfigFile.load(
                path: path,
                isRequired: true,
                source: .flag(name: "config"),
                options: Self.settingOptions
            )
        } else if let path = defaultConfigPath {
            file = try ConfigFile.load(
                path: path,
                isRequired: false,
                source: .defaultValue,
                options: Self.settingOptions
            )
        } else {
            file = nil
        }
        configFile = file?.path
        var layers = SettingLayers(arguments: parsed, environment: environment, file: file)

        upstreamURL = try layers.value("url", default: Self.defaultURL, parseUpstreamURL)
        if layers.sources["url"] == [.defaultValue], environment["SHARKFIN_URL"] == "" {
            throw ConfigurationError.emptyURL
        }
        let key = try Self.resolveAPIKey(&layers)
        apiKey = key.key
        apiKeySource = key.description
        apiKeyFile = key.file
        warnings = key.warnings

        socketPath = try layers.value(
            "socket",
            default: RelayPaths.defaultSocketPath(environment: environment),
            parseSocketPath
        )
        socketPathWasDefault = layers.sources["socket"] == [.defaultValue]
        socketMode = try layers.value("socket-mode", default: 0o600, parseSocketMode)
        socketGroup = try layers.optionalValue("socket-group", resolveGroup)
        allowedUIDs = try layers.list("allow-uid", resolveUser)
        allowedGIDs = try layers.list("allow-gid", resolveGroup)
        let mainSocket = socketPath
        readOnlySocketPath = try layers.optionalValue("read-only-socket") {
            (text) throws(ValueProblem) -> String in
            guard text != mainSocket else {
                throw ValueProblem("must differ from the socket path")
            }
            return try parseSocketPath(text)
        }

        maxClients = try layers.value("max-clients", default: 10_000, parsePositiveInteger)
        maxLineBytes = try layers.value("max-line-bytes", default: 1 << 20, parsePositiveInteger)
        clientQueueBytes = try layers.value(
            "client-queue-bytes",
            default: 1 << 20,
            parsePositiveInteger
        )
        maxInFlight = try layers.value("max-in-flight", default: 64) {
            (text) throws(ValueProblem) -> Int in
            let number = try parsePositiveInteger(text)
            guard number <= 200 else {
                throw ValueProblem(
                    "must stay well below the server's 256-frame queue (at most 200)"
                )
            }
            return number
        }
        requestTimeout = try layers.value(
            "request-timeout",
            default: .seconds(30),
            parsePositiveDuration
        )
        stallTimeout = try layers.value(
            "stall-timeout",
            default: .seconds(30),
            parsePositiveDuration
        )
        eventRingCapacity = try layers.value("event-ring", default: 10_000, parsePositiveInteger)
        logLevel = try layers.value("log-level", default: .info, parseLogLevel)
        logTarget = try layers.value("log-target", default: .auto) {
            (text) throws(ValueProblem) -> LogTarget in
            guard let target = LogTarget(rawValue: text) else {
                throw ValueProblem("must be auto, stderr or journal")
            }
            return target
        }

        reconnectMinimum = try layers.value(
            "reconnect-min",
            default: .milliseconds(500),
            parsePositiveDuration
        )
        reconnectMaximum = try layers.value(
            "reconnect-max",
            default: .seconds(30),
            parsePositiveDuration
        )
        try Self.checkReconnectRange(reconnectMinimum, reconnectMaximum, layers.sources)

        caFile = try layers.optionalValue("ca-file", parseCAFile)
        insecureSkipVerify = try layers.flag("insecure-skip-verify")
        sources = layers.sources
        warnings += tlsWarnings()
    }

    /// `reconnect-min` must not exceed `reconnect-max`; the error names whichever of the
    /// two the operator set (the minimum when both).
    private static func checkReconnectRange(
        _ minimum: Duration,
        _ maximum: Duration,
        _ sources: [String: [OptionSource]]
    ) throws(ConfigurationError) {
        guard minimum > maximum else { return }
        let minimumSource = sources["reconnect-min"]?.first ?? .defaultValue
        let maximumSource = sources["reconnect-max"]?.first ?? .defaultValue
        if minimumSource == .defaultValue {
            throw .invalidValue(
                key: "reconnect-max",
                source: maximumSource,
                problem: "must be at least reconnect-min (\(formatDuration(minimum)), default),"
                    + " got '\(formatDuration(maximum))'"
            )
        }
        throw .invalidValue(
            key: "reconnect-min",
            source: minimumSource,
            problem: "must not exceed reconnect-max (\(formatDuration(maximum)) from"
                + " \(maximumSource)), got '\(formatDuration(minimum))'"
        )
    }

    /// Warnings about TLS settings that weaken or do nothing.
    private func tlsWarnings() -> [String] {
        var warnings: [String] = []
        let isTLS = upstreamURL.hasPrefix("wss://")
        if insecureSkipVerify {
            warnings.append(
                "!!! TLS CERTIFICATE VERIFICATION IS OFF (insecure-skip-verify): anyone on the"
                    + " network path can pose as the server and receive the API key !!!"
            )
            if !isTLS { warnings.append("insecure-skip-verify does nothing for a ws:// URL") }
        }
        if caFile != nil, !isTLS {
            warnings.append("ca-file is unused: the URL is ws://, not wss://")
        }
        return warnings
    }
}

/// A `ws://` or `wss://` URL with a host.
func parseUpstreamURL(_ text: String) throws(ValueProblem) -> String {
    guard text.hasPrefix("ws://") || text.hasPrefix("wss://") else {
        throw ValueProblem("must start with ws:// or wss://")
    }
    guard let components = URLComponents(string: text), let host = components.host,
        !host.isEmpty
    else {
        throw ValueProblem("must be a URL with a host, such as wss://chat.example.org/ws")
    }
    // The WebSocket layer's own parser decides what `serve` will accept (ports, user
    // info), so check-config and serve never disagree.
    do {
        _ = try WebSocketURL(text)
    } catch {
        if case .invalidURL(let detail) = error { throw ValueProblem("is not usable: \(detail)") }
        throw ValueProblem("is not usable: \(error)")
    }
    return text
}

/// One of the logger's level names.
func parseLogLevel(_ text: String) throws(ValueProblem) -> LogLevel {
    guard let level = LogLevel(name: text) else {
        let names = LogLevel.allCases.map(\.description).joined(separator: ", ")
        throw ValueProblem("must be one of \(names)")
    }
    return level
}

/// A readable PEM file OpenSSL accepts as trust roots: checked here, so `check-config`
/// refuses what `serve` would.
func parseCAFile(_ text: String) throws(ValueProblem) -> String {
    let path = try parseReadableFile(text)
    do {
        _ = try TLSContext(configuration: TLSConfiguration(trustRoots: .caFile(path)))
    } catch {
        throw ValueProblem("is not a usable CA file: \(error)")
    }
    return path
}
