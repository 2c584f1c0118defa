// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging

extension RelayServer {
    /// How an internal request (listing, `history`) ended.
    enum InternalResult {
        /// The server replied `ok`; its `d`, if any.
        case reply(JSONValue?)
        /// An error reply or a timeout: the session is alive, the request failed.
        case failed(String)
        /// The session it went out on is gone; the ledger was reset with it.
        case lost
    }

    /// A `message.new` push goes through the ledger (which may hold it behind a fill or
    /// drop it as already delivered); anything else is published at once.
    func handleMessagePush(_ object: JSONObject, utf8: [UInt8]) -> Bool {
        guard configuration.recoversMissedMessages,
            object.string(forKey: "type") == "message.new",
            let channel = object["d"]?["channel"]?.stringValue,
            let id = object["d"]?["id"]?.int64Value
        else { return false }
        let push = MessageLedger.LivePush(channel: channel, id: id, object: object, utf8: utf8)
        perform(ledger.push(push))
        return true
    }

    /// The `/ws` session is up: fill what the outage may have cost.
    func recoverySessionStarted() {
        guard configuration.recoversMissedMessages else { return }
        perform(ledger.sessionStarted())
        scheduleRecoverySweep()
    }

    /// The `/ws` session is gone.
    func recoverySessionEnded() {
        guard configuration.recoversMissedMessages else { return }
        ledger.sessionEnded()
        recoverySweepTimer?.cancel()
        recoverySweepTimer = nil
    }

    /// A `/presence` frame: a pointer `{"type":"message.new","d":{channel, channel_type,
    /// from, message_id}}` makes sure that message reaches clients.
    func handlePointer(_ object: JSONObject) {
        guard configuration.recoversMissedMessages,
            object.string(forKey: "type") == "message.new",
            let channel = object["d"]?["channel"]?.stringValue,
            let id = object["d"]?["message_id"]?.int64Value
        else { return }
        let kind = object["d"]?["channel_type"]?.stringValue ?? "channel"
        perform(ledger.pointer(channel: channel, kind: kind, id: id))
    }

    /// Asks for a sweep now (after `/presence` came back: its pointers were lost meanwhile).
    func requestRecoverySweep() {
        guard configuration.recoversMissedMessages else { return }
        perform(ledger.sweepDue())
    }

    /// Performs what the ledger decided.
    func perform(_ actions: [MessageLedger.Action]) {
        for action in actions {
            switch action {
            case .list:
                listChannels()
            case .fetch(let channel, let after, let limit, _):
                fetchHistory(channel: channel, after: after, limit: limit)
            case .deliverLive(let push):
                publishPush(push.object, utf8: push.utf8)
            case .deliverRecovered(let channel, let kind, let row):
                counters.messagesRecovered += 1
                publish(
                    type: "message.new",
                    channel: channel,
                    body: RelayMessages.recoveredMessage(channel: channel, kind: kind, row: row)
                )
            case .schedulePointerCheck(let channel, let kind, let id):
                loop.schedule(after: configuration.limits.pointerGraceDelay) { [weak self] in
                    guard let self else { return }
                    self.perform(self.ledger.pointerCheckDue(channel: channel, kind: kind, id: id))
                }
            }
        }
    }

    private func scheduleRecoverySweep() {
        guard let interval = configuration.limits.gapSweepInterval else { return }
        recoverySweepTimer?.cancel()
        recoverySweepTimer = loop.schedule(after: interval) { [weak self] in
            guard let self, !self.isStopping, self.session != nil else { return }
            self.perform(self.ledger.sweepDue())
            self.scheduleRecoverySweep()
        }
    }

    /// `channel_list` (members only) and `dm_list`, then the ledger hears the union.
    private func listChannels() {
        sendInternal("channel_list", nil) { [weak self] channelsResult in
            guard let self else { return }
            self.sendInternal("dm_list", nil) { [weak self] dmsResult in
                guard let self else { return }
                switch (channelsResult, dmsResult) {
                case (.reply(let channels), .reply(let dms)):
                    var listing: [(name: String, kind: String)] = []
                    for entry in channels?["channels"]?.arrayValue ?? []
                    where entry["member"]?.boolValue == true {
                        if let name = entry["name"]?.stringValue {
                            listing.append((name, "channel"))
                        }
                    }
                    for entry in dms?["dms"]?.arrayValue ?? [] {
                        if let name = entry["channel"]?.stringValue { listing.append((name, "dm")) }
                    }
                    self.perform(self.ledger.listed(channels: listing))
                case (.lost, _), (_, .lost):
                    break
                case (.failed(let reason), _), (_, .failed(let reason)):
                    self.logger.warning(
                        "cannot list channels to recover missed messages",
                        metadata: ["error": reason]
                    )
                    self.perform(self.ledger.listingFailed())
                }
            }
        }
    }

    private func fetchHistory(channel: String, after: Int64?, limit: Int) {
        var arguments: JSONObject = ["channel": .string(channel)]
        if let after { arguments.updateValue(JSONValue(after), forKey: "after") }
        arguments.updateValue(JSONValue(limit), forKey: "limit")
        sendInternal("history", arguments) { [weak self] result in
            guard let self else { return }
            switch result {
            case .reply(let data):
                self.counters.historyPages += 1
                let rows = (data?["messages"]?.arrayValue ?? []).compactMap(\.objectValue)
                self.perform(self.ledger.fetched(channel: channel, messages: rows))
            case .failed(let reason):
                // Typically a channel left since the last listing; the mark stays.
                self.logger.debug(
                    "cannot fetch history to recover missed messages",
                    metadata: ["channel": channel, "error": reason]
                )
                self.perform(self.ledger.fetchFailed(channel: channel))
            case .lost:
                break
            }
        }
    }

    /// Sends a request of the relay's own on the current session. Internal requests do
    /// not queue behind clients' requests: at most a few (the ledger runs four fetches at
    /// once) are outstanding besides the ``RelayLimits/maxInFlight`` of clients.
    func sendInternal(
        _ type: String,
        _ arguments: JSONObject?,
        completion: @escaping (InternalResult) -> Void
    ) {
        guard let session else {
            completion(.lost)
            return
        }
        let generation = sessionGeneration
        var envelope: JSONObject = ["type": .string(type)]
        if let arguments { envelope.updateValue(.object(arguments), forKey: "d") }
        counters.internalRequests += 1
        session.send(envelope, timeout: configuration.limits.requestTimeout) {
            [weak self] result in
            guard let self, generation == self.sessionGeneration, self.session != nil else {
                return completion(.lost)
            }
            switch result {
            case .success(let reply):
                if reply["ok"]?.boolValue == true {
                    completion(.reply(reply["d"]))
                } else {
                    let message = reply["d"]?["message"]?.stringValue ?? "error reply"
                    completion(.failed("\(type): \(message)"))
                }
            case .failure(.connectionLost), .failure(.notConnected):
                completion(.lost)
            case .failure(.timedOut):
                completion(
                    .failed("\(type): no reply within \(configuration.limits.requestTimeout)")
                )
            case .failure(.other(let reason)):
                completion(.failed("\(type): \(reason)"))
            }
        }
    }
}
