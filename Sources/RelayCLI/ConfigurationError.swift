// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Where one resolved `serve` setting came from, shown by `check-config` and named by every
/// error about it.
enum OptionSource: Sendable, Hashable, CustomStringConvertible {
    /// A command-line option, by its long name without `--`.
    case flag(name: String)
    /// An environment variable, by name.
    case environment(variable: String)
    /// A line of a config file.
    case file(path: String, line: Int)
    /// systemd's `$CREDENTIALS_DIRECTORY/sharkfin-api-key` (`LoadCredential=`).
    case credential(path: String)
    /// Nothing set it: the built-in default.
    case defaultValue

    /// The `# source` column of `check-config`.
    var description: String {
        switch self {
        case .flag(let name): "flag --\(name)"
        case .environment(let variable): "environment \(variable)"
        case .file(let path, let line): "\(path):\(line)"
        case .credential(let path): "credential \(path)"
        case .defaultValue: "default"
        }
    }

    /// The start of an error about setting `key`, so the operator knows where to fix it:
    /// `--max-clients (flag): `, `SHARKFIN_URL (environment): `, `/etc/…/config:3: url `.
    func errorPrefix(key: String) -> String {
        switch self {
        case .flag(let name): "--\(name) (flag): "
        case .environment(let variable): "\(variable) (environment): "
        case .file(let path, let line): "\(path):\(line): \(key) "
        case .credential(let path): "\(path) (systemd credential): "
        case .defaultValue: "\(key) (default): "
        }
    }
}

/// A configuration of `serve` (or `check-config`) that cannot be used. Every case names the
/// source to fix: flag, environment variable, or config file and line.
enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// `problem` reads as a predicate: "must be a positive integer, got '0'".
    case invalidValue(key: String, source: OptionSource, problem: String)
    /// The API key was given inline (`--api-key`, `api-key =`) rather than through a file.
    case keyRefused(source: OptionSource)
    /// A config file line that is not `key = value`, a comment or blank.
    case malformedLine(path: String, line: Int, problem: String)
    /// A config file key no option has; `suggestion` is the nearest known key, if close.
    case unknownKey(path: String, line: Int, key: String, suggestion: String?)
    /// A key that takes one value, set a second time.
    case duplicateKey(path: String, line: Int, key: String, firstLine: Int)
    /// A config file named by `--config` that cannot be read (the default file may be
    /// absent, but not unreadable).
    case unreadableConfigFile(path: String, source: OptionSource, reason: String)
    /// No source supplied the API key.
    case missingAPIKey
    /// `SHARKFIN_URL` is present but empty and nothing else sets the URL: the system unit
    /// ships it empty for the operator to fill in.
    case emptyURL

    var description: String {
        switch self {
        case .invalidValue(let key, let source, let problem):
            return source.errorPrefix(key: key) + problem
        case .keyRefused(let source):
            let why: String
            switch source {
            case .flag: why = "a key on the command line is visible to every user in ps"
            default: why = "the key would live in a file that is not the key file"
            }
            return source.errorPrefix(key: "api-key") + "is refused: \(why);"
                + " put the key alone in a file (mode 0600) and point api-key-file at it"
        case .malformedLine(let path, let line, let problem):
            return "\(path):\(line): \(problem)"
        case .unknownKey(let path, let line, let key, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "\(path):\(line): unknown key '\(key)'\(hint)"
        case .duplicateKey(let path, let line, let key, let firstLine):
            return "\(path):\(line): '\(key)' is already set on line \(firstLine)"
                + " (only allow-uid and allow-gid may repeat)"
        case .unreadableConfigFile(let path, let source, let reason):
            return source.errorPrefix(key: "config") + "cannot read \(path): \(reason)"
        case .missingAPIKey:
            return "no API key: set api-key-file in the config file, pass --api-key-file FILE,"
                + " set SHARKFIN_API_KEY_FILE or SHARKFIN_API_KEY, or under systemd use"
                + " LoadCredential=sharkfin-api-key:FILE"
        case .emptyURL:
            return "SHARKFIN_URL (environment): is empty and no url is configured;"
                + " set SHARKFIN_URL, e.g. `systemctl edit sharkfin-relay` and add"
                + " Environment=SHARKFIN_URL=wss://chat.example.org/ws"
                + " (or set url in the config file)"
        }
    }
}
