// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import WebSocket

/// Feeds `bytes` to a parser in pieces of `chunkSize` and collects every step but
/// `needMoreBytes`, stopping at the first violation.
func parseAll(
    _ bytes: [UInt8],
    chunkSize: Int,
    role: WebSocketRole = .client,
    maxFrameSize: Int = 1 << 20,
    maxMessageSize: Int = 1 << 20
) -> [FrameParser.Step] {
    var parser = FrameParser(role: role, maxFrameSize: maxFrameSize, maxMessageSize: maxMessageSize)
    var steps: [FrameParser.Step] = []
    var offset = 0
    repeat {
        let end = min(bytes.count, offset + max(chunkSize, 1))
        parser.append(bytes[offset..<end])
        offset = end
        while true {
            let step = parser.next()
            if step == .needMoreBytes { break }
            steps.append(step)
            if case .violation = step { return steps }
        }
    } while offset < bytes.count
    return steps
}

/// Every chunk size worth trying for `bytes`: 1 through 20, a few larger, and all at once.
func chunkSizes(for bytes: [UInt8]) -> [Int] {
    Array(Set(Array(1...20) + [31, 64, 127, 1000, bytes.count])).sorted()
}

/// Client-bound (unmasked) or server-bound (masked) wire bytes of `frames`.
func wire(_ frames: [WebSocketFrame], masked: Bool = false) -> [UInt8] {
    var generator = SeededGenerator(seed: 7)
    var bytes: [UInt8] = []
    for var frame in frames {
        if masked { frame.maskKey = .random(using: &generator) }
        FrameEncoder.encode(frame, into: &bytes)
    }
    return bytes
}

/// A small deterministic generator (SplitMix64) so test inputs repeat run to run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// The close code a violation step fails with, or nil if the steps end without one.
func violationCode(_ steps: [FrameParser.Step]) -> WebSocketCloseCode? {
    if case .violation(let error) = steps.last { return error.closeCode }
    return nil
}

@Suite struct FrameParserTests {
    static let sampleFrames: [WebSocketFrame] = [
        WebSocketFrame(opcode: .text, payload: Array("hello".utf8)),
        WebSocketFrame(opcode: .binary, payload: []),
        WebSocketFrame(opcode: .ping, payload: [1, 2, 3]),
        WebSocketFrame(opcode: .binary, payload: Array(repeating: 0xAB, count: 125)),
        WebSocketFrame(opcode: .binary, payload: (0..<126).map { UInt8($0 & 0xFF) }),
        WebSocketFrame(fin: false, opcode: .text, payload: Array("frag".utf8)),
        WebSocketFrame(opcode: .pong, payload: []),
        WebSocketFrame(fin: true, opcode: .continuation, payload: Array("ment".utf8)),
        WebSocketFrame(opcode: .binary, payload: (0..<65535).map { UInt8($0 % 251) }),
        WebSocketFrame(opcode: .binary, payload: (0..<65536).map { UInt8($0 % 241) }),
        WebSocketFrame(opcode: .close, payload: [0x03, 0xE8]),
    ]

    @Test func parsesUnmaskedFramesSplitAtEveryChunkSize() {
        let bytes = wire(Self.sampleFrames)
        for size in chunkSizes(for: bytes) {
            let steps = parseAll(bytes, chunkSize: size)
            #expect(steps == Self.sampleFrames.map { .frame($0) }, "chunk size \(size)")
        }
    }

    @Test func parsesAndUnmasksMaskedFramesInServerRole() {
        let bytes = wire(Self.sampleFrames, masked: true)
        for size in chunkSizes(for: bytes) {
            let steps = parseAll(bytes, chunkSize: size, role: .server)
            let payloads = steps.compactMap { step -> [UInt8]? in
                if case .frame(let frame) = step, frame.maskKey != nil { return frame.payload }
                return nil
            }
            #expect(payloads == Self.sampleFrames.map(\.payload), "chunk size \(size)")
        }
    }

    @Test func parsesFramesFedByteByByteWithNextCalledOnlyAtTheEnd() {
        let bytes = wire(Self.sampleFrames)
        var parser = FrameParser(role: .client, maxFrameSize: 1 << 20, maxMessageSize: 1 << 20)
        for byte in bytes { parser.append([byte]) }
        var frames: [WebSocketFrame] = []
        while case .frame(let frame) = parser.next() { frames.append(frame) }
        #expect(frames == Self.sampleFrames)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func parsesSixtyFourBitLength() {
        let frame = WebSocketFrame(opcode: .binary, payload: Array(repeating: 7, count: 70_000))
        let bytes = wire([frame])
        #expect(bytes[1] == 127)
        #expect(parseAll(bytes, chunkSize: 4096) == [.frame(frame)])
    }

