// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging

extension RelayServer {
    /// A push from the server. `message.new` goes through the message ledger (see
    /// ``MessageLedger``), which may hold it behind a gap fill or drop a duplicate; the
    /// rest is published at once.
    func handlePush(_ object: JSONObject, utf8: [UInt8]) {
        counters.eventsReceived += 1
        if handleMessagePush(object, utf8: utf8) { return }
        publishPush(object, utf8: utf8)
    }

    /// Numbers a server push, keeps it in the ring and fans it out.
    func publishPush(_ object: JSONObject, utf8: [UInt8]) {
        let type = object.string(forKey: "type") ?? ""
        let channel = object["d"]?["channel"]?.stringValue
        let event = ring.append(type: type, channel: channel) { seq in
            EventEncoding.line(splicing: seq, into: utf8)
        }
        logger.trace("event", metadata: ["event.type": type, "event.seq": String(event.seq)])
        fanOut(event)
    }

    /// Publishes an event the relay makes itself (`relay.upstream`, a recovered
    /// `message.new`), numbered like pushes.
    func publish(type: String, channel: String? = nil, body: [UInt8]) {
        let event = ring.append(type: type, channel: channel) { seq in
            EventEncoding.line(splicing: seq, into: body)
        }
        fanOut(event)
    }

    /// Writes the one encoded line of `event` to every client that wants it.
    private func fanOut(_ event: RelayEvent) {
        for client in clients.values where client.wants(event) {
            offer(event, to: client)
        }
    }

    /// Queues `event` for `client`, or drops and counts it when the client is behind.
    func offer(_ event: RelayEvent, to client: LocalClient) {
        guard !client.isClosing else { return }
        let wasLive = client.output.flow == .live
        let decision = client.output.offerEvent(
            seq: event.seq,
            size: event.line.count,
            pending: client.connection.pendingWriteBytes
        )
        switch decision {
        case .write:
            counters.eventsDelivered += 1
            client.connection.write(event.line)
        case .drop:
            counters.eventsDropped += 1
            if wasLive {
                logger.debug(
                    "client queue full, dropping events",
                    metadata: clientMetadata(client).merging(
                        ["event.seq": String(event.seq)],
                        uniquingKeysWith: { $1 }
                    )
                )
            }
        }
    }
}
