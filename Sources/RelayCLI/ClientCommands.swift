// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import JSON

/// Exit statuses of every `sharkfin-relay` command, documented in `--help` and the README.
public enum ExitStatus: Int32 {
    case success = 0
    /// The relay or the server answered with an error envelope, or `serve` failed to start.
    case requestFailed = 1
    /// The command line was wrong.
    case usage = 2
    /// The relay's socket could not be reached, or it closed the connection.
    case relayUnavailable = 3
    /// No reply within `--timeout`.
    case timedOut = 4
}

/// Output streams, injectable so tests can capture what a command prints.
public struct CommandOutput: Sendable {
    public var standardOutput: @Sendable (String) -> Void
    public var standardError: @Sendable (String) -> Void

    public init(
        standardOutput: @escaping @Sendable (String) -> Void,
        standardError: @escaping @Sendable (String) -> Void
    ) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The process's own stdout and stderr, unbuffered so `watch | jq` streams.
    public static let process = CommandOutput(
        standardOutput: { writeFully(1, $0) },
        standardError: { writeFully(2, $0) }
    )
}

/// Writes all of `text` to a descriptor, retrying short writes and EINTR.
func writeFully(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    bytes.withUnsafeMutableBytes { raw in
        while offset < raw.count {
            let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

/// The options every client command shares.
let socketOption = OptionSpec(
    name: "socket",
    kind: .value(placeholder: "PATH"),
    help: "relay socket (default: $XDG_RUNTIME_DIR/sharkfin-relay/relay.sock,\n"
        + String(repeating: " ", count: 32) + "or /run/sharkfin-relay/relay.sock for root)"
)
let timeoutOption = OptionSpec(
    name: "timeout",
    kind: .value(placeholder: "DURATION"),
    help: "how long to wait for the reply (default 35s)"
)
let helpOption = OptionSpec(name: "help", kind: .flag, help: "show this help")

/// `sharkfin-relay call TYPE [JSON-ARGS]`: one request through the relay.
struct CallCommand {
    static let parser = ArgumentParser(options: [
        socketOption, timeoutOption,
        OptionSpec(name: "raw", kind: .flag, help: "print the whole reply envelope, not just d"),
        helpOption,
    ])
    static let usage = """
        usage: sharkfin-relay call TYPE [JSON-ARGS] [options]

        Sends one request through the relay and prints the reply's `d` as JSON (nothing
        when the reply has none). An error reply goes to stderr with exit status 1.

          sharkfin-relay call version
          sharkfin-relay call send_message '{"channel":"general","body":"hi"}'

        options:
        \(parser.helpText())
        """

    var type: String
    var arguments: JSONValue?
    var socketPath: String
    var timeout: Duration
    var raw: Bool

    init(_ arguments: [String], environment: [String: String]) throws {
        let parsed = try Self.parser.parse(arguments)
        guard !parsed.has("help") else { throw HelpRequested(text: Self.usage) }
        guard (1...2).contains(parsed.positionals.count) else {
            throw UsageError("call takes TYPE and optionally JSON-ARGS\n\n\(Self.usage)")
        }
        type = parsed.positionals[0]
        if parsed.positionals.count == 2 {
            do {
                self.arguments = try JSONValue(parsing: parsed.positionals[1])
            } catch {
                throw UsageError("JSON-ARGS is not valid JSON: \(error)")
            }
        }
        socketPath =
            parsed.value("socket") ?? RelayPaths.defaultSocketPath(environment: environment)
        timeout = try parsed.duration("timeout") ?? .seconds(35)
        raw = parsed.has("raw")
    }

    func run(output: CommandOutput) -> ExitStatus {
        var request = JSONObject()
        request["type"] = .string(type)
        request["ref"] = "cli-\(getpid())"
        if let arguments { request["d"] = arguments }
        return withRelay(socketPath, output: output) { connection in
            let reply = try connection.request(request, timeout: timeout)
            let failed = reply["ok"] == .bool(false) || reply["type"] == "error"
            // The relay answered for a server that did not: that is "no reply in time".
            let failure: ExitStatus =
                reply["d"]?["code"] == "relay.timeout" ? .timedOut : .requestFailed
            if failed, !raw {
                let message = reply["d"]?["message"]?.stringValue ?? "request failed"
                output.standardError("error: \(message)\n")
                return failure
            }
            if raw {
                output.standardOutput(JSONValue.object(reply).serializedString() + "\n")
            } else if let data = reply["d"] {
                output.standardOutput(data.serializedString() + "\n")
            }
            return failed ? failure : .success
        }
    }
}

/// `sharkfin-relay watch`: prints events as JSON lines until interrupted.
struct WatchCommand {
    static let parser = ArgumentParser(options: [
        socketOption,
        OptionSpec(
            name: "type",
            kind: .repeatedValue(placeholder: "TYPE"),
            help: "only events of this type"
        ),
        OptionSpec(
            name: "channel",
            kind: .repeatedValue(placeholder: "NAME"),
            help: "only events of this channel"
        ),
        OptionSpec(
            name: "since",
            kind: .value(placeholder: "SEQ"),
            help: "first replay the events after this seq"
        ),
        helpOption,
    ])
    static let usage = """
        usage: sharkfin-relay watch [--type TYPE]... [--channel NAME]... [--since SEQ]

        Prints the relay's events (message.new, presence, relay.upstream, ...) as JSON
        lines, exactly as the relay sends them, until interrupted or the relay goes away.

        options:
        \(parser.helpText())
        """

    var types: [String]
    var channels: [String]
    var since: Int?
    var socketPath: String

    init(_ arguments: [String], environment: [String: String]) throws {
        let parsed = try Self.parser.parse(arguments)
        guard !parsed.has("help") else { throw HelpRequested(text: Self.usage) }
        guard parsed.positionals.isEmpty else {
            throw UsageError("watch takes no positional arguments\n\n\(Self.usage)")
        }
        types = parsed.all("type")
        channels = parsed.all("channel")
        if let text = parsed.value("since") {
            guard let value = Int(text), value >= 0 else {
                throw UsageError("--since must be a non-negative integer, got '\(text)'")
            }
            since = value
        }
        socketPath =
            parsed.value("socket") ?? RelayPaths.defaultSocketPath(environment: environment)
    }

    func run(output: CommandOutput) -> ExitStatus {
        var subscribe = JSONObject()
        subscribe["type"] = "relay.subscribe"
        subscribe["ref"] = "watch"
        var filter = JSONObject()
        if !types.isEmpty { filter["types"] = .array(types.map { .string($0) }) }
        if !channels.isEmpty { filter["channels"] = .array(channels.map { .string($0) }) }
        if let since { filter["since"] = .number(JSONNumber(since)) }
        subscribe["d"] = .object(filter)
        return withRelay(socketPath, output: output) { connection in
            let reply = try connection.request(subscribe, timeout: .seconds(10))
            if reply["ok"] == .bool(false) {
                let message = reply["d"]?["message"]?.stringValue ?? "subscribe failed"
                output.standardError("error: \(message)\n")
                return .requestFailed
            }
            while let event = try connection.receive(timeout: nil) {
                guard event["ref"] == nil, event["type"] != "relay.hello" else { continue }
                output.standardOutput(JSONValue.object(event).serializedString() + "\n")
            }
            return .success
        }
    }
}

/// `sharkfin-relay status`: the relay's state for people, or JSON with `--json`.
struct StatusCommand {
    static let parser = ArgumentParser(options: [
        socketOption, timeoutOption,
        OptionSpec(name: "json", kind: .flag, help: "print the status object as JSON"),
        helpOption,
    ])
    static let usage = """
        usage: sharkfin-relay status [--json] [--socket PATH]

        Shows the upstream session (URL, state, since when, identity), the number of
        local clients and the relay's counters.

        options:
        \(parser.helpText())
        """

    var socketPath: String
    var json: Bool
    var timeout: Duration

    init(_ arguments: [String], environment: [String: String]) throws {
        let parsed = try Self.parser.parse(arguments)
        guard !parsed.has("help") else { throw HelpRequested(text: Self.usage) }
        guard parsed.positionals.isEmpty else {
            throw UsageError("status takes no positional arguments\n\n\(Self.usage)")
        }
        socketPath =
            parsed.value("socket") ?? RelayPaths.defaultSocketPath(environment: environment)
        json = parsed.has("json")
        timeout = try parsed.duration("timeout") ?? .seconds(10)
    }

    func run(output: CommandOutput) -> ExitStatus {
        let request: JSONObject = ["type": "relay.status", "ref": "status"]
        return withRelay(socketPath, output: output) { connection in
            let reply = try connection.request(request, timeout: timeout)
            guard reply["ok"] != .bool(false), let data = reply["d"] else {
                let message = reply["d"]?["message"]?.stringValue ?? "status failed"
                output.standardError("error: \(message)\n")
                return .requestFailed
            }
            if json {
                output.standardOutput(data.serializedString() + "\n")
            } else {
                output.standardOutput(Self.humanReadable(data))
            }
            return .success
        }
    }

    /// Renders nested objects as indented `key: value` lines, in the relay's key order.
    static func humanReadable(_ value: JSONValue, indent: String = "") -> String {
        guard case .object(let object) = value else {
            return indent + value.serializedString() + "\n"
        }
        var text = ""
        for (key, child) in object {
            switch child {
            case .object:
                text += "\(indent)\(key.replacingUnderscores()):\n"
                text += humanReadable(child, indent: indent + "  ")
            case .string(let string):
                text += "\(indent)\(key.replacingUnderscores()): \(string)\n"
            case .null:
                text += "\(indent)\(key.replacingUnderscores()): -\n"
            case .number where key.hasSuffix("_in"):
                // Durations in relay.status are seconds (`next_retry_in`).
                text += "\(indent)\(key.replacingUnderscores()): \(child.serializedString()) s\n"
            default:
                text += "\(indent)\(key.replacingUnderscores()): \(child.serializedString())\n"
            }
        }
        return text
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}

/// `--help` was asked for: print the text and exit 0.
struct HelpRequested: Error {
    var text: String
}

/// Connects, runs `body`, and maps connection failures to exit statuses and messages.
func withRelay(
    _ socketPath: String,
    output: CommandOutput,
    _ body: (LocalRelayConnection) throws -> ExitStatus
) -> ExitStatus {
    do {
        let connection = try LocalRelayConnection(path: socketPath)
        return try body(connection)
    } catch LocalConnectionError.timedOut(let limit) {
        output.standardError("error: no reply from the relay within \(limit)\n")
        return .timedOut
    } catch {
        output.standardError("error: \(error)\n")
        return .relayUnavailable
    }
}
