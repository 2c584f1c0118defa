// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// What `SharkfinClient.events` delivers: server pushes, typed, and the connection's ups
/// and downs, in the order they happened.
public enum SharkfinEvent: Sendable {
    /// A message was posted in a channel the caller belongs to, by anyone, the caller
    /// included (messages posted over REST produce none).
    case messageNew(MessageEvent)
    /// Another user's presence changed.
    case presence(PresenceEvent)
    /// The caller's role changed its permissions; these are the new ones.
    case capabilities(Capabilities)
    /// A push of a type this client does not know, or a known type whose payload did not
    /// decode (then `type` is the known name). Also the server's ref-less `error`
    /// envelope, which it sends for a frame it could not parse.
    case unknown(type: String, envelope: Envelope)
    /// The session ended without `close()`. If reconnecting is on, attempts follow; requests
    /// fail with `.notConnected` until `.reconnected`.
    case disconnected(SharkfinSessionCloseReason)
    /// A new session is up after a `.disconnected`. Pushes sent meanwhile are lost: use
    /// `history(channel:after:)` with the last id seen to fill the gap.
    case reconnected
    /// Reconnecting stopped for good: credentials refused (`.unauthorized`) or
    /// `maxReconnectAttempts` used up (the last attempt's error). `connect()` may be called
    /// again.
    case reconnectFailed(SharkfinError)
}

extension SharkfinEvent {
    /// Turns a push envelope into its typed event.
    init(push envelope: Envelope) {
        switch envelope.type {
        case "message.new":
            if let message = try? envelope.decodeData(MessageEvent.self) {
                self = .messageNew(message)
                return
            }
        case "presence":
            if let presence = try? envelope.decodeData(PresenceEvent.self) {
                self = .presence(presence)
                return
            }
        case "capabilities":
            if let capabilities = try? envelope.decodeData(Capabilities.self) {
                self = .capabilities(capabilities)
                return
            }
        default:
            break
        }
        self = .unknown(type: envelope.type, envelope: envelope)
    }
}
