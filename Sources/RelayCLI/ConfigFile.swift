// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc

/// A parsed `sharkfin-relay` config file: `key = value` lines whose keys are the long option
/// names of `serve` without `--`.
///
/// The grammar, line by line:
/// - blank lines and lines whose first non-blank character is `#` are ignored;
/// - `key = value`, blanks around both allowed; an unquoted value ends at a `#` that follows
///   a blank (an inline comment) and has its trailing blanks trimmed;
/// - a value in double quotes keeps `#` and blanks; inside it `\"` and `\\` are the only
///   escapes;
/// - `allow-uid` and `allow-gid` may repeat (and hold comma-separated lists); every other key
///   may appear once; `api-key` is refused (the key belongs in its own file).
///
/// Errors name the file and line: `/etc/sharkfin-relay/config:7: unknown key 'max-client'
/// (did you mean 'max-clients'?)`. Values are checked later, by `ServeOptions`, which also
/// names the line.
struct ConfigFile: Equatable, Sendable {
    /// One `key = value` line, the value unquoted.
    struct Entry: Equatable, Sendable {
        var key: String
        var value: String
        var line: Int
    }

    var path: String
    var entries: [Entry]

    /// The entries for `key`, in file order.
    func entries(for key: String) -> [Entry] {
        entries.filter { $0.key == key }
    }

    /// Where `serve` looks when `--config` is not given: `/etc/sharkfin-relay/config` for
    /// root, `$XDG_CONFIG_HOME/sharkfin-relay/config` (else `~/.config/sharkfin-relay/config`)
    /// for other users. A user without a home (`HOME` unset or `/`, as under systemd's
    /// `DynamicUser=`) reads the system file too.
    static func defaultPath(environment: [String: String], userID: uid_t = getuid()) -> String {
        let system = "/etc/sharkfin-relay/config"
        guard userID != 0 else { return system }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return "\(config)/sharkfin-relay/config"
        }
        if let home = environment["HOME"], home.hasPrefix("/"), home != "/" {
            return "\(home)/.config/sharkfin-relay/config"
        }
        return system
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Parameters:
    ///   - isRequired: `true` when the operator named the file (`--config`): a missing file
    ///     is then an error. The default file may be absent, which returns `nil`.
    ///   - source: where the path came from, for errors.
    ///   - options: the options whose names are the file's keys.
    static func load(
        path: String,
        isRequired: Bool,
        source: OptionSource,
        options: [OptionSpec]
    ) throws(ConfigurationError) -> ConfigFile? {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if !isRequired, code == ENOENT || code == ENOTDIR { return nil }
            throw .unreadableConfigFile(path: path, source: source, reason: errnoText(code))
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            throw .unreadableConfigFile(path: path, source: source, reason: "it is a directory")
        }
        if access(path, R_OK) != 0 {
            throw .unreadableConfigFile(path: path, source: source, reason: errnoText(errno))
        }
        // FileHandle rather than FileManager.contents: it also reads /dev/null and pipes
        // (`--config <(generate-config)`).
        let data: Data
        do {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw CocoaError(.fileReadUnknown)
            }
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw .unreadableConfigFile(path: path, source: source, reason: "read failed")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableConfigFile(path: path, source: source, reason: "not UTF-8 text")
        }
        return try parse(text, path: path, options: options)
    }

    /// Parses config file text; `path` only labels errors.
    static func parse(
        _ text: String,
        path: String,
        options: [OptionSpec]
    ) throws(ConfigurationError) -> ConfigFile {
        var entries: [Entry] = []
        var firstLines: [String: Int] = [:]
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false) {
            $0 == "\n" || $0 == "\r\n"
        }
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            let trimmed = rawLine.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw .malformedLine(
                    path: path,
                    line: number,
                    problem: "expected 'key = value', got '\(trimmed)'"
                )
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty,
                key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw .malformedLine(
                    path: path,
                    line: number,
                    problem: "'\(key)' is not a key (keys are option names such as max-clients)"
                )
            }
            if key == "api-key" { throw .keyRefused(source: .file(path: path, line: number)) }
            guard let spec = options.first(where: { $0.name == key }) else {
                throw .unknownKey(
                    path: path,
                    line: number,
                    key: key,
                    suggestion: nearestName(to: key, among: options.map(\.name))
                )
            }
            let value = try parseValue(
                trimmed[trimmed.index(after: equals)...],
                path: path,
                line: number
            )
            if !spec.isRepeatable, let first = firstLines[key] {
                throw .duplicateKey(path: path, line: number, key: key, firstLine: first)
            }
            firstLines[key] = firstLines[key] ?? number
            entries.append(Entry(key: key, value: value, line: number))
        }
        return ConfigFile(path: path, entries: entries)
    }

    /// The value after `=`: quoted, or bare up to an inline comment.
    private static func parseValue(
        _ text: Substring,
        path: String,
        line: Int
    ) throws(ConfigurationError) -> String {
        let rest = text.drop(while: { $0 == " " || $0 == "\t" })
        guard rest.first == "\"" else {
            var end = rest.endIndex
            var previous: Character = " "
            for index in rest.indices {
                if rest[index] == "#", previous == " " || previous == "\t" {
                    end = index
                    break
                }
                previous = rest[index]
            }
            return rest[..<end].trimmingCharacters(in: .whitespaces)
        }
        var value = ""
        var index = rest.index(after: rest.startIndex)
        while index < rest.endIndex {
            let character = rest[index]
            index = rest.index(after: index)
            switch character {
            case "\"":
                let after = rest[index...].trimmingCharacters(in: .whitespaces)
                guard after.isEmpty || after.hasPrefix("#") else {
                    throw .malformedLine(
                        path: path,
                        line: line,
                        problem: "unexpected '\(after)' after the closing quote"
                    )
                }
                return value
            case "\\":
                guard index < rest.endIndex, rest[index] == "\"" || rest[index] == "\\" else {
                    throw .malformedLine(
                        path: path,
                        line: line,
                        problem: "only \\\" and \\\\ may be escaped in a quoted value"
                    )
                }
                value.append(rest[index])
                index = rest.index(after: index)
            default:
                value.append(character)
            }
        }
        throw .malformedLine(path: path, line: line, problem: "the quoted value is not closed")
    }
}

/// The known name closest to a misspelt one, if it is close enough to be a likely typo
/// (edit distance at most 2, or 3 for names of 10 or more characters).
func nearestName(to name: String, among candidates: [String]) -> String? {
    let limit = name.count >= 10 ? 3 : 2
    let scored = candidates.map { (name: $0, distance: editDistance(name, $0)) }
    guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= limit
    else { return nil }
    return best.name
}

/// Levenshtein distance between two strings, by characters.
func editDistance(_ first: String, _ second: String) -> Int {
    let a = Array(first)
    let b = Array(second)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

extension OptionSpec {
    /// Whether the option may be given several times (`allow-uid`).
    var isRepeatable: Bool {
        if case .repeatedValue = kind { return true }
        return false
    }

    /// Whether the option is a flag: present or not (`true`/`false` in a config file).
    var isFlag: Bool {
        if case .flag = kind { return true }
        return false
    }
}

/// `strerror` text for an errno value.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
