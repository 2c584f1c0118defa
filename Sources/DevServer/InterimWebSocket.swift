// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import SocketIO

/// A minimal server-side RFC 6455 codec over an upgraded `StreamConnection`, standing in
/// for the WebSocket target's `WebSocketConnection` until that lands on main.
///
/// It reads masked client frames (text with continuations, ping, pong, close), answers
/// pings, echoes a close frame with the client's code as gorilla/websocket does, and
/// writes unmasked server frames. A protocol violation ends the connection with close
/// code 1002. Messages are limited to 1 MiB (close 1009 beyond). Loop-bound.
final class InterimWebSocket: ServerWebSocket {
    /// Reassembled messages may take 1 MiB; Sharkfin frames are far smaller.
    static let maxMessageBytes = 1 << 20

    weak var delegate: (any ServerWebSocketDelegate)?
    private let connection: StreamConnection
    private var buffer: [UInt8] = []
    private var message: [UInt8]? = nil
    private var isClosed = false
    private var sentClose = false
    /// Cumulative byte offsets at which each queued frame ends, to count unwritten frames.
    private var frameEnds: [UInt64] = []
    private var bytesQueued: UInt64 = 0

    init(connection: StreamConnection) {
        self.connection = connection
        bytesQueued = connection.totalBytesWritten + UInt64(connection.pendingWriteBytes)
    }

    var unwrittenFrameCount: Int {
        let written = connection.totalBytesWritten
        frameEnds.removeAll { $0 <= written }
        return frameEnds.count
    }

    func sendText(_ utf8: [UInt8]) {
        writeFrame(opcode: 0x1, payload: utf8)
    }

    func sendPing() {
        writeFrame(opcode: 0x9, payload: [])
    }

    func abort() {
        guard !isClosed else { return }
        connection.close()
    }

    /// Bytes read from the connection after the upgrade.
    func receive(_ bytes: some Collection<UInt8>) {
        guard !isClosed else { return }
        buffer.append(contentsOf: bytes)
        while !isClosed, let frame = nextFrame() {
            handle(frame)
        }
    }

    /// The TCP connection ended.
    func connectionDidClose() {
        guard !isClosed else { return }
        isClosed = true
        delegate?.webSocketDidClose(self)
    }

    private struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
    }

    private func nextFrame() -> Frame? {
        guard buffer.count >= 2 else { return nil }
        let first = buffer[0]
        let second = buffer[1]
        guard first & 0x70 == 0, second & 0x80 != 0 else {
            fail(code: 1002)
            return nil
        }
        var offset = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard buffer.count >= 4 else { return nil }
            length = UInt64(buffer[2]) << 8 | UInt64(buffer[3])
            offset = 4
        } else if length == 127 {
            guard buffer.count >= 10 else { return nil }
            length = buffer[2..<10].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            offset = 10
        }
        guard length <= UInt64(Self.maxMessageBytes) else {
            fail(code: 1009)
            return nil
        }
        let total = offset + 4 + Int(length)
        guard buffer.count >= total else { return nil }
        let mask = Array(buffer[offset..<(offset + 4)])
        var payload = Array(buffer[(offset + 4)..<total])
        for index in payload.indices { payload[index] ^= mask[index % 4] }
        buffer.removeFirst(total)
        return Frame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload)
    }

    private func handle(_ frame: Frame) {
        switch frame.opcode {
        case 0x0, 0x1:
            if frame.opcode == 0x1 {
                guard message == nil else { return fail(code: 1002) }
                message = []
            }
            guard var partial = message else { return fail(code: 1002) }
            partial += frame.payload
            guard partial.count <= Self.maxMessageBytes else { return fail(code: 1009) }
            if frame.fin {
                message = nil
                delegate?.webSocket(self, didReceiveText: partial)
            } else {
                message = partial
            }
        case 0x2:
            // Binary messages mean nothing to Sharkfin; gorilla hands them to the handler,
            // which fails to decode them, so answer like a bad text frame.
            guard frame.fin else { return fail(code: 1002) }
            delegate?.webSocket(self, didReceiveText: frame.payload)
        case 0x8:
            let code = frame.payload.count >= 2 ? Array(frame.payload[0..<2]) : [0x03, 0xE8]
            writeFrame(opcode: 0x8, payload: code)
            sentClose = true
            isClosed = true
            connection.closeAfterFlushing(timeout: .seconds(1))
            delegate?.webSocketDidClose(self)
        case 0x9:
            guard frame.fin, frame.payload.count <= 125 else { return fail(code: 1002) }
            writeFrame(opcode: 0xA, payload: frame.payload)
        case 0xA:
            delegate?.webSocketDidReceivePong(self)
        default:
            fail(code: 1002)
        }
    }

    private func fail(code: UInt16) {
        guard !isClosed else { return }
        writeFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
        isClosed = true
        connection.closeAfterFlushing(timeout: .seconds(1))
        delegate?.webSocketDidClose(self)
    }

    private func writeFrame(opcode: UInt8, payload: [UInt8]) {
        guard !sentClose, connection.isOpen else { return }
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(127)
            frame += (0..<8).map {
                UInt8(truncatingIfNeeded: UInt64(payload.count) >> (56 - 8 * $0))
            }
        }
        frame += payload
        bytesQueued =
            connection.totalBytesWritten + UInt64(connection.pendingWriteBytes)
            + UInt64(frame.count)
        frameEnds.append(bytesQueued)
        connection.write(frame)
    }
}

/// Loop-bound: used only on its event loop's thread.
@available(*, unavailable)
extension InterimWebSocket: Sendable {}
