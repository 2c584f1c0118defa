// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Reconnect delays: `attempt` counts failed tries since the connection was lost, from 0.
public typealias SharkfinBackoff = @Sendable (_ attempt: Int) -> Duration

/// Exponential backoff with jitter, in the manner of async-http-client's reconnect delays.
public enum Backoff {
    /// `initial · multiplier^attempt`, capped at `maximum`, then spread by ±`jitter`
    /// (a fraction) so that many clients cut off together do not return in step.
    ///
    /// With the defaults (0.5 s, ×2, 30 s cap, ±10 %), before jitter:
    ///
    ///     attempt  0     1     2     3     4     5      6 and later
    ///     delay    0.5s  1s    2s    4s    8s    16s    30s
    ///
    /// The exponent is capped before any conversion, so a huge attempt count cannot
    /// overflow.
    public static func exponential(
        initial: Duration = .milliseconds(500),
        multiplier: Double = 2,
        maximum: Duration = .seconds(30),
        jitter: Double = 0.1
    ) -> SharkfinBackoff {
        let initialSeconds = seconds(initial)
        let maximumSeconds = seconds(maximum)
        return { attempt in
            let step = Double(min(max(attempt, 0), 64))
            let raw = min(initialSeconds * pow(multiplier, step), maximumSeconds)
            let spread = raw * min(max(jitter, 0), 1)
            let delay = spread > 0 ? Double.random(in: (raw - spread)...(raw + spread)) : raw
            return .milliseconds(Int64((max(delay, 0) * 1000).rounded()))
        }
    }

    /// The same delay every time.
    public static func constant(_ delay: Duration) -> SharkfinBackoff {
        { _ in delay }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
