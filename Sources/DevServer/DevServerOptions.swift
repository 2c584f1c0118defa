// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Logging

/// The `sharkfin-devserver` command line, parsed into a configuration.
public struct DevServerOptions: Sendable {
    public var configuration = DevServer.Configuration(users: [])
    public var logLevel: LogLevel = .info
    public var showsHelp = false
    /// Whether no users were configured and the demo users stand in.
    public var usesDemoUsers = false

    public static let usage = """
        usage: sharkfin-devserver [options]

        An in-memory server that speaks Sharkfin's protocol (/ws, /presence, REST).

          --listen HOST:PORT        address to listen on (default 127.0.0.1:16000;
                                    port 0 picks a free one)
          --user NAME:KEY[:TYPE]    a user and its API key; TYPE is user, agent or
                                    service (repeatable)
          --users-file FILE         users, one per line: name key [type]; # comments
          --state-file FILE         keep the chat state here across restarts
          --presence-timeout SECS   read deadline without pongs (default 20)
          --outbound-limit N        frames queued per connection before drops (256)
          --fault-control           accept POST /_dev/faults commands
          --provision-users         provision the users at start, in order (the first
                                    becomes admin); otherwise on first use
          --server-version TEXT     the version reply (default devserver)
          --log-level LEVEL         trace, debug, info, notice, warning, error, critical
          --help                    show this help

        Clients authenticate with "Authorization: ApiKey-v1 <key>". Without users,
        alice (alice-key) and bob (bob-key) are provisioned.
        """

    public init() {
        configuration.port = 16000
    }

    /// Parses arguments (without the program name).
    ///
    /// - Throws: `DevServerOptionsError` naming the bad argument (or file and line).
    public static func parse(_ arguments: [String]) throws(DevServerOptionsError)
        -> DevServerOptions
    {
        var options = DevServerOptions()
        var iterator = arguments.makeIterator()
        func value(for flag: String) throws(DevServerOptionsError) -> String {
            guard let value = iterator.next() else { throw .missingValue(flag) }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--help", "-h":
                options.showsHelp = true
            case "--listen":
                let text = try value(for: argument)
                guard let colon = text.lastIndex(of: ":"),
                    let port = UInt16(text[text.index(after: colon)...])
                else { throw .invalidValue(argument, text) }
                var host = String(text[..<colon])
                if host.hasPrefix("[") && host.hasSuffix("]") {
                    host = String(host.dropFirst().dropLast())
                }
                options.configuration.listenHost = host.isEmpty ? "0.0.0.0" : host
                options.configuration.port = port
            case "--user":
                let text = try value(for: argument)
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(
                    String.init
                )
                guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
                    let type = parts.count == 3 ? IdentityType(rawValue: parts[2]) : .user
                else { throw .invalidValue(argument, text) }
                options.configuration.users.append(
                    DevUser(name: parts[0], apiKey: parts[1], type: type)
                )
            case "--users-file":
                let path = try value(for: argument)
                let text: String
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw .unreadableFile(path, "\(error.localizedDescription)")
                }
                options.configuration.users += try parseUsersFile(text, path: path)
            case "--state-file":
                options.configuration.stateFile = try value(for: argument)
            case "--presence-timeout":
                let text = try value(for: argument)
                guard let seconds = Double(text), seconds > 0, seconds < 86_400 else {
                    throw .invalidValue(argument, text)
                }
                options.configuration.presenceTimeout = .milliseconds(Int64(seconds * 1000))
            case "--outbound-limit":
                let text = try value(for: argument)
                guard let limit = Int(text), limit > 0 else { throw .invalidValue(argument, text) }
                options.configuration.outboundFrameLimit = limit
            case "--fault-control":
                options.configuration.enablesFaultControl = true
            case "--provision-users":
                options.configuration.provisionsUsersAtStart = true
            case "--server-version":
                options.configuration.version = try value(for: argument)
            case "--log-level":
                let text = try value(for: argument)
                guard let level = LogLevel(name: text) else { throw .invalidValue(argument, text) }
                options.logLevel = level
            default:
                throw .unknownArgument(argument)
            }
        }
        if options.configuration.users.isEmpty {
            options.configuration.users = DevUser.demoUsers
            options.usesDemoUsers = true
        }
        return options
    }

    /// Parses a users file: `name key [type]` per line, blank lines and `#` comments
    /// ignored.
    public static func parseUsersFile(_ text: String, path: String)
        throws(DevServerOptionsError) -> [DevUser]
    {
        var users: [DevUser] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let line = rawLine.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
                .map(String.init)
            if fields.isEmpty { continue }
            guard fields.count == 2 || fields.count == 3 else {
                throw .badUsersFileLine(path, index + 1, "expected: name key [type]")
            }
            guard let type = fields.count == 3 ? IdentityType(rawValue: fields[2]) : .user else {
                throw .badUsersFileLine(path, index + 1, "type must be user, agent or service")
            }
            users.append(DevUser(name: fields[0], apiKey: fields[1], type: type))
        }
        return users
    }
}

/// A command-line mistake; `description` is the message to print.
public enum DevServerOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownArgument(String)
    case missingValue(String)
    case invalidValue(String, String)
    case unreadableFile(String, String)
    case badUsersFileLine(String, Int, String)

    public var description: String {
        switch self {
        case .unknownArgument(let argument): "unknown argument \(argument)"
        case .missingValue(let flag): "\(flag) needs a value"
        case .invalidValue(let flag, let value): "invalid value for \(flag): \(value)"
        case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
        case .badUsersFileLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        }
    }
}
