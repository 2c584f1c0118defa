// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

/// A point in time with microsecond precision, as the Sharkfin database stores it.
///
/// Messages render it as RFC 3339 UTC with whole seconds (`2026-12-03T15:34:16Z`, Go's
/// `time.RFC3339`); mention groups render it with the fractional part Go's JSON encoder
/// writes (`2026-12-03T15:34:17.045921Z`, trailing zeros trimmed).
public struct Timestamp: Sendable, Hashable, Codable, Comparable {
    /// Microseconds since the Unix epoch.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// `2026-12-03T15:34:16Z`: the form of every `sent_at`.
    public var rfc3339Seconds: String {
        dateTimePart + "Z"
    }

    /// `2026-12-03T15:34:17.045921Z`: Go's `time.Time` JSON form, fraction without trailing
    /// zeros and left out entirely when zero.
    public var rfc3339Fractional: String {
        let fraction = Int(microseconds.modulo(1_000_000))
        guard fraction != 0 else { return rfc3339Seconds }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return dateTimePart + "." + digits + "Z"
    }

    private var dateTimePart: String {
        var seconds = time_t(microseconds.floorDivided(by: 1_000_000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))"
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    fileprivate func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
