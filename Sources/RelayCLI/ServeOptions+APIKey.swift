// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc

/// The API key and where it came from.
struct ResolvedAPIKey {
    var key: String
    var source: OptionSource
    /// For logs and `check-config`: `file /etc/…`, `credential /run/…`,
    /// `environment SHARKFIN_API_KEY`.
    var description: String
    /// The file read, if any.
    var file: String?
    var warnings: [String] = []

    /// What `check-config` prints instead of the key.
    var redacted: String { "<redacted, \(key.utf8.count) bytes from \(description)>" }
}

extension ServeOptions {
    /// Finds the API key; the first source found wins:
    ///
    /// 1. `$CREDENTIALS_DIRECTORY/sharkfin-api-key`, systemd's `LoadCredential=` (private
    ///    to the service, so its mode is not checked);
    /// 2. `--api-key-file FILE`;
    /// 3. `$SHARKFIN_API_KEY_FILE`;
    /// 4. `$SHARKFIN_API_KEY`, the key itself;
    /// 5. `api-key-file` in the config file.
    ///
    /// This keeps the general rule (flags, then environment, then file) with the credential
    /// in front. The key itself is accepted only from the environment, never as a flag or
    /// config key.
    static func resolveAPIKey(
        _ layers: inout SettingLayers
    ) throws(ConfigurationError) -> ResolvedAPIKey {
        let keyFile = layers.raw("api-key-file")
        let environmentKey = layers.environment["SHARKFIN_API_KEY"].flatMap {
            $0.isEmpty ? nil : $0
        }
        if let directory = layers.environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = "\(directory)/sharkfin-api-key"
            if FileManager.default.fileExists(atPath: path) {
                let source = OptionSource.credential(path: path)
                var resolved = ResolvedAPIKey(
                    key: try readKeyFile(path, key: "api-key", source: source),
                    source: source,
                    description: "credential \(path)",
                    file: path
                )
                if let keyFile {
                    resolved.warnings.append(
                        "api-key-file (\(keyFile.source)) is ignored: the systemd credential"
                            + " \(path) comes first"
                    )
                } else if environmentKey != nil {
                    resolved.warnings.append(
                        "SHARKFIN_API_KEY is ignored: the systemd credential \(path) comes first"
                    )
                }
                layers.record("api-key", source)
                return resolved
            }
        }
        var chosenFile = keyFile
        if case .file = keyFile?.source, environmentKey != nil { chosenFile = nil }
        if let (path, source) = chosenFile {
            var resolved = ResolvedAPIKey(
                key: try readKeyFile(path, key: "api-key-file", source: source),
                source: source,
                description: "file \(path)",
                file: path
            )
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o044 != 0 {
                resolved.warnings.append(
                    "API key file \(path) is readable by group or others (mode "
                        + formatMode(info.st_mode & 0o777) + "); chmod 600 it"
                )
            }
            layers.record("api-key-file", source)
            layers.record("api-key", source)
            return resolved
        }
        if let environmentKey {
            let source = OptionSource.environment(variable: "SHARKFIN_API_KEY")
            layers.record("api-key", source)
            return ResolvedAPIKey(
                key: environmentKey,
                source: source,
                description: "environment SHARKFIN_API_KEY"
            )
        }
        throw .missingAPIKey
    }

    /// Reads a key file: UTF-8, one word, surrounding blanks and newlines trimmed.
    private static func readKeyFile(
        _ path: String,
        key: String,
        source: OptionSource
    ) throws(ConfigurationError) -> String {
        // A credential's error already names the file; a key file's names the option.
        let subject: String
        if case .credential = source { subject = "" } else { subject = "names \(path), which " }
        func problem(_ text: String) -> ConfigurationError {
            .invalidValue(key: key, source: source, problem: subject + text)
        }
        guard access(path, R_OK) == 0 else {
            throw problem("cannot be read (\(errnoText(errno)))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw problem("cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw problem("is not UTF-8 text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw problem("is empty") }
        guard !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw problem("holds more than one word (it must hold the key alone)")
        }
        return trimmed
    }
}
