// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Turns a server push into the line clients receive: the server's bytes unchanged, with
/// `,"seq":N` spliced in before the closing brace and a `\n` after it.
///
/// Splicing instead of re-serializing keeps every byte the server sent (key order, number
/// spelling, escapes) and costs one copy per event, however many clients receive it.
enum EventEncoding {
    /// The line for `push` (one JSON object, as the server sent it) numbered `seq`.
    ///
    /// `push` must be a JSON object, which the caller has already parsed. Whitespace the
    /// server may have put between tokens is kept, except that a `\n` or `\r` (legal JSON
    /// whitespace, never inside a JSON string) becomes a space, so an event is always one
    /// line.
    static func line(splicing seq: UInt64, into push: [UInt8]) -> [UInt8] {
        var end = push.endIndex
        while end > push.startIndex, isWhitespace(push[end - 1]) { end -= 1 }
        // `end - 1` is the closing brace; is the object empty (`{}` with only whitespace)?
        var beforeBrace = end - 1
        while beforeBrace > push.startIndex, isWhitespace(push[beforeBrace - 1]) {
            beforeBrace -= 1
        }
        let isEmptyObject =
            beforeBrace > push.startIndex
            && push[beforeBrace - 1] == UInt8(ascii: "{")
        let member = Array((isEmptyObject ? "\"seq\":\(seq)" : ",\"seq\":\(seq)").utf8)
        var line: [UInt8] = []
        line.reserveCapacity(end + member.count + 2)
        for byte in push[push.startIndex..<(end - 1)] {
            line.append(byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") ? 0x20 : byte)
        }
        line.append(contentsOf: member)
        line.append(UInt8(ascii: "}"))
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
