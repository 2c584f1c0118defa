// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Serialises frames to wire bytes (RFC 6455 §5.2).
///
/// Lengths use the minimal encoding (7 bits up to 125, then 16, then 64 bits). A frame with a
/// `maskKey` is sent masked; the connection gives every client frame a fresh key from
/// `WebSocketMaskKey.random()` (§5.3 requires an unpredictable key per frame). The payload is
/// copied once, into the output buffer, and masked there eight bytes at a time.
public enum FrameEncoder {
    /// The bytes of `frame`'s header: flags, opcode, length field and mask key.
    public static func header(for frame: WebSocketFrame) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(14)
        appendHeader(for: frame, to: &bytes)
        return bytes
    }

    /// The complete wire form of `frame`.
    public static func encode(_ frame: WebSocketFrame) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(frame, into: &bytes)
        return bytes
    }

    /// Appends the complete wire form of `frame` to `bytes`.
    public static func encode(_ frame: WebSocketFrame, into bytes: inout [UInt8]) {
        bytes.reserveCapacity(bytes.count + 14 + frame.payload.count)
        appendHeader(for: frame, to: &bytes)
        let start = bytes.count
        bytes.append(contentsOf: frame.payload)
        if let key = frame.maskKey {
            key.apply(to: &bytes, range: start..<bytes.count)
        }
    }

    private static func appendHeader(for frame: WebSocketFrame, to bytes: inout [UInt8]) {
        var first = frame.opcode.rawValue
        if frame.fin { first |= 0x80 }
        if frame.rsv1 { first |= 0x40 }
        if frame.rsv2 { first |= 0x20 }
        if frame.rsv3 { first |= 0x10 }
        bytes.append(first)
        let maskBit: UInt8 = frame.maskKey == nil ? 0 : 0x80
        let length = frame.payload.count
        switch length {
        case 0...125:
            bytes.append(maskBit | UInt8(length))
        case 126...0xFFFF:
            bytes.append(maskBit | 126)
            bytes.append(UInt8(length >> 8))
            bytes.append(UInt8(length & 0xFF))
        default:
            bytes.append(maskBit | 127)
            let wide = UInt64(length)
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: wide >> UInt64(shift)))
            }
        }
        if let key = frame.maskKey {
            bytes.append(key.bytes.0)
            bytes.append(key.bytes.1)
            bytes.append(key.bytes.2)
            bytes.append(key.bytes.3)
        }
    }
}
