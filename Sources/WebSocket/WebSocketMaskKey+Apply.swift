// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension WebSocketMaskKey {
    /// XORs the key over `buffer` in place, eight bytes at a time where it can.
    ///
    /// Masking is its own inverse, so this both masks and unmasks.
    ///
    /// - Parameters:
    ///   - buffer: the bytes to transform.
    ///   - offset: how many payload bytes came before `buffer[0]`; the key byte for the
    ///     first byte is `offset % 4`, so a payload can be unmasked piece by piece.
    public func apply(to buffer: UnsafeMutableRawBufferPointer, payloadOffset offset: Int = 0) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let count = buffer.count
        var index = 0
        // Lay the key out as it lines up with buffer[0], repeated over a 64-bit word; memory
        // order is what matters, so build the word from bytes rather than shifts.
        var word: UInt64 = 0
        withUnsafeMutableBytes(of: &word) { wordBytes in
            for position in 0..<8 { wordBytes[position] = byte(at: offset + position) }
        }
        while index + 8 <= count {
            let value = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            base.storeBytes(of: value ^ word, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            let value = base.load(fromByteOffset: index, as: UInt8.self)
            base.storeBytes(
                of: value ^ byte(at: offset + index),
                toByteOffset: index,
                as: UInt8.self
            )
            index += 1
        }
    }

    /// XORs the key over `bytes[range]` in place; see `apply(to:payloadOffset:)`.
    public func apply(to bytes: inout [UInt8], range: Range<Int>, payloadOffset offset: Int = 0) {
        bytes.withUnsafeMutableBytes { all in
            apply(to: UnsafeMutableRawBufferPointer(rebasing: all[range]), payloadOffset: offset)
        }
    }
}
