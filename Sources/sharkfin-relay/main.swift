// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import RelayCLI

let status = await RelayCommandLine.main(
    arguments: Array(CommandLine.arguments.dropFirst()),
    environment: ProcessInfo.processInfo.environment
)
exit(status)
