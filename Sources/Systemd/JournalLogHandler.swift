// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Writes log entries to the systemd journal as structured fields, through
/// `sd_journal_sendv(3)`.
///
/// Each entry becomes one journal record with:
/// - `MESSAGE`, `PRIORITY` (`LogLevel.syslogPriority`), `SYSLOG_IDENTIFIER`;
/// - `CODE_FILE`, `CODE_LINE`, `CODE_FUNC` from the logging call site;
/// - `SHARKFIN_LOGGER` holding the logger's label;
/// - one field per metadata key, `client.pid` becoming `SHARKFIN_CLIENT_PID` (see
///   `fieldName(forMetadataKey:)`); the key `message.id` becomes `MESSAGE_ID` when its
///   value is a valid 128-bit id (see `RelayMessageID`).
///
/// Values go over binary-safe, so they may hold newlines. When the journal cannot be
/// reached (`sd_journal_sendv` fails, e.g. no journald socket) the entry goes to
/// `fallback` instead, so nothing is lost outside systemd.
///
/// `sd_journal_sendv` is thread-safe, so one handler serves every thread.
public struct JournalLogHandler: LogHandler {
    /// The metadata key whose value becomes `MESSAGE_ID`.
    public static let messageIDKey = "message.id"

    /// The `SYSLOG_IDENTIFIER` of every entry; `journalctl -t` filters on it.
    public let identifier: String

    /// Where entries go when the journal refuses them; `nil` drops them.
    public let fallback: (any LogHandler)?

    /// - Parameters:
    ///   - identifier: the `SYSLOG_IDENTIFIER`, by default `sharkfin-relay`.
    ///   - fallback: the handler for entries the journal refuses, by default stderr.
    public init(
        identifier: String = "sharkfin-relay",
        fallback: (any LogHandler)? = StderrLogHandler()
    ) {
        self.init(identifier: identifier, fallback: fallback, sender: Self.send)
    }

    /// Delivers the fields of one entry; `send(_:)` except in tests of the fallback.
    private let sender: @Sendable ([JournalField]) throws(SystemdError) -> Void

    init(
        identifier: String,
        fallback: (any LogHandler)?,
        sender: @escaping @Sendable ([JournalField]) throws(SystemdError) -> Void
    ) {
        self.identifier = identifier
        self.fallback = fallback
        self.sender = sender
    }

    public func log(_ entry: LogEntry) {
        do {
            try sender(fields(for: entry))
        } catch {
            fallback?.log(entry)
        }
    }

    /// The journal fields for `entry`, in the order they are sent.
    func fields(for entry: LogEntry) -> [JournalField] {
        var fields: [JournalField] = [
            JournalField(name: "MESSAGE", value: entry.message),
            JournalField(name: "PRIORITY", value: String(entry.level.syslogPriority)),
            JournalField(name: "SYSLOG_IDENTIFIER", value: identifier),
            JournalField(name: "CODE_FILE", value: entry.file),
            JournalField(name: "CODE_LINE", value: String(entry.line)),
            JournalField(name: "CODE_FUNC", value: entry.function),
            JournalField(name: "SHARKFIN_LOGGER", value: entry.label),
        ]
        for (key, value) in entry.metadata.sorted(by: { $0.key < $1.key }) {
            if key == Self.messageIDKey, RelayMessageID.isValid(value) {
                fields.append(JournalField(name: "MESSAGE_ID", value: value))
            } else if let name = Self.fieldName(forMetadataKey: key) {
                fields.append(JournalField(name: name, value: value))
            } else {
                fields.append(JournalField(name: Self.unmappedField, value: "\(key)=\(value)"))
            }
        }
        return fields
    }

    /// Sends `fields` as one journal entry: one `NAME=value` iovec per field, all
    /// pointing into a single buffer that outlives the call.
    ///
    /// - Throws: `.callFailed(call: "sd_journal_sendv", …)` when journald refuses or is
    ///   not running.
    static func send(_ fields: [JournalField]) throws(SystemdError) {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append(start..<buffer.count)
        }
        let result = buffer.withUnsafeMutableBytes { bytes -> Int32 in
            // Every field holds at least its `=`, so the buffer is never empty.
            guard let base = bytes.baseAddress else { return -EINVAL }
            let vectors = ranges.map { range in
                iovec(iov_base: base + range.lowerBound, iov_len: range.count)
            }
            return vectors.withUnsafeBufferPointer { vectors in
                sd_journal_sendv(vectors.baseAddress, Int32(vectors.count))
            }
        }
        try SystemdError.check(result, "sd_journal_sendv")
    }
}

/// One `NAME=value` pair of a journal entry.
struct JournalField: Equatable, Sendable {
    var name: String
    var value: String
}