    /// Each framing violation must fail with its close code, at every split of the input.
    @Test(
        arguments: [
            ("reserved bit 1", [0xC1, 0x00], 1002),
            ("reserved bit 2", [0xA1, 0x00], 1002),
            ("reserved bit 3", [0x91, 0x00], 1002),
            ("reserved data opcode 3", [0x83, 0x00], 1002),
            ("reserved control opcode 11", [0x8B, 0x00], 1002),
            ("masked frame from the server", [0x81, 0x81, 1, 2, 3, 4, 0x41], 1002),
            ("fragmented ping", [0x09, 0x00], 1002),
            ("fragmented close", [0x08, 0x00], 1002),
            ("ping of 126 bytes", [0x89, 126, 0x00, 126], 1002),
            ("close with 64-bit length", [0x88, 127, 0, 0, 0, 0, 0, 0, 0, 1], 1002),
            ("continuation without start", [0x80, 0x00], 1002),
            ("text inside fragmented text", [0x01, 0x01, 0x41, 0x81, 0x00], 1002),
            ("binary inside fragmented text", [0x01, 0x01, 0x41, 0x82, 0x00], 1002),
            ("16-bit length under 126", [0x82, 126, 0x00, 0x05, 1, 2, 3, 4, 5], 1002),
            ("64-bit length under 65536", [0x82, 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00], 1002),
            ("64-bit length with high bit", [0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0], 1002),
            ("invalid UTF-8 text", [0x81, 0x02, 0xC0, 0x80], 1007),
            ("truncated UTF-8 at message end", [0x81, 0x02, 0x41, 0xE2], 1007),
            ("invalid UTF-8 in a continuation", [0x01, 0x01, 0x41, 0x80, 0x01, 0xFF], 1007),
        ] as [(String, [UInt8], UInt16)]
    )
    func rejectsViolation(name: String, bytes: [UInt8], code: UInt16) {
        for size in chunkSizes(for: bytes) {
            let steps = parseAll(bytes, chunkSize: size)
            #expect(violationCode(steps) == WebSocketCloseCode(code), "\(name), chunk \(size)")
        }
    }

    @Test func serverRoleRejectsUnmaskedFrames() {
        let steps = parseAll([0x81, 0x01, 0x41], chunkSize: 1, role: .server)
        #expect(violationCode(steps) == .protocolError)
    }

    @Test func rejectsOversizedFrameBeforeItsPayloadArrives() {
        // Header only: a 70000-byte frame announced against a 65536-byte limit.
        let header: [UInt8] = [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]
        let steps = parseAll(header, chunkSize: 1, maxFrameSize: 65536, maxMessageSize: 65536)
        #expect(steps == [.violation(.messageTooLarge(size: 70000, limit: 65536))])
    }

    @Test func rejectsMessageOverLimitSummedOverFragments() {
        let frames = [
            WebSocketFrame(fin: false, opcode: .binary, payload: Array(repeating: 1, count: 60)),
            WebSocketFrame(
                fin: false,
                opcode: .continuation,
                payload: Array(repeating: 1, count: 30)
            ),
            WebSocketFrame(opcode: .continuation, payload: Array(repeating: 1, count: 20)),
        ]
        let steps = parseAll(wire(frames), chunkSize: 7, maxFrameSize: 100, maxMessageSize: 100)
        #expect(steps.count == 3)
        #expect(steps.last == .violation(.messageTooLarge(size: 110, limit: 100)))
    }

    @Test func controlFramesInsideAFragmentedMessageDoNotCountTowardsItsSize() {
        let frames = [
            WebSocketFrame(fin: false, opcode: .text, payload: Array(repeating: 0x41, count: 60)),
            WebSocketFrame(opcode: .ping, payload: Array(repeating: 0, count: 100)),
            WebSocketFrame(opcode: .continuation, payload: Array(repeating: 0x41, count: 40)),
        ]
        let steps = parseAll(wire(frames), chunkSize: 5, maxFrameSize: 100, maxMessageSize: 100)
        #expect(steps == frames.map { .frame($0) })
    }

    @Test func failsFastOnInvalidUTF8BeforeTheFrameIsComplete() {
        // A 10-byte text frame whose third byte is impossible; only 4 bytes arrive.
        var parser = FrameParser(role: .client, maxFrameSize: 100, maxMessageSize: 100)
        parser.append([0x81, 10, 0x41, 0xFF])
        #expect(parser.next() == .violation(.invalidUTF8))
    }

    @Test func staysFailedAfterAViolation() {
        var parser = FrameParser(role: .client, maxFrameSize: 100, maxMessageSize: 100)
        parser.append([0x83, 0x00])
        let first = parser.next()
        parser.append(wire([WebSocketFrame(opcode: .text, payload: [0x41])]))
        #expect(parser.next() == first)
    }
}
