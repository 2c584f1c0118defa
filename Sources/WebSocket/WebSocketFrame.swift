// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// One WebSocket frame (RFC 6455 §5.2) with its payload in the clear.
///
/// The parser unmasks payloads as they arrive and keeps the key it saw in `maskKey`; the
/// encoder masks `payload` with `maskKey` when one is set. Equality compares all fields.
public struct WebSocketFrame: Hashable, Sendable {
    public var fin: Bool
    public var rsv1: Bool
    public var rsv2: Bool
    public var rsv3: Bool
    public var opcode: WebSocketOpcode
    public var maskKey: WebSocketMaskKey?
    public var payload: [UInt8]

    public init(
        fin: Bool = true,
        rsv1: Bool = false,
        rsv2: Bool = false,
        rsv3: Bool = false,
        opcode: WebSocketOpcode,
        maskKey: WebSocketMaskKey? = nil,
        payload: [UInt8] = []
    ) {
        self.fin = fin
        self.rsv1 = rsv1
        self.rsv2 = rsv2
        self.rsv3 = rsv3
        self.opcode = opcode
        self.maskKey = maskKey
        self.payload = payload
    }

    /// A close frame carrying `code` and a reason truncated to fit the 125-byte control limit.
    ///
    /// A `nil` code gives an empty payload (which the peer reads as 1005, no status); so does
    /// a code that may not be sent on the wire (1005, 1006, 1015 and the reserved ranges).
    public static func close(code: WebSocketCloseCode?, reason: String = "") -> WebSocketFrame {
        guard let code, code.isValidOnWire else { return WebSocketFrame(opcode: .close) }
        var payload: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        payload += Self.truncatedUTF8(reason, limit: 123)
        return WebSocketFrame(opcode: .close, payload: payload)
    }

    /// The UTF-8 bytes of `text`, cut at a character boundary to at most `limit` bytes.
    static func truncatedUTF8(_ text: String, limit: Int) -> [UInt8] {
        var bytes = Array(text.utf8)
        guard bytes.count > limit else { return bytes }
        var end = limit
        // Step back over continuation bytes (10xxxxxx) so no scalar is split.
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        bytes.removeSubrange(end...)
        return bytes
    }
}

/// The four-byte key a client XORs over each frame's payload (RFC 6455 §5.3).
public struct WebSocketMaskKey: Hashable, Sendable {
    /// The key bytes in wire order.
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        bytes = (b0, b1, b2, b3)
    }

    /// A fresh key from `SystemRandomNumberGenerator`, as §5.3 requires for every frame.
    public static func random() -> WebSocketMaskKey {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A key from the given generator (tests pass a seeded one).
    public static func random(
        using generator: inout some RandomNumberGenerator
    )
        -> WebSocketMaskKey
    {
        let value = generator.next() as UInt32
        return WebSocketMaskKey(
            UInt8(truncatingIfNeeded: value),
            UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 24)
        )
    }

    /// The key byte that applies at `index`.
    @inline(__always)
    func byte(at index: Int) -> UInt8 {
        switch index & 3 {
        case 0: bytes.0
        case 1: bytes.1
        case 2: bytes.2
        default: bytes.3
        }
    }

    public static func == (lhs: WebSocketMaskKey, rhs: WebSocketMaskKey) -> Bool {
        lhs.bytes == rhs.bytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.0)
        hasher.combine(bytes.1)
        hasher.combine(bytes.2)
        hasher.combine(bytes.3)
    }
}
