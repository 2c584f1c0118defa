// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

private typealias Router = RequestRouter<String>

private let alice = ClientID(raw: 1)
private let bob = ClientID(raw: 2)
private let carol = ClientID(raw: 3)

private func dispatched(_ actions: [Router.Action]) -> [String] {
    actions.compactMap { action in
        if case .dispatch(let request) = action { return request.payload }
        return nil
    }
}

private func failed(_ actions: [Router.Action]) -> [String: Router.Failure] {
    var failures: [String: Router.Failure] = [:]
    for case .fail(let request, let failure) in actions { failures[request.payload] = failure }
    return failures
}

private func tickets(_ actions: [Router.Action]) -> [RequestTicket] {
    actions.compactMap { action in
        if case .dispatch(let request) = action { return request.ticket }
        return nil
    }
}

private func readyRouter(maxInFlight: Int = 2, perClient: Int = 100) -> Router {
    var router = Router(
        maxInFlight: maxInFlight,
        maxQueued: 1000,
        maxQueuedPerClient: perClient,
        requestTimeout: .seconds(30)
    )
    _ = router.upstreamReadinessChanged(isReady: true, now: .now)
    return router
}

@Suite struct RequestRouterTests {
    let t0 = ContinuousClock.now

    @Test func dispatchesImmediatelyBelowTheCap() {
        var router = readyRouter()
        #expect(dispatched(router.submit(client: alice, payload: "a1", now: t0)) == ["a1"])
        #expect(dispatched(router.submit(client: alice, payload: "a2", now: t0)) == ["a2"])
        #expect(dispatched(router.submit(client: alice, payload: "a3", now: t0)) == [])
        #expect(router.inFlightCount == 2 && router.queuedCount == 1)
    }

    @Test func sharesSlotsRoundRobinAcrossClients() {
        var router = readyRouter(maxInFlight: 1)
        var inFlight = tickets(router.submit(client: alice, payload: "a0", now: t0))
        for index in 1...5 { _ = router.submit(client: alice, payload: "a\(index)", now: t0) }
        _ = router.submit(client: bob, payload: "b1", now: t0)
        _ = router.submit(client: carol, payload: "c1", now: t0)
        _ = router.submit(client: bob, payload: "b2", now: t0)
        var order: [String] = []
        while let ticket = inFlight.popLast() {
            let actions = router.completed(ticket)
            order += dispatched(actions)
            inFlight += tickets(actions)
        }
        #expect(order == ["a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5"])
    }

