// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Splits a client's byte stream into lines, one JSON request per line.
///
/// A line ends at `\n`; one `\r` right before it is dropped, so `\r\n` from a terminal or
/// `socat` works. Lines holding nothing but spaces, tabs and `\r` are skipped: a human
/// pressing Enter twice gets no error.
///
/// The limit is `maxLineBytes` bytes of content, not counting the terminator. A line that
/// exceeds it yields a single ``Output/lineTooLong(limit:)`` as soon as the excess is
/// seen, without waiting for its end; the framer then discards input up to and including
/// the next `\n` and carries on with the line after it. So a client cannot make the relay
/// buffer more than `maxLineBytes + 1` bytes, and one bad line costs one error.
///
/// The outputs depend only on the bytes, never on how they were split into reads: the
/// tests feed every input whole, byte by byte and split at every position.
///
/// Bytes after the last `\n` when the client goes away are dropped (``finish()``): a line
/// counts only once its `\n` has arrived.
struct LineFramer {
    /// What a run of bytes produced, in order.
    enum Output: Equatable {
        /// One complete, non-blank line without its terminator.
        case line([UInt8])
        /// A line longer than the limit began; its remaining bytes will be discarded.
        case lineTooLong(limit: Int)
    }

    /// The most content bytes a line may hold.
    let maxLineBytes: Int

    /// Bytes of the line being assembled (at most `maxLineBytes + 1`: room for a `\r`).
    /// Its storage is released after every line, so 10,000 idle clients hold nothing here.
    private var pending: [UInt8] = []

    /// Whether we are skipping the rest of an overlong line, up to its `\n`.
    private var isDiscarding = false

    init(maxLineBytes: Int) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive, got \(maxLineBytes)")
        self.maxLineBytes = maxLineBytes
    }

    /// Whether a partial line is buffered or being discarded.
    var hasPartialLine: Bool { !pending.isEmpty || isDiscarding }

    /// Consumes `bytes` and returns the lines and errors they complete, in order.
    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [Output] {
        var outputs: [Output] = []
        var rest = bytes
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let chunk = rest[rest.startIndex..<(newline ?? rest.endIndex)]
            if isDiscarding {
                if newline != nil { isDiscarding = false }
            } else if pending.count + chunk.count > maxLineBytes + 1 {
                // Too long whatever follows: say so now and stop buffering.
                outputs.append(.lineTooLong(limit: maxLineBytes))
                pending = []
                isDiscarding = newline == nil
            } else {
                pending.append(contentsOf: chunk)
                if newline != nil, let output = completeLine() {
                    outputs.append(output)
                }
            }
            guard let newline else { break }
            rest = rest[(newline + 1)...]
        }
        return outputs
    }

    /// Forgets a partial line; called when the client disconnects.
    mutating func finish() {
        pending = []
        isDiscarding = false
    }

    /// Turns `pending` (a whole line without its `\n`) into an output and empties it.
    private mutating func completeLine() -> Output? {
        var line = pending
        pending = []
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if line.count > maxLineBytes { return .lineTooLong(limit: maxLineBytes) }
        let isBlank = line.allSatisfy { byte in
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
        }
        return isBlank ? nil : .line(line)
    }
}
