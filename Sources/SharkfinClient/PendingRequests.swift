// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Identifies one request sent through a `SharkfinSession`; its wire ref is `r<rawValue>`.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The `ref` the session puts on the wire for this request.
    public var ref: String { "r\(rawValue)" }

    public var description: String { ref }

    /// The id a session ref names, or nil for refs the session did not make.
    init?(ref: String) {
        guard ref.hasPrefix("r"), let value = UInt64(ref.dropFirst()) else { return nil }
        // "r01" is not a ref we made: round-trip to reject non-canonical spellings.
        guard "r\(value)" == ref else { return nil }
        self.rawValue = value
    }
}

/// The table of requests awaiting an answer: the heart of exactly-once completion.
///
/// Every way a request can end — reply, timeout, cancellation, connection loss — goes
/// through one of the `mutating` methods below, and each of them *removes* the entry it
/// returns. Whoever gets the entry calls its completion; whoever comes second gets nil and
/// does nothing. A reply that arrives after its timeout therefore finds no entry and is
/// dropped, and a close after a timeout fails only the requests still waiting.
///
/// Pure value type with no clock and no I/O: the session performs what it returns.
struct PendingRequests<Entry> {
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 1

    /// Number of requests awaiting an answer.
    var count: Int { entries.count }

    var isEmpty: Bool { entries.isEmpty }

    /// Allocates the next id; ids are never reused within one table.
    mutating func allocateID() -> RequestID {
        defer { nextID += 1 }
        return RequestID(rawValue: nextID)
    }

    /// Records `entry` as waiting under `id`.
    mutating func insert(_ entry: Entry, for id: RequestID) {
        precondition(entries[id.rawValue] == nil, "request \(id) registered twice")
        entries[id.rawValue] = entry
    }

    /// A frame with `ref` arrived: the entry it answers, removed, or nil when the ref is
    /// not ours or the request already ended (timed out, cancelled).
    mutating func replyReceived(ref: String) -> Entry? {
        guard let id = RequestID(ref: ref) else { return nil }
        return entries.removeValue(forKey: id.rawValue)
    }

    /// The timer of `id` fired, or its owner cancelled it: the entry, removed, or nil
    /// when the request already ended.
    mutating func remove(_ id: RequestID) -> Entry? {
        entries.removeValue(forKey: id.rawValue)
    }

    /// The connection ended: every waiting entry, removed, in the order they were sent.
    mutating func removeAll() -> [Entry] {
        let ordered = entries.sorted { $0.key < $1.key }.map(\.value)
        entries.removeAll()
        return ordered
    }
}
