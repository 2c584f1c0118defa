// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import WebSocket

/// Counts a session's text frames that are queued but not yet taken by the kernel: what the
/// real server's 256-slot send channel holds when a client stops reading.
///
/// It works in the byte positions of the connection's output stream. Every byte ever queued
/// on a `StreamConnection` has a position; `totalBytesWritten` is how far the kernel has
/// taken them and `totalBytesWritten + pendingWriteBytes` is where the next write starts.
/// When a text frame is handed to the `WebSocketConnection`, the ledger records the
/// position of the frame's last byte: where the stream's output ends now, or where the
/// previously recorded frame ends if that lies further (see below), plus the frame's encoded
/// size (`FrameEncoder.header(for:)` plus the payload; server frames are unmasked, and
/// RFC 6455 fixes the minimal length encoding, so the size is exact). A frame is written
/// once `totalBytesWritten` reaches its end.
///
/// This is exact because `WebSocketConnection` writes frames in the order they are handed
/// over. A send requested from inside one of its delegate callbacks is performed just after
/// that callback returns, before any other frame: the stream's end does not include it yet
/// when the next frame is recorded, which is why a later frame starts at the previous
/// recorded end when that is larger. Pings, pongs and close frames the connection writes
/// itself are not counted but take their place in the stream, so they are in the stream's
/// end before the next text frame is recorded.
struct OutboundFrameLedger {
    /// End positions of recorded frames not yet known to be written, ascending.
    private var frameEnds: [UInt64] = []
    private var lastEnd: UInt64 = 0

    /// The wire size of an unmasked text frame carrying `payload`.
    static func encodedSize(ofText payload: [UInt8]) -> Int {
        FrameEncoder.header(for: WebSocketFrame(opcode: .text, payload: payload)).count
            + payload.count
    }

    /// Records a text frame of `encodedSize` bytes handed over while the stream's queued
    /// output ends at `streamEnd` (`totalBytesWritten + pendingWriteBytes`).
    mutating func recordFrame(encodedSize: Int, streamEnd: UInt64) {
        lastEnd = max(lastEnd, streamEnd) + UInt64(encodedSize)
        frameEnds.append(lastEnd)
    }

    /// Recorded frames not yet fully written, given the stream's `totalBytesWritten`.
    mutating func unwrittenFrameCount(written: UInt64) -> Int {
        let done = frameEnds.prefix { $0 <= written }.count
        frameEnds.removeFirst(done)
        return frameEnds.count
    }
}
