import NIOCore

/// A FIFO of due times for open-loop requests waiting for a free connection.
///
/// Exists because an array with `removeFirst` is O(n) and this queue can grow to thousands of
/// entries exactly when the server is overloaded, which is when the generator must stay cheap.
struct ArrivalQueue {
    private var storage: [NIODeadline] = []
    private var head = 0

    var count: Int { self.storage.count - self.head }
    var isEmpty: Bool { self.head == self.storage.count }
    var first: NIODeadline? { self.isEmpty ? nil : self.storage[self.head] }

    mutating func append(_ due: NIODeadline) {
        self.storage.append(due)
    }

    mutating func popFirst() -> NIODeadline? {
        guard !self.isEmpty else { return nil }
        let due = self.storage[self.head]
        self.head += 1
        if self.head == self.storage.count {
            self.storage.removeAll(keepingCapacity: true)
            self.head = 0
        } else if self.head >= 1024 && self.head * 2 >= self.storage.count {
            self.storage.removeFirst(self.head)
            self.head = 0
        }
        return due
    }
}
