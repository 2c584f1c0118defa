// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// `sharkfin-relay serve`. Interim: the relay core lands in a following commit.
struct ServeCommand {
    var options: ServeOptions
    var environment: [String: String]

    func run(output: CommandOutput) async -> ExitStatus {
        output.standardError("sharkfin-relay: serve is not wired yet in this build\n")
        return .requestFailed
    }
}
