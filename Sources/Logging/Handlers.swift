// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes human-readable lines to standard error:
/// `2026-12-03T15:34:16.123Z info relay: upstream connected upstream.url=ws://…`.
///
/// One `write(2)` per entry, so lines from several threads never interleave.
public struct StderrLogHandler: LogHandler {
    public init() {}

    public func log(_ entry: LogEntry) {
        var line = Self.timestamp()
        line += " \(entry.level) \(entry.label): \(entry.message)"
        for key in entry.metadata.keys.sorted() {
            line += " \(key)=\(Self.quoted(entry.metadata[key]!))"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// Quotes a metadata value when it holds spaces, quotes or control characters.
    static func quoted(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { scalar in
                scalar == " " || scalar == "\"" || scalar == "=" || scalar.value < 0x20
            }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = now.tv_nsec / 1_000_000
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))."
            + "\(pad(Int32(millis), 3))Z"
    }
}

/// Drops every entry.
public struct NullLogHandler: LogHandler {
    public init() {}
    public func log(_ entry: LogEntry) {}
}

/// Keeps entries in memory so tests can assert on what was logged.
public final class MemoryLogHandler: LogHandler {
    private let entries = Mutex<[LogEntry]>([])

    public init() {}

    public func log(_ entry: LogEntry) {
        entries.withLock { $0.append(entry) }
    }

    /// Everything logged so far, oldest first.
    public var recorded: [LogEntry] { entries.withLock { $0 } }

    /// Entries whose message equals `message`.
    public func entries(withMessage message: String) -> [LogEntry] {
        recorded.filter { $0.message == message }
    }
}

/// Sends each entry to several handlers, e.g. stderr and memory.
public struct MultiplexLogHandler: LogHandler {
    public var handlers: [any LogHandler]

    public init(_ handlers: [any LogHandler]) { self.handlers = handlers }

    public func log(_ entry: LogEntry) {
        for handler in handlers { handler.log(entry) }
    }
}
