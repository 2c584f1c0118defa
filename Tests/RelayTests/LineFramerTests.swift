// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

/// Every way of cutting `input` into reads: whole, byte by byte, in two at every
/// position, and in equal chunks of every size.
func everySplit(of input: [UInt8]) -> [[ArraySlice<UInt8>]] {
    var splits: [[ArraySlice<UInt8>]] = [[input[...]]]
    splits.append(input.indices.map { input[$0...$0] })
    for cut in 0...input.count {
        splits.append([input[..<cut], input[cut...]])
    }
    if input.count > 1 {
        for size in 2..<input.count {
            splits.append(
                stride(from: 0, to: input.count, by: size).map { start in
                    input[start..<min(start + size, input.count)]
                }
            )
        }
    }
    return splits
}

/// Feeds `input` to a fresh framer in every split and checks each gives `expected`.
private func expectFraming(
    _ input: String,
    maxLineBytes: Int = 64,
    _ expected: [LineFramer.Output],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let bytes = Array(input.utf8)
    for split in everySplit(of: bytes) {
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        var outputs: [LineFramer.Output] = []
        for chunk in split { outputs += framer.feed(chunk) }
        #expect(outputs == expected, "split \(split.map(\.count))", sourceLocation: sourceLocation)
    }
}

private func line(_ text: String) -> LineFramer.Output { .line(Array(text.utf8)) }

@Suite struct LineFramerTests {
    @Test func splitsLinesAtNewlines() {
        expectFraming("{\"a\":1}\n{\"b\":2}\n", [line("{\"a\":1}"), line("{\"b\":2}")])
    }

    @Test func dropsCarriageReturnBeforeNewline() {
        expectFraming("one\r\ntwo\n", [line("one"), line("two")])
    }

    @Test func skipsBlankAndWhitespaceOnlyLines() {
        expectFraming("\n\r\n  \t \nx\n\n", [line("x")])
    }

    @Test func holdsPartialLineUntilNewline() {
        expectFraming("complete\npartial", [line("complete")])
    }

    @Test func reportsOverlongLineOnceAndResumesAfterIt() {
        let long = String(repeating: "x", count: 20)
        expectFraming(
            "ok\n\(long)\(long)\nnext\n",
            maxLineBytes: 10,
            [line("ok"), .lineTooLong(limit: 10), line("next")]
        )
    }

    @Test func acceptsLineOfExactlyTheLimitWithEitherTerminator() {
        let exact = String(repeating: "y", count: 10)
        expectFraming("\(exact)\n\(exact)\r\n", maxLineBytes: 10, [line(exact), line(exact)])
    }

    @Test func rejectsLineOneByteOverTheLimit() {
        let over = String(repeating: "z", count: 11)
        expectFraming(
            "\(over)\n\(over)\r\nok\n",
            maxLineBytes: 10,
            [
                .lineTooLong(limit: 10), .lineTooLong(limit: 10), line("ok"),
            ]
        )
    }

    @Test func reportsOverlongLineBeforeItsEndArrives() {
        var framer = LineFramer(maxLineBytes: 4)
        #expect(framer.feed(Array("abcdefgh".utf8)[...]) == [.lineTooLong(limit: 4)])
        #expect(framer.feed(Array("ijkl".utf8)[...]) == [])
        #expect(framer.feed(Array("\nok\n".utf8)[...]) == [line("ok")])
    }

    @Test func keepsInvalidUTF8ForTheParserToReport() {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x0A]
        for split in everySplit(of: bytes) {
            var framer = LineFramer(maxLineBytes: 8)
            let outputs = split.flatMap { framer.feed($0) }
            #expect(outputs == [.line([0xFF, 0xFE])])
        }
    }

    @Test func finishForgetsPartialLine() {
        var framer = LineFramer(maxLineBytes: 8)
        _ = framer.feed(Array("{\"type\"".utf8)[...])
        #expect(framer.hasPartialLine)
        framer.finish()
        #expect(!framer.hasPartialLine)
        #expect(framer.feed(Array("x\n".utf8)[...]) == [line("x")])
    }
}
