// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

/// `sharkfin-relay check-config [serve's options] [--json]`: resolves the configuration the
/// way `serve` would (the same `ServeOptions` initializer) and prints it with each value's
/// source, the API key redacted.
///
/// Exit status: 0 valid; 1 invalid (the error on stderr, and with `--json` also
/// `{"valid": false, "error": "…"}` on stdout); 2 the command line itself does not parse.
struct CheckConfigCommand {
    static let parser = ArgumentParser(
        options: ServeOptions.settingOptions + [
            OptionSpec(name: "json", kind: .flag, help: "print the configuration as JSON")
        ] + ServeOptions.commandLineOptions
    )

    static let usage = """
        usage: sharkfin-relay check-config [serve's options] [--json]

        Resolves the configuration exactly as `serve` would (command line, environment,
        config file, defaults) and prints it, one `key = value   # source` line per setting,
        then any warnings. The API key is never printed, only its length and origin.

        exit status: 0 the configuration is valid; 1 it is not (the error on stderr);
        2 usage error.

        options:
        \(parser.helpText())
        """

    var parsed: ParsedArguments
    var environment: [String: String]
    /// The config file read when `--config` is not given; `nil` reads none.
    var defaultConfigPath: String?

    /// Parses the command line.
    ///
    /// - Parameter defaultConfigPath: `nil` for `ConfigFile.defaultPath(environment:)`, as
    ///   `serve` uses; tests pass a path of their own.
    /// - Throws: `HelpRequested` or `UsageError`.
    init(
        _ arguments: [String],
        environment: [String: String],
        defaultConfigPath: String? = nil
    ) throws {
        parsed = try Self.parser.parse(arguments)
        guard !parsed.has("help") else { throw HelpRequested(text: Self.usage) }
        self.environment = environment
        self.defaultConfigPath =
            defaultConfigPath ?? ConfigFile.defaultPath(environment: environment)
    }

    func run(output: CommandOutput) -> ExitStatus {
        let options: ServeOptions
        do {
            options = try ServeOptions(
                parsed: parsed,
                environment: environment,
                defaultConfigPath: defaultConfigPath
            )
        } catch {
            output.standardError("sharkfin-relay: invalid configuration: \(error)\n")
            if parsed.has("json") {
                let failure: JSONValue = ["valid": false, "error": .string("\(error)")]
                output.standardOutput(failure.serializedString() + "\n")
            }
            return .requestFailed
        }
        if parsed.has("json") {
            output.standardOutput(options.effectiveConfigurationJSON().serializedString() + "\n")
        } else {
            output.standardOutput(options.effectiveConfigurationText())
        }
        return .success
    }
}
