// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The `d.code` of every error line and `relay.goodbye` notice the relay writes itself.
///
/// Errors the Sharkfin server sends pass through unchanged and carry no `code`; a `code`
/// starting with `relay.` therefore always means the relay answered. docs/PROTOCOL.md
/// lists the codes with examples.
enum RelayErrorCode: String, Sendable, CaseIterable {
    // Bad input: the line is answered and the connection stays usable.
    case invalidUTF8 = "relay.invalid_utf8"
    case invalidJSON = "relay.invalid_json"
    case notAnObject = "relay.not_an_object"
    case invalidType = "relay.invalid_type"
    case invalidRef = "relay.invalid_ref"
    /// A key the server would read as `type`, `ref`, `d` or `ok` although it is spelt
    /// differently (`Type`, `REF`): refused, since the relay and the server would disagree
    /// about the request.
    case ambiguousKey = "relay.ambiguous_key"
    case lineTooLong = "relay.line_too_long"
    case unknownOperation = "relay.unknown_operation"
    case invalidArguments = "relay.invalid_arguments"
    case sinceAhead = "relay.since_ahead"

    // Refused by the socket's access policy (LocalAccessPolicy).
    case accessDenied = "relay.access_denied"
    case readOnly = "relay.read_only"

    // A request that could not be completed.
    case timeout = "relay.timeout"
    case queueFull = "relay.queue_full"
    case outcomeUnknown = "relay.outcome_unknown"
    case upstreamUnavailable = "relay.upstream_unavailable"
    case shuttingDown = "relay.shutting_down"

    // Reasons in `relay.goodbye`, just before the relay closes a client.
    case tooManyClients = "relay.too_many_clients"
    case stalled = "relay.stalled"
    case overflow = "relay.overflow"
}
