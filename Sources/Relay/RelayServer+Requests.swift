// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging

extension RelayServer {
    /// Handles one complete line from a client.
    func handleLine(_ line: [UInt8], from client: LocalClient) {
        let request: ClientRequest
        switch ClientRequest.parse(line) {
        case .success(let parsed):
            request = parsed
        case .failure(let error):
            counters.badLines += 1
            writeReply(RelayMessages.error(error.code, error.message, ref: error.ref), to: client)
            return
        }
        if request.isRelayOperation {
            counters.relayOperations += 1
            handleRelayOperation(request, from: client)
            return
        }
        logger.debug(
            "request",
            metadata: clientMetadata(client).merging(
                ["request.type": request.type],
                uniquingKeysWith: { $1 }
            )
        )
        client.outstandingRequests += 1
        let forwarded = ForwardedRequest(
            client: client.id,
            ref: request.ref,
            envelope: request.object,
            type: request.type
        )
        perform(router.submit(client: client.id, payload: forwarded, now: .now))
    }

    /// Performs the router's decisions, and those they lead to, in order.
    func perform(_ actions: [RequestRouter<ForwardedRequest>.Action]) {
        var work = actions[...]
        while let action = work.popFirst() {
            switch action {
            case .dispatch(let request):
                work.append(contentsOf: dispatch(request))
            case .fail(let request, let failure):
                let error = Self.routerError(failure, timeout: router.requestTimeout)
                finish(request.payload, with: error)
            }
        }
    }

    /// Sends one request upstream; returns follow-up actions if it could not be sent.
    private func dispatch(
        _ request: RequestRouter<ForwardedRequest>.Request
    ) -> [RequestRouter<ForwardedRequest>.Action] {
        let remaining = request.deadline - .now
        guard let session, remaining > .zero else {
            // Its time ran out while it waited (between two sweeps) or the session just
            // went away: end it here and hand its slot on.
            let error: (RelayErrorCode, String) =
                session == nil
                ? (.upstreamUnavailable, "not connected to the server")
                : Self.routerError(.timedOut, timeout: router.requestTimeout)
            finish(request.payload, with: error)
            return router.completed(request.ticket)
        }
        counters.requestsForwarded += 1
        inFlight[request.ticket] = request
        let ticket = request.ticket
        let generation = sessionGeneration
        session.send(request.payload.envelope, timeout: remaining) { [weak self] result in
            self?.requestCompleted(ticket, result, generation: generation)
        }
        return []
    }

    /// The session answered (or failed) a forwarded request.
    private func requestCompleted(
        _ ticket: RequestTicket,
        _ result: Result<JSONObject, RelayUpstreamRequestError>,
        generation: UInt64
    ) {
        if case .failure(let failure) = result,
            failure == .connectionLost || failure == .notConnected,
            generation == sessionGeneration
        {
            // The session is going; keep the waiting requests for the next one instead of
            // handing them to a session that can only fail them. (A late failure from an
            // older session must not stop a newer one.)
            perform(router.upstreamReadinessChanged(isReady: false, now: .now))
        }
        // Absent when stop(deadline:) already answered it.
        guard let request = inFlight.removeValue(forKey: ticket) else {
            perform(router.completed(ticket))
            stopProgress?()
            return
        }
        switch result {
        case .success(let reply):
            let followUps = router.completed(ticket)
            deliver(
                RelayMessages.restoringRef(request.payload.ref, in: reply),
                for: request.payload
            )
            perform(followUps)
        case .failure(let failure):
            if let retry = retryAfterLoss(request, failure) {
                perform(router.requeue(retry))
            } else {
                let followUps = router.completed(ticket)
                finish(
                    request.payload,
                    with: Self.upstreamError(failure, timeout: router.requestTimeout)
                )
                perform(followUps)
            }
        }
        stopProgress?()
    }

    /// The request to queue again when `failure` ended `request` without a reply: one that
    /// never left (`notConnected`), or a read-only one whose connection was lost and that
    /// was not retried before. `nil` when the client must be told instead, or is gone.
    private func retryAfterLoss(
        _ request: RequestRouter<ForwardedRequest>.Request,
        _ failure: RelayUpstreamRequestError
    ) -> RequestRouter<ForwardedRequest>.Request? {
        guard !isStopping, clients[request.client] != nil else { return nil }
        var payload = request.payload
        switch failure {
        case .notConnected:
            break
        case .connectionLost:
            guard !payload.isRetry, RequestReplay.isRetriable(payload.type) else { return nil }
            payload.isRetry = true
            logger.debug(
                "read-only request lost with the connection; retrying after reconnect",
                metadata: ["request.type": payload.type, "client.id": request.client.description]
            )
        case .timedOut, .other:
            return nil
        }
        return RequestRouter<ForwardedRequest>.Request(
            ticket: request.ticket,
            client: request.client,
            payload: payload,
            accepted: request.accepted,
            deadline: request.deadline
        )
    }

    /// Ends a request with a relay error line.
    func finish(_ request: ForwardedRequest, with error: (RelayErrorCode, String)) {
        counters.requestsFailed += 1
        deliver(RelayMessages.error(error.0, error.1, ref: request.ref), for: request)
    }

    /// Writes the final line of a request to its client, if the client is still here.
    private func deliver(_ line: [UInt8], for request: ForwardedRequest) {
        guard let client = clients[request.client] else {
            counters.lateRepliesDropped += 1
            return
        }
        client.outstandingRequests -= 1
        writeReply(line, to: client)
        closeIfFinished(client)
    }

    /// The code and message a client sees for a router failure.
    static func routerError(
        _ failure: RequestRouter<ForwardedRequest>.Failure,
        timeout: Duration
    ) -> (RelayErrorCode, String) {
        switch failure {
        case .timedOut:
            (.timeout, "no reply within \(timeout); the server was unreachable or busy")
        case .clientQueueFull(let limit):
            (.queueFull, "you already have \(limit) requests waiting; wait for replies")
        case .relayQueueFull(let limit):
            (.queueFull, "the relay already has \(limit) requests waiting; try again later")
        case .shuttingDown:
            (.shuttingDown, "relay shutting down")
        case .upstreamUnavailable(let waited):
            (
                .upstreamUnavailable,
                "the server has been unreachable for \(RelayStatus.seconds(waited)) while "
                    + "this request waited; see relay.status for the last error"
            )
        }
    }

    /// The code and message a client sees for an upstream failure.
    static func upstreamError(
        _ failure: RelayUpstreamRequestError,
        timeout: Duration
    ) -> (RelayErrorCode, String) {
        switch failure {
        case .timedOut:
            (.timeout, "no reply from the server within \(timeout)")
        case .connectionLost:
            (
                .outcomeUnknown,
                "the connection to the server was lost before the reply came; the request "
                    + "may or may not have been carried out, so it was not sent again"
            )
        case .notConnected:
            (.upstreamUnavailable, "not connected to the server")
        case .other(let reason):
            (.upstreamUnavailable, reason)
        }
    }
}
