// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Dispatch
import Foundation
import Logging

let options: DevServerOptions
do {
    options = try DevServerOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(
        Data("sharkfin-devserver: \(error)\n\n\(DevServerOptions.usage)\n".utf8)
    )
    exit(64)
}
if options.showsHelp {
    print(DevServerOptions.usage)
    exit(0)
}

let logger = Logger(label: "sharkfin-devserver", level: options.logLevel)
if options.usesDemoUsers {
    logger.info("no users configured; provisioning demo users alice (alice-key) and bob (bob-key)")
}

signal(SIGTERM, SIG_IGN)
signal(SIGINT, SIG_IGN)
let (signals, signalContinuation) = AsyncStream<Int32>.makeStream()
/// Kept alive for the whole run; a dropped source stops delivering.
let signalSources = [SIGTERM, SIGINT].map { number in
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler { @Sendable in signalContinuation.yield(number) }
    source.resume()
    return source
}

let server = DevServer(configuration: options.configuration, logger: logger)
do {
    let port = try await server.start()
    logger.info(
        "dev server started",
        metadata: [
            "devserver.listen": "\(options.configuration.listenHost):\(port)",
            "devserver.users": "\(options.configuration.users.count)",
        ]
    )
    // Unbuffered, so a parent reading our stdout through a pipe sees it at once.
    FileHandle.standardOutput.write(
        Data("listening on \(options.configuration.listenHost):\(port)\n".utf8)
    )
} catch {
    logger.critical("cannot start", metadata: ["devserver.error": "\(error)"])
    exit(1)
}

for await number in signals {
    logger.info("shutting down", metadata: ["devserver.signal": "\(number)"])
    break
}
await server.stop()
signalSources.forEach { $0.cancel() }
exit(0)
