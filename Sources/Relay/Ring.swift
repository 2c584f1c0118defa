// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A first-in, first-out buffer with O(1) appends at the back and removals at the front.
///
/// The standard library has no deque and the package takes no outside dependencies, so
/// the event ring and the per-client request queues share this small circular buffer.
/// Storage grows by doubling and is released once the buffer empties, so thousands of
/// idle clients with empty queues hold no storage.
struct Ring<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    /// The oldest element.
    var first: Element? { isEmpty ? nil : storage[head] }

    /// The newest element.
    var last: Element? { isEmpty ? nil : self[count - 1] }

    /// The element `offset` places after the oldest one.
    subscript(offset: Int) -> Element {
        precondition(offset >= 0 && offset < count, "Ring index \(offset) out of 0..<\(count)")
        return storage[(head + offset) % storage.count]!
    }

    /// Adds `element` at the back.
    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    /// Removes and returns the oldest element.
    @discardableResult
    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        if count == 0 {
            storage = []
            head = 0
        }
        return element
    }

    /// Removes every element, releasing the storage.
    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

    private mutating func grow() {
        var larger = [Element?](repeating: nil, count: Swift.max(4, storage.count * 2))
        for offset in 0..<count {
            larger[offset] = storage[(head + offset) % storage.count]
        }
        storage = larger
        head = 0
    }
}

extension Ring: Sequence {
    struct Iterator: IteratorProtocol {
        fileprivate let ring: Ring
        fileprivate var offset = 0

        mutating func next() -> Element? {
            guard offset < ring.count else { return nil }
            defer { offset += 1 }
            return ring[offset]
        }
    }

    func makeIterator() -> Iterator { Iterator(ring: self) }

    var underestimatedCount: Int { count }
}
