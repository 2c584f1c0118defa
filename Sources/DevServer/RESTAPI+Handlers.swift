// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON

extension RESTRoute {
    /// Serves an authenticated REST call for `caller` (already provisioned).
    ///
    /// Like the server's REST handlers, these check no permissions and (for messages) no
    /// membership, resolve no mentions, and answer failures with plain-text bodies.
    func handle(
        _ request: RESTRequest,
        caller: Identity,
        store: inout ChatStore,
        now: Timestamp
    ) -> RESTResponse {
        switch self {
        case .register:
            return .json(
                201,
                .object([
                    "id": .string(caller.id), "role": .string(caller.role.rawValue),
                    "type": .string(caller.type.rawValue), "username": .string(caller.username),
                ])
            )

        case .listChannels:
            let list: [JSONValue] = store.channelList(for: caller.id).map { item in
                .object([
                    "id": JSONValue(item.channel.id), "name": .string(item.channel.name),
                    "public": .bool(item.channel.isPublic), "member": .bool(item.isMember),
                ])
            }
            return .json(200, .array(list))

        case .createChannel:
            var args = GoArguments(Self.decodeBody(request.body))
            let name = args.string("name")
            let isPublic = args.bool("public")
            guard !args.failed, !name.isEmpty else { return .text(400, "name is required") }
            do throws(ChatError) {
                let channel = try store.createChannel(
                    name: name,
                    isPublic: isPublic,
                    memberNames: [],
                    creatorID: caller.id
                )
                return .json(
                    201,
                    .object([
                        "id": JSONValue(channel.id), "name": .string(name),
                        "public": .bool(isPublic),
                    ])
                )
            } catch {
                return .text(500, "create channel failed")
            }

        case .joinChannel(let name):
            guard let channel = store.channel(named: name) else {
                return .text(404, "channel not found")
            }
            do throws(ChatError) {
                try store.addMember(caller.id, toChannel: channel.id)
                return .empty(200)
            } catch {
                return .text(500, "join channel failed")
            }

        case .postMessage(let name):
            return postMessage(to: name, request, caller: caller, store: &store, now: now)

        case .listMessages(let name):
            guard let channel = store.channel(named: name) else {
                return .text(404, "channel not found")
            }
            func integer(_ key: String) -> Int64? {
                RESTRoute.queryValue(key, in: request.query).flatMap { Int64($0) }
            }
            var limit = 50
            if let requested = integer("limit"), requested > 0, requested <= 200 {
                limit = Int(requested)
            }
            let page = store.messages(
                in: channel,
                before: integer("before"),
                after: integer("after"),
                limit: limit,
                threadID: nil
            )
            return .json(
                200,
                .array(
                    page.map { view in
                        var object: JSONObject = [
                            "id": JSONValue(view.id), "from": .string(view.from),
                            "body": .string(view.body),
                        ]
                        if let metadata = view.metadata { object["metadata"] = .string(metadata) }
                        if let thread = view.threadID { object["thread_id"] = JSONValue(thread) }
                        object["sent_at"] = .string(view.sentAt.rfc3339Seconds)
                        return .object(object)
                    }
                )
            )

        case .registerWebhook:
            var args = GoArguments(Self.decodeBody(request.body))
            let url = args.string("url")
            guard !args.failed, !url.isEmpty else { return .text(400, "url is required") }
            let id = store.registerWebhook(url: url, identityID: caller.id)
            return .json(
                201,
                .object([
                    "active": true, "id": .string(id), "url": .string(url),
                ])
            )

        case .listWebhooks:
            return .json(
                200,
                .array(
                    store.webhooks(of: caller.id).map { hook in
                        .object([
                            "id": .string(hook.id), "url": .string(hook.url),
                            "active": .bool(hook.isActive),
                        ])
                    }
                )
            )

        case .deleteWebhook(let id):
            store.deleteWebhook(id: id, identityID: caller.id)
            return .empty(204)
        }
    }

    private func postMessage(
        to name: String,
        _ request: RESTRequest,
        caller: Identity,
        store: inout ChatStore,
        now: Timestamp
    ) -> RESTResponse {
        guard store.channel(named: name) != nil else { return .text(404, "channel not found") }
        var args = GoArguments(Self.decodeBody(request.body))
        let body = args.string("body")
        let metadata = args.object("metadata")
        let threadID = args.int64("thread_id")
        guard !args.failed, !body.isEmpty else { return .text(400, "body is required") }
        // Go re-encodes the decoded map: keys sorted at every level, compact.
        let metadataText = metadata.map {
            String(decoding: GoEncoding.goSerialized(Self.sortedKeys(.object($0))), as: UTF8.self)
        }
        do throws(ChatError) {
            let sent = try store.sendMessage(
                channel: name,
                body: body,
                threadID: threadID,
                metadata: metadataText,
                sender: caller,
                at: now,
                resolvingMentions: false,
                requireMembership: false
            )
            var response = RESTResponse.json(
                201,
                .object([
                    "body": .string(body), "id": JSONValue(sent.view.id),
                    "metadata": metadata.map { Self.sortedKeys(.object($0)) } ?? .null,
                    "sent_at": .string(now.rfc3339Seconds),
                ])
            )
            response.sentMessage = sent
            response.pointerRecipients = store.pointerRecipients(of: sent)
            return response
        } catch {
            return .text(500, "send message failed")
        }
    }

    /// The body as Go's `json.Decoder.Decode` sees it: `nil` (an error) when empty or not
    /// JSON.
    static func decodeBody(_ body: [UInt8]) -> JSONValue? {
        try? JSONValue(parsing: body)
    }

    /// `value` with every object's keys sorted, as Go writes a decoded `map[string]any`.
    static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            let members = object.members.sorted {
                $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
            }
            return .object(JSONObject(members.map { ($0.key, sortedKeys($0.value)) }))
        case .array(let elements):
            return .array(elements.map(sortedKeys))
        case .null, .bool, .number, .string:
            return value
        }
    }
}
