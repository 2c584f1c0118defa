// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import JSON

/// One resolved setting as `check-config` shows it. Lists give one per value.
struct EffectiveSetting: Equatable {
    var key: String
    /// The value as a config file would spell it; `nil` when unset (optional settings).
    var text: String?
    var json: JSONValue
    var source: OptionSource
    /// Said after the source, such as the name of a user ID.
    var note: String? = nil
}

extension ServeOptions {
    /// Every setting with its value and source, in `--help` order. The API key appears
    /// only redacted (`<redacted, 9 bytes from file /…>`), in place of `api-key-file`.
    func effectiveSettings() -> [EffectiveSetting] {
        var settings: [EffectiveSetting] = []
        func add(_ key: String, _ text: String?, _ json: JSONValue, note: String? = nil) {
            let source = sources[key]?.first ?? .defaultValue
            settings.append(
                EffectiveSetting(key: key, text: text, json: json, source: source, note: note)
            )
        }
        func addIDs(_ key: String, _ ids: [UInt32], name: (UInt32) -> String?) {
            let valueSources = sources[key] ?? []
            guard !ids.isEmpty else { return add(key, nil, .array([])) }
            for (index, id) in ids.enumerated() {
                let source = index < valueSources.count ? valueSources[index] : .defaultValue
                settings.append(
                    EffectiveSetting(
                        key: key,
                        text: "\(id)",
                        json: JSONValue(id),
                        source: source,
                        note: name(id)
                    )
                )
            }
        }
        let redactedKey = "<redacted, \(apiKey.utf8.count) bytes from \(apiKeySource)>"
        add("url", upstreamURL, .string(upstreamURL))
        add("api-key", redactedKey, .string(redactedKey))
        add("socket", socketPath, .string(socketPath))
        add("socket-mode", formatMode(socketMode), .string(formatMode(socketMode)))
        add(
            "socket-group",
            socketGroup.map { "\($0)" },
            socketGroup.map { JSONValue($0) } ?? .null,
            note: socketGroup.flatMap(groupName(of:))
        )
        addIDs("allow-uid", allowedUIDs, name: userName(of:))
        addIDs("allow-gid", allowedGIDs, name: groupName(of:))
        add(
            "read-only-socket",
            readOnlySocketPath,
            readOnlySocketPath.map(JSONValue.string) ?? .null
        )
        add("max-clients", "\(maxClients)", JSONValue(maxClients))
        add("max-line-bytes", "\(maxLineBytes)", JSONValue(maxLineBytes))
        add("client-queue-bytes", "\(clientQueueBytes)", JSONValue(clientQueueBytes))
        add("max-in-flight", "\(maxInFlight)", JSONValue(maxInFlight))
        addDuration("request-timeout", requestTimeout)
        addDuration("stall-timeout", stallTimeout)
        add("event-ring", "\(eventRingCapacity)", JSONValue(eventRingCapacity))
        add("log-level", logLevel.description, .string(logLevel.description))
        add("log-target", logTarget.rawValue, .string(logTarget.rawValue))
        addDuration("reconnect-min", reconnectMinimum)
        addDuration("reconnect-max", reconnectMaximum)
        add("ca-file", caFile, caFile.map(JSONValue.string) ?? .null)
        add("insecure-skip-verify", "\(insecureSkipVerify)", .bool(insecureSkipVerify))
        return settings

        func addDuration(_ key: String, _ duration: Duration) {
            add(key, formatDuration(duration), .string(formatDuration(duration)))
        }
    }

    /// `check-config`'s text: one `key = value   # source` line per setting, then warnings
    /// as `# warning:` lines.
    func effectiveConfigurationText() -> String {
        let settings = effectiveSettings()
        let lefts = settings.map { setting in
            setting.text.map { "\(setting.key) = \(quoteIfNeeded($0))" } ?? "\(setting.key) ="
        }
        let width = min(60, lefts.map(\.count).max() ?? 0)
        var text = "# effective configuration of `sharkfin-relay serve`\n"
        text += "# config file: \(configFile ?? "none")\n"
        for (setting, left) in zip(settings, lefts) {
            let padding = String(repeating: " ", count: max(0, width - left.count))
            let note = setting.text == nil ? " (not set)" : setting.note.map { " (\($0))" } ?? ""
            text += "\(left)\(padding)   # \(setting.source)\(note)\n"
        }
        for warning in warnings { text += "# warning: \(warning)\n" }
        return text
    }

    /// `check-config --json`: `{"valid": true, "configFile": …, "settings": {key: {"value":
    /// …, "source": …}}, "warnings": […]}`; list settings have arrays for both.
    func effectiveConfigurationJSON() -> JSONValue {
        var settingsObject = JSONObject()
        var lists: [String: (values: [JSONValue], sources: [JSONValue])] = [:]
        for setting in effectiveSettings() {
            let source = JSONValue.string(setting.source.description)
            if setting.key == "allow-uid" || setting.key == "allow-gid" {
                var list = lists[setting.key] ?? ([], [])
                if setting.text != nil {
                    list.values.append(setting.json)
                    list.sources.append(source)
                }
                lists[setting.key] = list
                _ = settingsObject.updateValue(
                    ["value": .array(list.values), "source": .array(list.sources)],
                    forKey: setting.key
                )
            } else {
                _ = settingsObject.updateValue(
                    ["value": setting.json, "source": source],
                    forKey: setting.key
                )
            }
        }
        return [
            "valid": true,
            "configFile": configFile.map(JSONValue.string) ?? .null,
            "settings": .object(settingsObject),
            "warnings": .array(warnings.map(JSONValue.string)),
        ]
    }
}

/// A value in double quotes when a config file would need them (blanks, `#`, quotes).
private func quoteIfNeeded(_ value: String) -> String {
    let needsQuotes =
        value.isEmpty || value.contains("#") || value.contains("\"") || value.first == " "
        || value.last == " "
    guard needsQuotes else { return value }
    let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "\"", with: "\\\"")
    return "\"\(escaped)\""
}
