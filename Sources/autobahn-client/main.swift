// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

// Runs every case of an Autobahn fuzzing server (kosoku -m fuzzingserver) through our
// WebSocket client: asks for the case count, runs each case as an echo client, then asks
// the server to write its reports. The verdicts are in the server's report, not here.
//
//     autobahn-client [--url ws://127.0.0.1:9001] [--agent sharkfin-relay] [--verbose]

import Foundation
import Logging
import SocketIO
import WebSocket

/// Echoes every message back and hands over the closure when the case ends.
final class EchoDelegate: WebSocketDelegate, @unchecked Sendable {
    // Invariant for @unchecked Sendable: `messages` and `continuation` are touched only on
    // the connection's loop (delegate calls) before the closure resumes the waiter.
    private var continuation: CheckedContinuation<WebSocketClosure, Never>?
    private(set) var messages: [[UInt8]] = []
    private let echoes: Bool

    init(echoes: Bool, continuation: CheckedContinuation<WebSocketClosure, Never>) {
        self.echoes = echoes
        self.continuation = continuation
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveText utf8: [UInt8]) {
        if echoes { webSocket.sendText(utf8) } else { messages.append(utf8) }
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveBinary data: [UInt8]) {
        if echoes { webSocket.sendBinary(data) } else { messages.append(data) }
    }

    func webSocket(_ webSocket: WebSocketConnection, didCloseWith closure: WebSocketClosure) {
        continuation?.resume(returning: closure)
        continuation = nil
    }
}

struct Options {
    var url = "ws://127.0.0.1:9001"
    var agent = "sharkfin-relay"
    var isVerbose = false

    init(arguments: [String]) {
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--url": url = rest.popFirst() ?? url
            case "--agent": agent = rest.popFirst() ?? agent
            case "--verbose": isVerbose = true
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

/// Runs one connection to `path` until it closes; returns the text messages received when
/// not echoing.
func session(
    _ path: String,
    echoes: Bool,
    options: Options,
    loop: EventLoop,
    logger: Logger
) async throws -> (WebSocketClosure, [String]) {
    let url = try WebSocketURL(options.url + path)
    let configuration = WebSocketConfiguration(maxMessageSize: 64 * 1024 * 1024)
    let connection = try await WebSocketConnection.connect(
        to: url,
        configuration: configuration,
        on: loop,
        logger: logger
    )
    let box = DelegateBox()
    let closure = await withCheckedContinuation { continuation in
        loop.execute {
            let delegate = EchoDelegate(echoes: echoes, continuation: continuation)
            box.delegate = delegate
            connection.start(delegate: delegate)
        }
    }
    let texts = await loop.submit {
        box.delegate?.messages.map { String(decoding: $0, as: UTF8.self) } ?? []
    }
    return (closure, texts)
}

/// Hands the delegate from the loop back to the task.
final class DelegateBox: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `delegate` is set and read on the loop only.
    var delegate: EchoDelegate?
}

let options = Options(arguments: CommandLine.arguments)
let logger = Logger(label: "autobahn-client", level: options.isVerbose ? .debug : .info)
let loop = try EventLoop(name: "autobahn")
defer { loop.shutdown() }

let (_, countTexts) = try await session(
    "/getCaseCount",
    echoes: false,
    options: options,
    loop: loop,
    logger: logger
)
guard let count = countTexts.first.flatMap({ Int($0) }) else {
    FileHandle.standardError.write(Data("no case count from \(options.url)\n".utf8))
    exit(1)
}
print("autobahn-client: \(count) cases")
let agent = options.agent.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "agent"
for index in 1...count {
    let started = ContinuousClock.now
    do {
        let (closure, _) = try await session(
            "/runCase?case=\(index)&agent=\(agent)",
            echoes: true,
            options: options,
            loop: loop,
            logger: logger
        )
        let elapsed = ContinuousClock.now - started
        if options.isVerbose || elapsed > .seconds(2) {
            print("case \(index)/\(count): \(closure) in \(elapsed)")
        }
    } catch {
        print("case \(index)/\(count): \(error)")
    }
}
_ = try await session(
    "/updateReports?agent=\(agent)",
    echoes: false,
    options: options,
    loop: loop,
    logger: logger
)
print("autobahn-client: reports updated")
