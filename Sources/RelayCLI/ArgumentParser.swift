// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A command line that does not follow a command's grammar. Exit status 2.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One option a command accepts.
struct OptionSpec: Sendable {
    enum Kind: Sendable {
        /// `--raw`: present or not.
        case flag
        /// `--socket PATH` or `--socket=PATH`; the last one given wins.
        case value(placeholder: String)
        /// `--type T`, repeatable; every value is kept in order.
        case repeatedValue(placeholder: String)
    }

    var name: String
    var kind: Kind
    var help: String
}

/// The options and positional arguments of one parsed command line.
struct ParsedArguments: Equatable {
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    var positionals: [String] = []

    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
}

/// Parses GNU-style long options: `--name value`, `--name=value`, flags, and `--` to end
/// options. Short of swift-argument-parser (which this machine cannot fetch), but strict:
/// unknown options and missing values are usage errors that name the option.
struct ArgumentParser {
    var options: [OptionSpec]

    func parse(_ arguments: [String]) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("--") || argument == "-" {
                if !optionsEnded, argument.hasPrefix("-"), argument != "-", argument.count > 1,
                    Double(argument) == nil
                {
                    throw UsageError("unknown option '\(argument)' (options are --long-form)")
                }
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)'")
            }
            switch spec.kind {
            case .flag:
                guard inlineValue == nil else {
                    throw UsageError("option '--\(name)' takes no value")
                }
                parsed.flags.insert(name)
            case .value(let placeholder), .repeatedValue(let placeholder):
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count else {
                        throw UsageError("option '--\(name)' needs a value (\(placeholder))")
                    }
                    value = arguments[index]
                    index += 1
                }
                parsed.values[name, default: []].append(value)
            }
        }
        return parsed
    }

    /// The options section of a command's `--help`.
    func helpText() -> String {
        options.map { spec in
            let left: String
            switch spec.kind {
            case .flag: left = "--\(spec.name)"
            case .value(let placeholder): left = "--\(spec.name) \(placeholder)"
            case .repeatedValue(let placeholder): left = "--\(spec.name) \(placeholder)..."
            }
            let padded =
                left.count < 28
                ? left + String(repeating: " ", count: 28 - left.count) : left + "  "
            return "  \(padded)\(spec.help)"
        }.joined(separator: "\n")
    }
}

extension ParsedArguments {
    /// A value parsed as a positive integer, or a usage error naming the option.
    func positiveInteger(_ name: String) throws(UsageError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), number > 0 else {
            throw UsageError("--\(name) must be a positive integer, got '\(text)'")
        }
        return number
    }

    /// A duration above zero such as `30s`, `500ms`, `2m` or plain seconds `30`.
    func duration(_ name: String) throws(UsageError) -> Duration? {
        guard let text = value(name) else { return nil }
        guard let duration = parseDuration(text), duration > .zero else {
            throw UsageError("--\(name) must be a duration like 30s, 500ms or 2m, got '\(text)'")
        }
        return duration
    }
}

/// Parses `500ms`, `30s`, `2m`, `1h` or a bare number of seconds; nil for anything else,
/// including negative values.
func parseDuration(_ text: String) -> Duration? {
    let units: [(suffix: String, nanoseconds: Double)] = [
        ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]
    for unit in units where text.hasSuffix(unit.suffix) {
        guard let number = Double(text.dropLast(unit.suffix.count)), number >= 0,
            number.isFinite
        else { return nil }
        return .nanoseconds(Int64(number * unit.nanoseconds))
    }
    guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { return nil }
    return .nanoseconds(Int64(seconds * 1e9))
}
