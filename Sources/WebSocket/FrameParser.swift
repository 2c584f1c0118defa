// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Turns the bytes of a WebSocket stream into frames, enforcing RFC 6455's framing rules.
///
/// A state machine with one state per header position, in the manner of swift-nio's
/// `WSParser`: `append(_:)` hands it bytes as they arrive, and each `next()` either returns a
/// complete frame, asks for more bytes, or reports the violation that must fail the
/// connection. Limits are checked as soon as the length field is read, before any payload is
/// buffered, so a peer cannot make us hold more than `maxFrameSize` bytes of one frame.
///
/// Besides single-frame rules the parser tracks the data message in progress, because two
/// checks must happen before a payload is buffered or as its bytes arrive:
/// - fragmentation order: a continuation without a message to continue, or a new text or
///   binary frame inside an unfinished message, is a 1002 at the header;
/// - the message size limit counts every fragment so far (1009 at the header);
/// - text payloads are UTF-8 validated as their bytes arrive, even within one frame, so an
///   invalid message fails on its first impossible byte (1007; Autobahn 6.4.x "fail fast").
///
/// Decision on non-minimal length encodings: RFC 6455 §5.2 says "the minimal number of bytes
/// MUST be used to encode the length", so a 16-bit length below 126 or a 64-bit length below
/// 65536 is not a well-formed frame and fails the connection with 1002. Conformant peers
/// (Autobahn, browsers, Go's and Python's libraries) never send them.
///
/// After a violation the parser stays failed: the stream cannot be resynchronised.
public struct FrameParser: Sendable {
    /// What one call to `next()` produced.
    public enum Step: Hashable, Sendable {
        /// The buffered bytes end inside a frame; `append` more and call `next()` again.
        case needMoreBytes
        /// A complete frame, its payload unmasked.
        case frame(WebSocketFrame)
        /// The peer broke the protocol; fail the connection with `error.closeCode`.
        case violation(WebSocketError)
    }

    /// The header fields of the frame being read.
    private struct Head: Sendable {
        var fin: Bool
        var rsv1: Bool
        var rsv2: Bool
        var rsv3: Bool
        var opcode: WebSocketOpcode
        var isMasked = false
        var maskKey: WebSocketMaskKey?
        var length = 0
        /// Whether the payload belongs to a text message (and so is UTF-8 validated).
        var isText = false
    }

    private enum State: Sendable {
        case awaitingFirstByte
        case awaitingLengthByte(Head)
        case readingExtendedLength(Head, width: Int, bytesRead: Int, value: UInt64)
        case readingMaskKey(Head, bytesRead: Int, key: UInt32)
        case readingPayload(Head)
        case failed(WebSocketError)
    }

    /// Which end we are: a client refuses masked frames, a server refuses unmasked ones.
    public let role: WebSocketRole
    /// The largest frame payload accepted; a larger length field fails with 1009.
    public let maxFrameSize: Int
    /// The largest data message accepted, summed over its fragments; beyond it, 1009.
    public let maxMessageSize: Int

    private var state = State.awaitingFirstByte
    /// Received bytes not yet consumed.
    private var pending: ArraySlice<UInt8> = []
    /// The unmasked payload of the frame being read, so far.
    private var payload: [UInt8] = []
    /// The opcode (text or binary) of a data message whose final frame has not arrived yet.
    private var openMessageOpcode: WebSocketOpcode?
    /// Payload bytes of the current data message, including the frame being read.
    private var openMessageSize = 0
    private var utf8 = UTF8Validator()

    /// - Parameters:
    ///   - role: our end of the connection.
    ///   - maxFrameSize: the largest frame payload accepted (clamped to `maxMessageSize`).
    ///   - maxMessageSize: the largest reassembled data message accepted.
    public init(role: WebSocketRole, maxFrameSize: Int, maxMessageSize: Int) {
        self.role = role
        self.maxMessageSize = max(0, maxMessageSize)
        self.maxFrameSize = max(0, min(maxFrameSize, maxMessageSize))
    }

