// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Fixed journal `MESSAGE_ID`s for the relay's lifecycle events.
///
/// Log one with the metadata key `message.id` (`JournalLogHandler.messageIDKey`) and the
/// journal stores it as `MESSAGE_ID=`, so operators can find every such event across
/// restarts and versions: `journalctl MESSAGE_ID=8e94592f83194d6cb84640c4989d6101`.
/// The values were generated once with `systemd-id128 new` and must never change.
public enum RelayMessageID {
    /// The daemon is up and serving its local socket.
    public static let started = "8e94592f83194d6cb84640c4989d6101"
    /// The upstream WebSocket session is established.
    public static let upstreamConnected = "7d042696d15b4b69a1fe8cd1ef253440"
    /// The upstream WebSocket session was lost.
    public static let upstreamDisconnected = "1b29f06dde064c1898ea682bbf751702"
    /// The Sharkfin server rejected the API key (HTTP 401 on the upgrade).
    public static let unauthorized = "5448f47db65f4358b613d234163f7d72"
    /// The daemon began a graceful shutdown.
    public static let stopping = "458657ee8d564deea08c8a2d3923aa0f"
    /// A local client was refused or dropped (limits, queue overflow, bad input).
    public static let clientRefused = "1ded5823d62f4f0e9336cd67d446cb02"
    /// The configuration was reloaded (SIGHUP, `systemctl reload`).
    public static let reloaded = "2041212300d445778d926810ee983b87"

    /// Every id above, for tests and documentation.
    public static let all: [String] = [
        started, upstreamConnected, upstreamDisconnected, unauthorized, stopping,
        clientRefused, reloaded,
    ]

    /// Whether `value` is a journal message id: exactly 32 lowercase hex digits.
    public static func isValid(_ value: String) -> Bool {
        let scalars = value.unicodeScalars
        return scalars.count == 32
            && scalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }
}
