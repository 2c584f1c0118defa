// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Logging

/// Where log entries go.
public enum LogTarget: String, Sendable {
    /// The journal when stderr is connected to it (`JOURNAL_STREAM`), stderr otherwise.
    case auto
    case stderr
    case journal
}

/// Everything `sharkfin-relay serve` was told, resolved from flags and environment and
/// checked, before anything starts.
///
/// Precedence: command-line flags, then environment variables, then built-in defaults.
struct ServeOptions {
    var upstreamURL: String
    /// The key itself. Never logged, never printed; `description`s redact it.
    var apiKey: String
    /// Where the key came from, for logs (`file /etc/…`, `SHARKFIN_API_KEY`).
    var apiKeySource: String
    var socketPath: String
    var socketPathWasDefault: Bool
    var maxClients: Int
    var maxLineBytes: Int
    var clientQueueBytes: Int
    var maxInFlight: Int
    var requestTimeout: Duration
    var stallTimeout: Duration
    var eventRingCapacity: Int
    var logLevel: LogLevel
    var logTarget: LogTarget
    /// Warnings found while resolving (e.g. a key file others can read), logged at start.
    var warnings: [String] = []

    static let defaultURL = "ws://127.0.0.1:16000/ws"

    static let parser = ArgumentParser(options: [
        OptionSpec(
            name: "url",
            kind: .value(placeholder: "URL"),
            help: "Sharkfin WebSocket URL (env SHARKFIN_URL; default \(defaultURL))"
        ),
        OptionSpec(
            name: "api-key-file",
            kind: .value(placeholder: "FILE"),
            help: "file holding the API key (env SHARKFIN_API_KEY_FILE)"
        ),
        OptionSpec(
            name: "api-key",
            kind: .value(placeholder: "KEY"),
            help: "refused: a key on the command line shows in ps; use a file"
        ),
        socketOption,
        OptionSpec(
            name: "max-clients",
            kind: .value(placeholder: "N"),
            help: "local clients served at once (default 10000)"
        ),
        OptionSpec(
            name: "max-line-bytes",
            kind: .value(placeholder: "N"),
            help: "longest accepted request line (default 1048576)"
        ),
        OptionSpec(
            name: "client-queue-bytes",
            kind: .value(placeholder: "N"),
            help: "per-client output queue before events are dropped (default 4194304)"
        ),
        OptionSpec(
            name: "max-in-flight",
            kind: .value(placeholder: "N"),
            help: "upstream requests awaiting replies at once (default 64)"
        ),
        OptionSpec(
            name: "request-timeout",
            kind: .value(placeholder: "DURATION"),
            help: "answer a request with an error after this long (default 30s)"
        ),
        OptionSpec(
            name: "stall-timeout",
            kind: .value(placeholder: "DURATION"),
            help: "drop a client that reads nothing for this long (default 30s)"
        ),
        OptionSpec(
            name: "event-ring",
            kind: .value(placeholder: "N"),
            help: "recent events kept for `since` replays (default 10000)"
        ),
        OptionSpec(
            name: "log-level",
            kind: .value(placeholder: "LEVEL"),
            help: "trace|debug|info|notice|warning|error|critical (default info)"
        ),
        OptionSpec(
            name: "log-target",
            kind: .value(placeholder: "TARGET"),
            help: "auto|stderr|journal (default auto: journal under systemd)"
        ),
        helpOption,
    ])

    static let usage = """
        usage: sharkfin-relay serve [options]

        Holds one WebSocket session to a Sharkfin server for one identity and serves it to
        local programs over a line-delimited JSON Unix socket (see docs/PROTOCOL.md).

        The API key is read, first found wins, from $CREDENTIALS_DIRECTORY/sharkfin-api-key
        (systemd LoadCredential=), --api-key-file, $SHARKFIN_API_KEY_FILE, $SHARKFIN_API_KEY.

        options:
        \(parser.helpText())
        """

