// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension UpstreamLink {
    /// The range the delay after failed attempt `attempt` is drawn from: from
    /// ``baseDelay`` up to `baseDelay * 2^(attempt-1)`, capped at ``maxDelay`` ("full
    /// jitter" above a floor: many relays cut off by one server restart spread their
    /// returns over the whole range instead of arriving together).
    ///
    /// With the defaults (0.5 s floor, 30 s cap), in seconds:
    ///
    ///     attempt   1     2        3      4      5      6       7 and later
    ///     range     0.5   0.5–1    0.5–2  0.5–4  0.5–8  0.5–16  0.5–30
    ///     mean      0.5   0.75     1.25   2.25   4.25   8.25    15.25
    ///
    /// After HTTP 401 the delay is ``maxDelay`` itself, without jitter.
    func backoffRange(attempt: Int) -> ClosedRange<Duration> {
        // Cap the exponent before multiplying, so no attempt count can overflow.
        let exponent = Swift.min(Swift.max(attempt, 1) - 1, 62)
        var ceiling = baseDelay
        for _ in 0..<exponent {
            if ceiling >= maxDelay { break }
            ceiling *= 2
        }
        return baseDelay...Swift.min(Swift.max(ceiling, baseDelay), maxDelay)
    }

    /// The delay after failed attempt `attempt`: a point of ``backoffRange(attempt:)``
    /// chosen by the link's jitter.
    func backoff(attempt: Int) -> Duration {
        let range = backoffRange(attempt: attempt)
        return Swift.min(Swift.max(jitter(range), range.lowerBound), range.upperBound)
    }

    /// Uniformly random within `range`, to the millisecond.
    static func uniformJitter(_ range: ClosedRange<Duration>) -> Duration {
        let low = milliseconds(range.lowerBound)
        let high = milliseconds(range.upperBound)
        guard high > low else { return range.lowerBound }
        return .milliseconds(Int64.random(in: low...high))
    }

    /// `duration` in whole milliseconds.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