    @Test func waitsWhileUpstreamIsDownThenDrainsUpToTheCap() {
        var router = Router(
            maxInFlight: 2,
            maxQueued: 10,
            maxQueuedPerClient: 10,
            requestTimeout: .seconds(30)
        )
        #expect(dispatched(router.submit(client: alice, payload: "a1", now: t0)).isEmpty)
        _ = router.submit(client: bob, payload: "b1", now: t0)
        _ = router.submit(client: alice, payload: "a2", now: t0)
        #expect(
            dispatched(router.upstreamReadinessChanged(isReady: true, now: .now)) == ["a1", "b1"]
        )
        #expect(router.queuedCount == 1)
    }

    @Test func timesOutWaitingRequestsAtTheirDeadline() {
        var router = Router(
            maxInFlight: 1,
            maxQueued: 10,
            maxQueuedPerClient: 10,
            requestTimeout: .seconds(30)
        )
        _ = router.upstreamReadinessChanged(isReady: true, now: t0)
        // The upstream is up but busy: one request holds the only slot.
        #expect(dispatched(router.submit(client: carol, payload: "busy", now: t0)) == ["busy"])
        _ = router.submit(client: alice, payload: "early", now: t0)
        _ = router.submit(client: bob, payload: "late", now: t0 + .seconds(10))
        #expect(router.expire(now: t0 + .seconds(29)).isEmpty)
        #expect(failed(router.expire(now: t0 + .seconds(30))) == ["early": .timedOut])
        #expect(failed(router.expire(now: t0 + .seconds(40))) == ["late": .timedOut])
        #expect(router.queuedCount == 0)
    }

    @Test func requestRemembersItsDeadlineForTheUpstreamTimeout() throws {
        var router = readyRouter()
        let actions = router.submit(client: alice, payload: "a1", now: t0)
        guard case .dispatch(let request) = try #require(actions.first) else {
            Issue.record("expected a dispatch")
            return
        }
        #expect(request.deadline == t0 + .seconds(30))
    }

    @Test func refusesRequestsBeyondTheQueueBounds() {
        var router = Router(
            maxInFlight: 1,
            maxQueued: 3,
            maxQueuedPerClient: 2,
            requestTimeout: .seconds(30)
        )
        _ = router.submit(client: alice, payload: "a1", now: t0)
        _ = router.submit(client: alice, payload: "a2", now: t0)
        #expect(
            failed(router.submit(client: alice, payload: "a3", now: t0))
                == ["a3": .clientQueueFull(limit: 2)]
        )
        _ = router.submit(client: bob, payload: "b1", now: t0)
        #expect(
            failed(router.submit(client: carol, payload: "c1", now: t0))
                == ["c1": .relayQueueFull(limit: 3)]
        )
    }

    @Test func forgetsWaitingRequestsOfADisconnectedClient() {
        var router = readyRouter(maxInFlight: 1)
        let first = tickets(router.submit(client: alice, payload: "a1", now: t0))
        _ = router.submit(client: alice, payload: "a2", now: t0)
        _ = router.submit(client: bob, payload: "b1", now: t0)
        router.clientDisconnected(alice)
        #expect(router.queuedCount == 1)
        #expect(dispatched(router.completed(first[0])) == ["b1"])
    }

    @Test func ignoresCompletionOfUnknownTicket() {
        var router = readyRouter()
        #expect(router.completed(RequestTicket(raw: 99)).isEmpty)
    }

    @Test func shutdownFailsWaitingAndRefusesNewRequests() {
        var router = readyRouter(maxInFlight: 1)
        let first = tickets(router.submit(client: alice, payload: "a1", now: t0))
        _ = router.submit(client: alice, payload: "a2", now: t0)
        _ = router.submit(client: bob, payload: "b1", now: t0)
        #expect(failed(router.shutDown()) == ["a2": .shuttingDown, "b1": .shuttingDown])
        #expect(
            failed(router.submit(client: bob, payload: "b2", now: t0))
                == ["b2": .shuttingDown]
        )
        #expect(router.completed(first[0]).isEmpty)
        #expect(router.inFlightCount == 0)
    }

    @Test func clientEmptiedByExpiryGetsOneTurnForItsNextRequest() {
        var router = Router(
            maxInFlight: 1,
            maxQueued: 10,
            maxQueuedPerClient: 10,
            requestTimeout: .seconds(1)
        )
        _ = router.submit(client: alice, payload: "old", now: t0)
        _ = router.expire(now: t0 + .seconds(2))
        _ = router.submit(client: alice, payload: "a1", now: t0 + .seconds(2))
        _ = router.submit(client: alice, payload: "a2", now: t0 + .seconds(2))
        _ = router.submit(client: bob, payload: "b1", now: t0 + .seconds(2))
        var inFlight = tickets(router.upstreamReadinessChanged(isReady: true, now: .now))
        var order = ["a1"]
        while let ticket = inFlight.popLast() {
            let actions = router.completed(ticket)
            order += dispatched(actions)
            inFlight += tickets(actions)
        }
        #expect(order == ["a1", "b1", "a2"])
    }

    @Test func requestsWaitingForTheUpstreamFailAfterTheOutageTimeout() {
        var router = Router(
            maxInFlight: 1,
            maxQueued: 10,
            maxQueuedPerClient: 10,
            requestTimeout: .seconds(30),
            outageTimeout: .seconds(5)
        )
        _ = router.upstreamReadinessChanged(isReady: true, now: t0)
        _ = router.submit(client: carol, payload: "busy", now: t0)
        // Arrived before the outage: waits from its start. After: from its arrival.
        _ = router.submit(client: alice, payload: "before", now: t0 + .seconds(8))
        _ = router.upstreamReadinessChanged(isReady: false, now: t0 + .seconds(10))
        _ = router.submit(client: bob, payload: "during", now: t0 + .seconds(12))
        #expect(router.expire(now: t0 + .seconds(14)).isEmpty)
        #expect(
            failed(router.expire(now: t0 + .seconds(15)))
                == ["before": .upstreamUnavailable(waited: .seconds(5))]
        )
        #expect(
            failed(router.expire(now: t0 + .seconds(17)))
                == ["during": .upstreamUnavailable(waited: .seconds(5))]
        )
    }

    @Test func requestWaitingWhenTheUpstreamComesBackIsSentNotFailed() {
        var router = Router(
            maxInFlight: 4,
            maxQueued: 10,
            maxQueuedPerClient: 10,
            requestTimeout: .seconds(30),
            outageTimeout: .seconds(5)
        )
        _ = router.submit(client: alice, payload: "a", now: t0)
        #expect(router.expire(now: t0 + .seconds(4)).isEmpty)
        #expect(
            dispatched(router.upstreamReadinessChanged(isReady: true, now: t0 + .seconds(4))) == [
                "a"
            ]
        )
        #expect(router.expire(now: t0 + .seconds(10)).isEmpty)
    }

    @Test func requeuedRequestGoesAheadOfItsClientsLaterRequests() {
        var router = readyRouter(maxInFlight: 2)
        let first = router.submit(client: alice, payload: "a1", now: t0)
        let second = router.submit(client: alice, payload: "a2", now: t0)
        _ = router.submit(client: alice, payload: "a3", now: t0)
        _ = router.submit(client: bob, payload: "b1", now: t0)
        _ = router.upstreamReadinessChanged(isReady: false, now: t0)
        // Both in flight are lost; they come back in arrival order whatever the order of
        // their failures.
        for case .dispatch(let request) in second { _ = router.requeue(request) }
        for case .dispatch(let request) in first { _ = router.requeue(request) }
        #expect(router.inFlightCount == 0)
        #expect(router.queuedCount == 4)
        let resumed = router.upstreamReadinessChanged(isReady: true, now: t0)
        var order = dispatched(resumed)
        var inFlight = tickets(resumed)
        while !inFlight.isEmpty {
            let actions = router.completed(inFlight.removeFirst())
            order += dispatched(actions)
            inFlight += tickets(actions)
        }
        #expect(order.filter { $0.hasPrefix("a") } == ["a1", "a2", "a3"])
        #expect(Set(order) == ["a1", "a2", "a3", "b1"])
    }
}
