// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

// The options `serve` and `check-config` accept. Their names are also the config file's keys
// (without `api-key`, `config` and `help`), so this list is the one place an option is added.

extension ServeOptions {
    static let defaultURL = "ws://127.0.0.1:16000/ws"

    /// Options that set a value: each is a flag, and a key of the config file.
    static let settingOptions: [OptionSpec] = [
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
        socketOption,
        OptionSpec(
            name: "socket-mode",
            kind: .value(placeholder: "OCTAL"),
            help: "socket file mode: 0600, 0660 or 0666 (default 0600)"
        ),
        OptionSpec(
            name: "socket-group",
            kind: .value(placeholder: "GROUP"),
            help: "group (name or GID) of the socket files (default: the daemon's)"
        ),
        OptionSpec(
            name: "allow-uid",
            kind: .repeatedValue(placeholder: "USER"),
            help: "users (name or UID) who may connect (default: anyone able to open it)"
        ),
        OptionSpec(
            name: "allow-gid",
            kind: .repeatedValue(placeholder: "GROUP"),
            help: "...or whose primary group (name or GID) is one of these"
        ),
        OptionSpec(
            name: "read-only-socket",
            kind: .value(placeholder: "PATH"),
            help: "a second socket whose clients may only read (default: none)"
        ),
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
            help: "per-client output queue before events are dropped (default 1048576)"
        ),
        OptionSpec(
            name: "max-in-flight",
            kind: .value(placeholder: "N"),
            help: "upstream requests awaiting replies at once (default 64, at most 200)"
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
        OptionSpec(
            name: "reconnect-min",
            kind: .value(placeholder: "DURATION"),
            help: "first delay before reconnecting upstream (default 500ms)"
        ),
        OptionSpec(
            name: "reconnect-max",
            kind: .value(placeholder: "DURATION"),
            help: "longest delay between reconnect attempts (default 30s)"
        ),
        OptionSpec(
            name: "ca-file",
            kind: .value(placeholder: "FILE"),
            help: "PEM certificates to trust for wss:// (default: the system's)"
        ),
        OptionSpec(
            name: "insecure-skip-verify",
            kind: .flag,
            help: "do not verify the server's TLS certificate (testing only)"
        ),
    ]

    /// Options of the command line only.
    static let commandLineOptions: [OptionSpec] = [
        OptionSpec(
            name: "config",
            kind: .value(placeholder: "FILE"),
            help: "config file (default /etc/sharkfin-relay/config for root, else\n"
                + String(repeating: " ", count: 32)
                + "$XDG_CONFIG_HOME/sharkfin-relay/config; may be absent)"
        ),
        OptionSpec(
            name: "api-key",
            kind: .value(placeholder: "KEY"),
            help: "refused: a key on the command line shows in ps; use a file"
        ),
        helpOption,
    ]

    static let parser = ArgumentParser(options: settingOptions + commandLineOptions)

    static let usage = """
        usage: sharkfin-relay serve [options]

        Holds one WebSocket session to a Sharkfin server for one identity and serves it to
        local programs over a line-delimited JSON Unix socket (see docs/PROTOCOL.md).

        Each setting comes from, first found wins: the command line, the environment, the
        config file, the default (see docs/CONFIGURATION.md; check with `check-config`).
        The API key is read, first found wins, from $CREDENTIALS_DIRECTORY/sharkfin-api-key
        (systemd LoadCredential=), --api-key-file, $SHARKFIN_API_KEY_FILE, $SHARKFIN_API_KEY,
        api-key-file in the config file.

        options:
        \(parser.helpText())
        """
}
