// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A JSON number kept as the exact text it was written with.
///
/// `1.0`, `1e5` and `-0` survive a parse and serialize unchanged, so a relay can forward a
/// number without rounding it through `Double`. Equality and hashing compare the text:
/// `1.0` and `1` are different `JSONNumber`s even though they denote the same value; use
/// `int64Value` or `doubleValue` to compare values.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's lexeme, always valid under RFC 8259's number grammar.
    public let text: String

    /// Wraps text the caller has already checked against the grammar.
    init(uncheckedText text: String) {
        self.text = text
    }

    /// Validates `text` against RFC 8259's number grammar and keeps it verbatim.
    ///
    /// Returns `nil` for anything else, including surrounding whitespace, `+1`, `01`,
    /// `1.`, `.5`, `NaN` and `Infinity`.
    public init?(text: String) {
        var text = text
        let valid = text.withUTF8 { bytes in
            if case .success(let end) = Self.scan(bytes, from: 0) {
                end == bytes.count
            } else {
                false
            }
        }
        guard valid else { return nil }
        self.text = text
    }

    /// The decimal text of `value`.
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// The decimal text of any integer, of any width.
    public init(_ value: some BinaryInteger) {
        self.text = String(value)
    }

    /// The shortest text that reads back as exactly `value` (Swift's own `description`,
    /// such as `0.1`, `1.0`, `1e+16`, `5e-324` or `-0.0`).
    ///
    /// - Precondition: `value` is finite. JSON has no NaN or infinity; passing one is a
    ///   programming error, so check `isFinite` first when the value comes from outside.
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON cannot represent \(value)")
        self.text = value.description
    }

    public var description: String { text }

    /// The value as a `Double`, rounded to nearest. Magnitudes beyond `Double`'s range read
    /// as infinity (`1e400`) or zero (`1e-400`).
    public var doubleValue: Double {
        // The text passed the grammar, which is a subset of what Double's parser accepts,
        // so the fallback is unreachable; it keeps this getter free of traps anyway.
        Double(text) ?? .nan
    }

    /// The value as an `Int64` when it is an integer in range, whatever its spelling:
    /// `12`, `1.2e1`, `120e-1` and `-0` all qualify; `1.5` and `1e19` do not.
    public var int64Value: Int64? {
        guard let (negative, magnitude) = integerMagnitude() else { return nil }
        if !negative { return Int64(exactly: magnitude) }
        if magnitude <= UInt64(Int64.max) { return -Int64(magnitude) }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : nil
    }

    /// The value as a `UInt64` when it is a non-negative integer in range (`-0` counts).
    public var uint64Value: UInt64? {
        guard let (negative, magnitude) = integerMagnitude() else { return nil }
        return negative && magnitude != 0 ? nil : magnitude
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    public init(integerLiteral value: Int) {
        self.init(value)
    }

    public init(floatLiteral value: Double) {
        self.init(value)
    }
}

// MARK: - Grammar

extension JSONNumber {
    /// Why `scan` stopped: the offending byte's offset, and whether input ran out.
    enum ScanFailure: Error {
        case invalid(offset: Int)
        case truncated
    }

    /// Matches RFC 8259's `number` rule starting at `start`, returning the index just past
    /// the number.
    ///
    /// The scan stops at the first byte that cannot continue the number; whether that byte
    /// may follow a number is the caller's business. Fails when the prefix is not a number
    /// at all (`-x`, `1.x`, `1ex`) or the input ends where a digit is required.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Result<
        Int, ScanFailure
    > {
        var index = start
        let end = bytes.count

        /// Consumes one or more digits; fails when there is none at `index`.
        func digits() -> ScanFailure? {
            guard index < end else { return .truncated }
            guard bytes[index] &- UInt8(ascii: "0") < 10 else { return .invalid(offset: index) }
            repeat { index += 1 } while index < end && bytes[index] &- UInt8(ascii: "0") < 10
            return nil
        }

        if index < end && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end else { return .failure(.truncated) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            // RFC 8259 forbids leading zeros: "01" is not "0" followed by "1".
            if index < end && bytes[index] &- UInt8(ascii: "0") < 10 {
                return .failure(.invalid(offset: index))
            }
        } else if let failure = digits() {
            return .failure(failure)
        }
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            if let failure = digits() { return .failure(failure) }
        }
        if index < end && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            if let failure = digits() { return .failure(failure) }
        }
        return .success(index)
    }

    /// The sign and magnitude of the number when its value is an integer that fits in
    /// `UInt64`, computed exactly from the decimal text (never through `Double`).
    private func integerMagnitude() -> (negative: Bool, magnitude: UInt64)? {
        var text = text
        return text.withUTF8 { bytes -> (Bool, UInt64)? in
            var index = 0
            let negative = bytes.first == UInt8(ascii: "-")
            if negative { index = 1 }

            // Fast path for plain integers short enough that they cannot overflow.
            if bytes.count - index <= 18,
                bytes[index...].allSatisfy({ $0 &- UInt8(ascii: "0") < 10 })
            {
                var magnitude: UInt64 = 0
                for byte in bytes[index...] { magnitude = magnitude * 10 + UInt64(byte &- 48) }
                return (negative, magnitude)
            }

            // Significant digits of integer and fraction parts, without leading zeros, and
            // the power of ten that scales them: value = digits × 10^exponent.
            var significand: [UInt8] = []
            var exponent = 0
            var seenFraction = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    seenFraction = true
                } else if byte &- UInt8(ascii: "0") < 10 {
                    if !(significand.isEmpty && byte == UInt8(ascii: "0")) {
                        significand.append(byte &- UInt8(ascii: "0"))
                    }
                    if seenFraction { exponent -= 1 }
                } else {
                    break
                }
                index += 1
            }
            if index < bytes.count {
                // Exponent part: saturate far beyond any meaningful magnitude, so absurd
                // exponents cannot overflow `Int`.
                index += 1
                var exponentNegative = false
                if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                    exponentNegative = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                var written = 0
                while index < bytes.count {
                    written = min(written * 10 + Int(bytes[index] &- UInt8(ascii: "0")), 1 << 40)
                    index += 1
                }
                exponent += exponentNegative ? -written : written
            }
            if significand.isEmpty { return (negative, 0) }
            while significand.last == 0 {
                significand.removeLast()
                exponent += 1
            }
            guard exponent >= 0, significand.count + exponent <= 20 else { return nil }
            var magnitude: UInt64 = 0
            for digit in significand + repeatElement(0, count: exponent) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                if overflow1 || overflow2 { return nil }
                magnitude = sum
            }
            return (negative, magnitude)
        }
    }
}
