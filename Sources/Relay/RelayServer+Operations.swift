// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON

extension RelayServer {
    /// The relay's own operations, with a one-line summary each for `relay.help`.
    static let operations: [(type: String, summary: String)] = [
        ("relay.help", "list the relay's operations and events"),
        ("relay.hello", "the greeting again: version, upstream state, identity"),
        ("relay.status", "upstream URL and state, clients, queues, counters"),
        (
            "relay.subscribe",
            "d: {types?: [string], channels?: [string], since?: seq}; set the event filter "
                + "(a new client gets everything) and replay events after since"
        ),
        ("relay.unsubscribe", "stop receiving server events (relay.* notices still come)"),
    ]

    /// The version of the local protocol described in docs/PROTOCOL.md.
    static let protocolVersion = 1

    /// Answers a `relay.` request.
    func handleRelayOperation(_ request: ClientRequest, from client: LocalClient) {
        switch request.type {
        case "relay.help":
            writeReply(RelayMessages.reply(helpData(), ref: request.ref), to: client)
        case "relay.hello":
            writeReply(RelayMessages.reply(helloData(), ref: request.ref), to: client)
        case "relay.status":
            writeReply(RelayMessages.reply(statusData(), ref: request.ref), to: client)
        case "relay.subscribe":
            subscribe(client, request)
        case "relay.unsubscribe":
            client.subscription = nil
            client.output.resubscribed()
            writeReply(
                RelayMessages.reply(["seq": JSONValue(ring.lastSeq)], ref: request.ref),
                to: client
            )
        default:
            writeReply(
                RelayMessages.error(
                    .unknownOperation,
                    "unknown relay operation \(request.type); send {\"type\":\"relay.help\"}",
                    ref: request.ref
                ),
                to: client
            )
        }
    }

    /// `relay.subscribe`: replaces the filter, replies, then replays from the ring.
    private func subscribe(_ client: LocalClient, _ request: ClientRequest) {
        let arguments: SubscribeArguments
        switch SubscribeArguments.parse(request.object["d"]) {
        case .success(let parsed):
            arguments = parsed
        case .failure(let error):
            writeReply(
                RelayMessages.error(.invalidArguments, error.message, ref: request.ref),
                to: client
            )
            return
        }
        var replay = EventRing.Replay(missed: 0, events: [])
        if let since = arguments.since {
            guard let found = ring.events(after: since) else {
                let message =
                    "since \(since) is ahead of the newest event \(ring.lastSeq); "
                    + "the relay has restarted since you saw it, so resubscribe without since"
                writeReply(RelayMessages.error(.sinceAhead, message, ref: request.ref), to: client)
                return
            }
            replay = found
        }
        client.subscription = arguments.filter
        client.output.resubscribed()
        let events = replay.events.filter { client.wants($0) }
        var data: JSONObject = [
            "types": arguments.filter.types.map { .array($0.sorted().map(JSONValue.string)) }
                ?? .null,
            "channels": arguments.filter.channels.map { .array($0.sorted().map(JSONValue.string)) }
                ?? .null,
            "seq": JSONValue(ring.lastSeq),
        ]
        if arguments.since != nil {
            data.updateValue(JSONValue(events.count), forKey: "replayed")
            data.updateValue(JSONValue(replay.missed), forKey: "missed")
        }
        writeReply(RelayMessages.reply(data, ref: request.ref), to: client)
        for event in events { offer(event, to: client) }
    }

    func helloData() -> JSONObject {
        [
            "relay": "sharkfin-relay",
            "version": .string(configuration.relayVersion),
            "protocol": JSONValue(Self.protocolVersion),
            "identity": configuration.identity.map(JSONValue.string) ?? .null,
            "upstream": .object(upstreamData()),
            "seq": JSONValue(ring.lastSeq),
            "help": "send {\"type\":\"relay.help\"} for the list of operations",
        ]
    }

    private func helpData() -> JSONObject {
        let operations = Self.operations.map { operation -> JSONValue in
            ["type": .string(operation.type), "summary": .string(operation.summary)]
        }
        let events: [JSONValue] = [
            ["type": "relay.hello", "summary": "greeting, first line on every connection"],
            ["type": "relay.upstream", "summary": "upstream up, down or reconnected (has seq)"],
            ["type": "relay.lagged", "summary": "events dropped while you read slowly; resume"],
            ["type": "relay.goodbye", "summary": "the relay is closing this connection, and why"],
        ]
        return [
            "operations": .array(operations),
            "events": .array(events),
            "forwarding": .string(
                "any other type goes to the Sharkfin server; its reply comes back with your ref"
            ),
        ]
    }

