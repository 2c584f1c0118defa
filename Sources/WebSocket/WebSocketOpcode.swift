// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The frame opcodes RFC 6455 §5.2 defines; every other value is reserved.
///
/// The frame parser refuses reserved opcodes (close code 1002), so a `WebSocketOpcode` in a
/// parsed frame is always one of these six.
public enum WebSocketOpcode: UInt8, Sendable, Hashable, CustomStringConvertible {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames (close, ping, pong) carry at most 125 bytes and are never fragmented.
    public var isControl: Bool { rawValue & 0x8 != 0 }

    public var description: String {
        switch self {
        case .continuation: "continuation"
        case .text: "text"
        case .binary: "binary"
        case .close: "close"
        case .ping: "ping"
        case .pong: "pong"
        }
    }
}

/// Which end of the connection we are; it decides who masks frames (RFC 6455 §5.3).
///
/// A client masks every frame it sends and refuses masked frames; a server refuses
/// unmasked frames and never masks its own.
public enum WebSocketRole: Sendable, Hashable {
    case client
    case server
}
