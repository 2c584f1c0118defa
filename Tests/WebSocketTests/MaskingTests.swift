// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import WebSocket

@Suite struct MaskingTests {
    /// The plain byte loop of RFC 6455 §5.3, as a reference for the word-at-a-time version.
    static func referenceMask(_ bytes: [UInt8], key: WebSocketMaskKey, offset: Int) -> [UInt8] {
        let keyBytes = [key.bytes.0, key.bytes.1, key.bytes.2, key.bytes.3]
        return bytes.enumerated().map { $0.element ^ keyBytes[($0.offset + offset) % 4] }
    }

    @Test func wordMaskingMatchesTheByteLoopForEveryLengthAndOffset() {
        let key = WebSocketMaskKey(0x37, 0xFA, 0x21, 0x3D)
        for length in 0...40 {
            let input = (0..<length).map { UInt8(($0 * 13 + 5) & 0xFF) }
            for offset in 0..<8 {
                var output = input
                key.apply(to: &output, range: 0..<length, payloadOffset: offset)
                #expect(output == Self.referenceMask(input, key: key, offset: offset))
            }
        }
    }

    @Test func maskingTwiceRestoresThePayload() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<50 {
            let key = WebSocketMaskKey.random(using: &generator)
            let input = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            var output = input
            key.apply(to: &output, range: 0..<output.count)
            key.apply(to: &output, range: 0..<output.count)
            #expect(output == input)
        }
    }

    @Test func encoderMasksWithTheFrameKeyAndParserUnmasks() {
        let key = WebSocketMaskKey(1, 2, 3, 4)
        let frame = WebSocketFrame(opcode: .text, maskKey: key, payload: Array("Hello".utf8))
        let bytes = FrameEncoder.encode(frame)
        #expect(Array(bytes.prefix(6)) == [0x81, 0x85, 1, 2, 3, 4])
        #expect(Array(bytes.dropFirst(6)) == Self.referenceMask(frame.payload, key: key, offset: 0))
        #expect(parseAll(bytes, chunkSize: 1, role: .server) == [.frame(frame)])
    }

    @Test func randomKeysDiffer() {
        let keys = Set((0..<20).map { _ in WebSocketMaskKey.random() })
        #expect(keys.count > 1)
    }

    @Test func encoderUsesMinimalLengthEncoding() {
        #expect(
            FrameEncoder.header(
                for: WebSocketFrame(opcode: .binary, payload: .init(repeating: 0, count: 125))
            ) == [0x82, 125]
        )
        #expect(
            FrameEncoder.header(
                for: WebSocketFrame(opcode: .binary, payload: .init(repeating: 0, count: 126))
            ) == [0x82, 126, 0, 126]
        )
        #expect(
            FrameEncoder.header(
                for: WebSocketFrame(opcode: .binary, payload: .init(repeating: 0, count: 65535))
            ) == [0x82, 126, 0xFF, 0xFF]
        )
        #expect(
            FrameEncoder.header(
                for: WebSocketFrame(opcode: .binary, payload: .init(repeating: 0, count: 65536))
            ) == [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]
        )
    }

    @Test func closeFrameTruncatesReasonAtACharacterBoundary() {
        let reason = String(repeating: "é", count: 100)  // 200 bytes
        let frame = WebSocketFrame.close(code: .goingAway, reason: reason)
        #expect(frame.payload.count <= 125)
        #expect(UTF8Validator.isValid(frame.payload.dropFirst(2)))
        #expect(WebSocketFrame.close(code: .abnormalClosure).payload.isEmpty)
    }
}