    private func upstreamData() -> JSONObject {
        var data: JSONObject = [
            "url": .string(configuration.displayURL),
            "state": .string(upstreamStateName),
        ]
        if case .connected(let since, _, _) = link.state {
            data.updateValue(.string(RelayMessages.timestamp(since)), forKey: "since")
        }
        let attempt = link.currentAttempt
        if attempt > 0 { data.updateValue(JSONValue(attempt), forKey: "attempt") }
        if let next = Self.nextRetry(of: link, now: .now) {
            let seconds = Double(UpstreamLink.milliseconds(next)) / 1000
            data.updateValue(JSONValue(seconds), forKey: "next_retry_in")
        }
        if let error = link.lastError {
            data.updateValue(.string(error), forKey: "last_error")
        }
        if presenceConnector != nil {
            var presence: JSONObject = ["state": .string(Self.stateName(of: presenceLink))]
            if let error = presenceLink.lastError {
                presence.updateValue(.string(error), forKey: "last_error")
            }
            data.updateValue(.object(presence), forKey: "presence")
        }
        return data
    }

    private func statusData() -> JSONObject {
        let status = makeStatus()
        let counters = status.counters
        let counterData: JSONObject = [
            "clients_accepted": JSONValue(counters.clientsAccepted),
            "clients_refused": JSONValue(counters.clientsRefused),
            "clients_disconnected_slow": JSONValue(counters.clientsDisconnectedSlow),
            "requests_forwarded": JSONValue(counters.requestsForwarded),
            "relay_operations": JSONValue(counters.relayOperations),
            "requests_failed": JSONValue(counters.requestsFailed),
            "late_replies_dropped": JSONValue(counters.lateRepliesDropped),
            "bad_lines": JSONValue(counters.badLines),
            "events_received": JSONValue(counters.eventsReceived),
            "events_delivered": JSONValue(counters.eventsDelivered),
            "events_dropped": JSONValue(counters.eventsDropped),
            "lag_notices": JSONValue(counters.lagNotices),
            "upstream_connects": JSONValue(counters.upstreamConnects),
            "messages_recovered": JSONValue(counters.messagesRecovered),
            "internal_requests": JSONValue(counters.internalRequests),
            "history_pages": JSONValue(counters.historyPages),
        ]
        return [
            "version": .string(configuration.relayVersion),
            "identity": configuration.identity.map(JSONValue.string) ?? .null,
            "upstream": .object(upstreamData()),
            "clients": JSONValue(status.clientCount),
            "in_flight": JSONValue(status.inFlight),
            "queued": JSONValue(status.queued),
            "seq": JSONValue(status.lastSeq),
            "ring": [
                "events": JSONValue(ring.count),
                "bytes": JSONValue(ring.byteCount),
                "oldest_seq": JSONValue(ring.oldestSeq),
            ],
            "counters": .object(counterData),
        ]
    }

    func makeStatus() -> RelayStatus {
        var since: Date?
        if case .connected(let date, _, _) = link.state { since = date }
        return RelayStatus(
            upstreamURL: configuration.displayURL,
            upstreamState: upstreamStateName,
            connectedSince: since,
            lastError: link.lastError,
            reconnectAttempt: link.currentAttempt,
            nextRetryIn: Self.nextRetry(of: link, now: .now),
            presenceState: presenceConnector == nil ? nil : Self.stateName(of: presenceLink),
            identity: configuration.identity,
            clientCount: clients.count,
            inFlight: router.inFlightCount,
            queued: router.queuedCount,
            lastSeq: ring.lastSeq,
            counters: counters
        )
    }
}

/// The `d` of `relay.subscribe`, checked.
struct SubscribeArguments: Equatable {
    var filter: SubscriptionFilter
    var since: UInt64?

    /// Reads `{types?: [string]|null, channels?: [string]|null, since?: integer >= 0}`;
    /// an absent `d` means everything, no replay. Unknown keys are refused so a typo
    /// (`type` for `types`) does not silently subscribe to everything.
    static func parse(_ data: JSONValue?) -> Result<SubscribeArguments, InvalidArguments> {
        var arguments = SubscribeArguments(filter: .everything, since: nil)
        guard let data, !data.isNull else { return .success(arguments) }
        guard case .object(let object) = data else {
            return .failure(
                InvalidArguments("d must be an object like {\"types\":[\"message.new\"]}")
            )
        }
        for key in object.keys where !["types", "channels", "since"].contains(key) {
            return .failure(
                InvalidArguments("unknown key \"\(key)\" in d; expected types, channels, since")
            )
        }
        for key in ["types", "channels"] {
            guard let value = object[key], !value.isNull else { continue }
            guard let items = value.arrayValue,
                let strings = Optional(items.compactMap(\.stringValue)),
                strings.count == items.count
            else {
                return .failure(InvalidArguments("\(key) must be an array of strings or null"))
            }
            if key == "types" {
                arguments.filter.types = Set(strings)
            } else {
                arguments.filter.channels = Set(strings)
            }
        }
        if let value = object["since"], !value.isNull {
            guard let since = value.numberValue?.uint64Value else {
                return .failure(
                    InvalidArguments("since must be a non-negative integer (a seq you received)")
                )
            }
            arguments.since = since
        }
        return .success(arguments)
    }
}

/// Why the arguments of a relay operation were refused; the message is for the client.
struct InvalidArguments: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
