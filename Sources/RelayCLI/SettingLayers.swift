// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Why a text is not a valid value for a setting, as a predicate: "must be a positive
/// integer". `SettingLayers` adds the source and the offending text.
struct ValueProblem: Error {
    var text: String
    /// Whether to append `, got '<text>'` (off when the problem already quotes it).
    var quotesValue = true

    init(_ text: String, quotesValue: Bool = true) {
        self.text = text
        self.quotesValue = quotesValue
    }
}

/// The layers a `serve` setting can come from, highest first: command-line flags, the
/// environment, the config file; what none of them sets takes its default.
///
/// Resolving a key through `value(_:default:_:)` remembers where the value came from in
/// `sources`, and turns a `ValueProblem` into a `ConfigurationError` naming that source.
struct SettingLayers {
    /// Environment variables that set a key. Empty values count as unset: systemd units
    /// ship `Environment=SHARKFIN_URL=` for the operator to fill in.
    static let environmentVariables = [
        "url": "SHARKFIN_URL",
        "api-key-file": "SHARKFIN_API_KEY_FILE",
        "log-level": "SHARKFIN_RELAY_LOG_LEVEL",
    ]

    var arguments: ParsedArguments
    var environment: [String: String]
    var file: ConfigFile?
    /// Where each resolved key's value (or each value of a list) came from.
    private(set) var sources: [String: [OptionSource]] = [:]

    /// The winning text for a single-valued key, or `nil` when no layer sets it.
    func raw(_ key: String) -> (text: String, source: OptionSource)? {
        if let text = arguments.value(key) { return (text, .flag(name: key)) }
        if let variable = Self.environmentVariables[key], let text = environment[variable],
            !text.isEmpty
        {
            return (text, .environment(variable: variable))
        }
        return fileRaw(key)
    }

    /// The config file's text for a key, if the file sets it.
    func fileRaw(_ key: String) -> (text: String, source: OptionSource)? {
        guard let file, let entry = file.entries(for: key).last else { return nil }
        return (entry.value, .file(path: file.path, line: entry.line))
    }

    /// Records where `key` came from (for values resolved outside `value(_:default:_:)`).
    mutating func record(_ key: String, _ source: OptionSource) {
        sources[key] = [source]
    }

    /// Resolves a single-valued key: the highest layer's text through `convert`, or the
    /// default when no layer sets it.
    ///
    /// - Throws: `ConfigurationError.invalidValue` naming the layer when `convert` fails.
    mutating func value<Value>(
        _ key: String,
        default defaultValue: Value,
        _ convert: (String) throws(ValueProblem) -> Value
    ) throws(ConfigurationError) -> Value {
        guard let (text, source) = raw(key) else {
            sources[key] = [.defaultValue]
            return defaultValue
        }
        sources[key] = [source]
        return try Self.converting(text, key: key, source: source, convert)
    }

    /// Resolves an optional single-valued key: `nil` when no layer sets it.
    mutating func optionalValue<Value>(
        _ key: String,
        _ convert: (String) throws(ValueProblem) -> Value
    ) throws(ConfigurationError) -> Value? {
        try value(key, default: nil) { (text) throws(ValueProblem) -> Value? in
            try convert(text)
        }
    }

    /// Resolves a flag: present on the command line, or `true`/`false` in the file.
    mutating func flag(_ key: String) throws(ConfigurationError) -> Bool {
        if arguments.has(key) {
            sources[key] = [.flag(name: key)]
            return true
        }
        guard let (text, source) = fileRaw(key) else {
            sources[key] = [.defaultValue]
            return false
        }
        sources[key] = [source]
        return try Self.converting(text, key: key, source: source, parseBoolean)
    }

    /// Resolves a repeatable key. The command line's values replace the file's (they do not
    /// add to them); each occurrence may hold a comma-separated list.
    mutating func list<Value>(
        _ key: String,
        _ convert: (String) throws(ValueProblem) -> Value
    ) throws(ConfigurationError) -> [Value] {
        var occurrences: [(text: String, source: OptionSource)]
        occurrences = arguments.all(key).map { ($0, .flag(name: key)) }
        if occurrences.isEmpty, let file {
            occurrences = file.entries(for: key).map {
                ($0.value, .file(path: file.path, line: $0.line))
            }
        }
        var values: [Value] = []
        var valueSources: [OptionSource] = []
        for occurrence in occurrences {
            let items = occurrence.text.split(separator: ",", omittingEmptySubsequences: false)
            for item in items {
                let text = item.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else {
                    throw .invalidValue(
                        key: key,
                        source: occurrence.source,
                        problem: "has an empty entry in '\(occurrence.text)'"
                    )
                }
                values.append(
                    try Self.converting(text, key: key, source: occurrence.source, convert)
                )
                valueSources.append(occurrence.source)
            }
        }
        sources[key] = valueSources.isEmpty ? [.defaultValue] : valueSources
        return values
    }

    private static func converting<Value>(
        _ text: String,
        key: String,
        source: OptionSource,
        _ convert: (String) throws(ValueProblem) -> Value
    ) throws(ConfigurationError) -> Value {
        do {
            return try convert(text)
        } catch {
            let problem = error.quotesValue ? "\(error.text), got '\(text)'" : error.text
            throw .invalidValue(key: key, source: source, problem: problem)
        }
    }
}

// MARK: - Converters

/// `true`/`yes`/`on`/`1` or `false`/`no`/`off`/`0`, any case.
func parseBoolean(_ text: String) throws(ValueProblem) -> Bool {
    switch text.lowercased() {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: throw ValueProblem("must be true or false")
    }
}

/// A positive decimal integer.
func parsePositiveInteger(_ text: String) throws(ValueProblem) -> Int {
    guard let number = Int(text), number > 0 else {
        throw ValueProblem("must be a positive integer")
    }
    return number
}

/// A duration above zero: `500ms`, `30s`, `2m`, `1h` or plain seconds.
func parsePositiveDuration(_ text: String) throws(ValueProblem) -> Duration {
    guard let duration = parseDuration(text), duration > .zero else {
        throw ValueProblem("must be a duration above zero like 30s, 500ms or 2m")
    }
    return duration
}

/// The shortest exact spelling of a duration in the units `parseDuration` reads.
func formatDuration(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    if attoseconds % 1_000_000_000_000_000 != 0 {
        return "\(Double(seconds) + Double(attoseconds) / 1e18)"
    }
    if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
    if seconds != 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
    if seconds != 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
    return "\(seconds)s"
}