    /// Bytes received but not yet consumed by `next()`.
    public var bufferedByteCount: Int { pending.count }

    /// Hands the parser the next bytes of the stream.
    ///
    /// The slice is kept, not copied, until consumed: do not pass a view of a buffer that
    /// will be overwritten (the connection copies SocketIO's shared read buffer first).
    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        if pending.isEmpty {
            pending = bytes
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    /// Hands the parser the next bytes of the stream.
    public mutating func append(_ bytes: [UInt8]) { append(bytes[...]) }

    /// Advances as far as the buffered bytes allow.
    public mutating func next() -> Step {
        while true {
            switch state {
            case .failed(let error):
                return .violation(error)

            case .awaitingFirstByte:
                guard let byte = pending.popFirst() else { return .needMoreBytes }
                if let error = readFirstByte(byte) { return fail(error) }

            case .awaitingLengthByte(var head):
                guard let byte = pending.popFirst() else { return .needMoreBytes }
                head.isMasked = byte & 0x80 != 0
                switch (role, head.isMasked) {
                case (.client, true):
                    return fail(.protocolViolation("masked frame from the server"))
                case (.server, false):
                    return fail(.protocolViolation("unmasked frame from the client"))
                case (.client, false), (.server, true): break
                }
                let length = byte & 0x7F
                if head.opcode.isControl && length > 125 {
                    return fail(.protocolViolation("control frame payload over 125 bytes"))
                }
                switch length {
                case 126: state = .readingExtendedLength(head, width: 2, bytesRead: 0, value: 0)
                case 127: state = .readingExtendedLength(head, width: 8, bytesRead: 0, value: 0)
                default: if let error = lengthKnown(UInt64(length), head) { return fail(error) }
                }

            case .readingExtendedLength(let head, let width, var bytesRead, var value):
                guard let byte = pending.popFirst() else { return .needMoreBytes }
                value = value << 8 | UInt64(byte)
                bytesRead += 1
                guard bytesRead == width else {
                    state = .readingExtendedLength(
                        head,
                        width: width,
                        bytesRead: bytesRead,
                        value: value
                    )
                    continue
                }
                if let error = extendedLengthKnown(value, width: width, head) {
                    return fail(error)
                }

            case .readingMaskKey(var head, var bytesRead, var key):
                guard let byte = pending.popFirst() else { return .needMoreBytes }
                key |= UInt32(byte) << (8 * UInt32(bytesRead))
                bytesRead += 1
                guard bytesRead == 4 else {
                    state = .readingMaskKey(head, bytesRead: bytesRead, key: key)
                    continue
                }
                head.maskKey = WebSocketMaskKey(
                    UInt8(truncatingIfNeeded: key),
                    UInt8(truncatingIfNeeded: key >> 8),
                    UInt8(truncatingIfNeeded: key >> 16),
                    UInt8(truncatingIfNeeded: key >> 24)
                )
                startPayload(head)

            case .readingPayload(let head):
                let missing = head.length - payload.count
                if missing > 0 {
                    guard !pending.isEmpty else { return .needMoreBytes }
                    if let error = consumePayload(min(missing, pending.count), head) {
                        return fail(error)
                    }
                    if payload.count < head.length { return .needMoreBytes }
                }
                return finishFrame(head)
            }
        }
    }

    private mutating func fail(_ error: WebSocketError) -> Step {
        state = .failed(error)
        pending = []
        payload = []
        return .violation(error)
    }

    /// Checks the first header byte: RSV1-3, opcode, FIN on control frames, and
    /// fragmentation order.
    ///
    /// - Returns: the violation, or `nil` after moving on to the length byte.
    private mutating func readFirstByte(_ byte: UInt8) -> WebSocketError? {
        if byte & 0x70 != 0 {
            return .protocolViolation("reserved bits set without a negotiated extension")
        }
        guard let opcode = WebSocketOpcode(rawValue: byte & 0x0F) else {
            return .protocolViolation("reserved opcode \(byte & 0x0F)")
        }
        let fin = byte & 0x80 != 0
        if opcode.isControl && !fin {
            return .protocolViolation("fragmented \(opcode) frame")
        }
        switch opcode {
        case .continuation where openMessageOpcode == nil:
            return .protocolViolation("continuation frame without a message to continue")
        case .text where openMessageOpcode != nil, .binary where openMessageOpcode != nil:
            return .protocolViolation("new \(opcode) message inside a fragmented message")
        case .continuation, .text, .binary, .close, .ping, .pong:
            break
        }
        state = .awaitingLengthByte(
            Head(fin: fin, rsv1: false, rsv2: false, rsv3: false, opcode: opcode)
        )
        return nil
    }

    /// Checks a 16- or 64-bit length field for minimal encoding and the reserved high bit.
    private mutating func extendedLengthKnown(
        _ value: UInt64,
        width: Int,
        _ head: Head
    ) -> WebSocketError? {
        if value & (1 << 63) != 0 {
            return .protocolViolation("64-bit payload length with the most significant bit set")
        }
        if (width == 2 && value < 126) || (width == 8 && value <= 0xFFFF) {
            return .protocolViolation("payload length \(value) not minimally encoded")
        }
        return lengthKnown(value, head)
    }

    /// Applies the size limits to a frame whose length is now known, before buffering it.
    private mutating func lengthKnown(_ length: UInt64, _ head: Head) -> WebSocketError? {
        guard length <= UInt64(maxFrameSize) else {
            return .messageTooLarge(size: Int(clamping: length), limit: maxFrameSize)
        }
        var head = head
        head.length = Int(length)
        if !head.opcode.isControl {
            let size = (head.opcode == .continuation ? openMessageSize : 0) + head.length
            guard size <= maxMessageSize else {
                return .messageTooLarge(size: size, limit: maxMessageSize)
            }
            openMessageSize = size
            switch head.opcode {
            case .text:
                utf8.reset()
                head.isText = true
            case .continuation:
                head.isText = openMessageOpcode == .text
            case .binary, .close, .ping, .pong:
                break
            }
        }
        if head.isMasked {
            state = .readingMaskKey(head, bytesRead: 0, key: 0)
        } else {
            startPayload(head)
        }
        return nil
    }

    private mutating func startPayload(_ head: Head) {
        // Reserve up to 1 MiB at once; a larger frame grows as its bytes actually arrive.
        payload.reserveCapacity(min(head.length, 1 << 20))
        state = .readingPayload(head)
    }

    /// Moves `count` pending bytes into the payload, unmasking and validating them.
    private mutating func consumePayload(_ count: Int, _ head: Head) -> WebSocketError? {
        let start = payload.count
        payload.append(contentsOf: pending.prefix(count))
        pending.removeFirst(count)
        let range = start..<(start + count)
        if let key = head.maskKey {
            key.apply(to: &payload, range: range, payloadOffset: start)
        }
        if head.isText {
            var validator = utf8
            let isValid = payload.withUnsafeBytes {
                validator.validate(UnsafeRawBufferPointer(rebasing: $0[range]))
            }
            utf8 = validator
            if !isValid { return .invalidUTF8 }
        }
        return nil
    }

    /// Emits the frame whose payload is complete and updates the message in progress.
    private mutating func finishFrame(_ head: Head) -> Step {
        let frame = WebSocketFrame(
            fin: head.fin,
            rsv1: head.rsv1,
            rsv2: head.rsv2,
            rsv3: head.rsv3,
            opcode: head.opcode,
            maskKey: head.maskKey,
            payload: payload
        )
        payload = []
        state = .awaitingFirstByte
        if !head.opcode.isControl {
            if head.fin {
                if head.isText && !utf8.isAtCharacterBoundary { return fail(.invalidUTF8) }
                openMessageOpcode = nil
                openMessageSize = 0
            } else if head.opcode != .continuation {
                openMessageOpcode = head.opcode
            }
        }
        return .frame(frame)
    }
}