    init(_ arguments: [String], environment: [String: String]) throws {
        let parsed = try Self.parser.parse(arguments)
        guard !parsed.has("help") else { throw HelpRequested(text: Self.usage) }
        guard parsed.positionals.isEmpty else {
            throw UsageError("serve takes no positional arguments (got '\(parsed.positionals[0])')")
        }
        if parsed.value("api-key") != nil {
            throw UsageError(
                "--api-key is refused: a key on the command line is visible to every user in ps;"
                    + " put it in a file (mode 0600) and pass --api-key-file"
            )
        }
        upstreamURL = parsed.value("url") ?? environment["SHARKFIN_URL"] ?? Self.defaultURL
        guard upstreamURL.hasPrefix("ws://") || upstreamURL.hasPrefix("wss://") else {
            throw UsageError("--url must start with ws:// or wss://, got '\(upstreamURL)'")
        }
        let key = try Self.resolveAPIKey(parsed, environment: environment)
        apiKey = key.key
        apiKeySource = key.source
        warnings = key.warnings
        socketPathWasDefault = parsed.value("socket") == nil
        socketPath =
            parsed.value("socket") ?? RelayPaths.defaultSocketPath(environment: environment)
        maxClients = try parsed.positiveInteger("max-clients") ?? 10_000
        maxLineBytes = try parsed.positiveInteger("max-line-bytes") ?? 1 << 20
        clientQueueBytes = try parsed.positiveInteger("client-queue-bytes") ?? 4 << 20
        maxInFlight = try parsed.positiveInteger("max-in-flight") ?? 64
        if maxInFlight > 200 {
            throw UsageError(
                "--max-in-flight must stay well below the server's 256-frame queue (at most 200)"
            )
        }
        requestTimeout = try parsed.duration("request-timeout") ?? .seconds(30)
        stallTimeout = try parsed.duration("stall-timeout") ?? .seconds(30)
        eventRingCapacity = try parsed.positiveInteger("event-ring") ?? 10_000
        let levelName =
            parsed.value("log-level") ?? environment["SHARKFIN_RELAY_LOG_LEVEL"] ?? "info"
        guard let level = LogLevel(name: levelName) else {
            let names = LogLevel.allCases.map(\.description).joined(separator: ", ")
            throw UsageError("--log-level must be one of \(names), got '\(levelName)'")
        }
        logLevel = level
        let targetName = parsed.value("log-target") ?? "auto"
        guard let target = LogTarget(rawValue: targetName) else {
            throw UsageError("--log-target must be auto, stderr or journal, got '\(targetName)'")
        }
        logTarget = target
    }

    private static func resolveAPIKey(
        _ parsed: ParsedArguments,
        environment: [String: String]
    ) throws -> (key: String, source: String, warnings: [String]) {
        if let directory = environment["CREDENTIALS_DIRECTORY"] {
            let path = "\(directory)/sharkfin-api-key"
            if FileManager.default.fileExists(atPath: path) {
                // systemd makes credential files private to the service; no mode check.
                return (try readKeyFile(path), "credential \(path)", [])
            }
        }
        if let path = parsed.value("api-key-file") ?? environment["SHARKFIN_API_KEY_FILE"] {
            var warnings: [String] = []
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o044 != 0 {
                warnings.append(
                    "API key file \(path) is readable by group or others (mode "
                        + String(info.st_mode & 0o777, radix: 8) + "); chmod 600 it"
                )
            }
            return (try readKeyFile(path), "file \(path)", warnings)
        }
        if let key = environment["SHARKFIN_API_KEY"], !key.isEmpty {
            return (key, "environment SHARKFIN_API_KEY", [])
        }
        throw UsageError(
            "no API key: pass --api-key-file FILE, or set SHARKFIN_API_KEY_FILE or SHARKFIN_API_KEY"
        )
    }

    private static func readKeyFile(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("cannot read the API key file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw UsageError("the API key file \(path) is not UTF-8 text")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw UsageError("the API key file \(path) is empty") }
        guard !key.contains(where: { $0.isNewline || $0 == " " }) else {
            throw UsageError("the API key file \(path) holds more than one word")
        }
        return key
    }
}
