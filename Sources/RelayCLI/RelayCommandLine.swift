// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The relay's version, shown by `--version`, `relay.hello` and `relay.status`.
public let sharkfinRelayVersion = "0.1.0-dev"

/// The `sharkfin-relay` command: `serve` and the client subcommands around it.
public enum RelayCommandLine {
    static let usage = """
        usage: sharkfin-relay COMMAND [options]

        One Sharkfin WebSocket session for one identity, shared by many local programs
        over a line-delimited JSON Unix socket.

        commands:
          serve         run the relay daemon
          check-config  print serve's effective configuration and where each value came from
          call TYPE [JSON-ARGS]
                        send one request through the relay and print the reply
          watch         print events as JSON lines until interrupted
          status        show the upstream session and local clients (--json for machines)
          help [COMMAND]
                        show help for a command

        options: --help, --version

        exit status: 0 success; 1 the request failed (error reply) or serve failed;
        2 usage error; 3 relay not reachable or went away; 4 no reply in time.
        """

    /// Runs the command line and returns the process exit status.
    public static func main(
        arguments: [String],
        environment: [String: String],
        output: CommandOutput = .process
    ) async -> Int32 {
        guard let command = arguments.first else {
            output.standardError(usage + "\n")
            return ExitStatus.usage.rawValue
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "serve":
                let options = try ServeOptions(rest, environment: environment)
                let serve = ServeCommand(
                    options: options,
                    arguments: rest,
                    environment: environment
                )
                return await serve.run(output: output).rawValue
            case "check-config":
                return try CheckConfigCommand(rest, environment: environment).run(output: output)
                    .rawValue
            case "call":
                return try CallCommand(rest, environment: environment).run(output: output).rawValue
            case "watch":
                return try WatchCommand(rest, environment: environment).run(output: output).rawValue
            case "status":
                return try StatusCommand(rest, environment: environment).run(output: output)
                    .rawValue
            case "help":
                return await main(
                    arguments: rest.isEmpty ? ["--help"] : [rest[0], "--help"],
                    environment: environment,
                    output: output
                )
            case "--help", "-h":
                output.standardOutput(usage + "\n")
                return ExitStatus.success.rawValue
            case "--version", "version":
                output.standardOutput("sharkfin-relay \(sharkfinRelayVersion)\n")
                return ExitStatus.success.rawValue
            default:
                throw UsageError("unknown command '\(command)'\n\n\(usage)")
            }
        } catch let help as HelpRequested {
            output.standardOutput(help.text + "\n")
            return ExitStatus.success.rawValue
        } catch {
            output.standardError("sharkfin-relay: \(error)\n")
            return ExitStatus.usage.rawValue
        }
    }
}
