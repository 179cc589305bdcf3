import NIOCore
import Synchronization

/// The last large request body's storage, kept by the server for the next large body.
///
/// A 10,000-row CSV body is 1.2 MB. Blocks that large are mapped per allocation (`MemoryPolicy`),
/// so every batch faulted in and zeroed 300 fresh pages on the event loop before its bytes could
/// be copied: a third of the time it took to receive the body, serial before any decoding can
/// start (BENCHMARKS.md, "The Aurora batch, fifth pass"). One body between `smallest` and
/// `largest` bytes is kept for the whole server, so what stays resident is bounded by `largest`
/// (a 1.2 MB body: 1.2 MB). It saves those faults whenever the request that had it has let go of
/// it, as it has by the time its client sends the next batch. Storage still shared with a request
/// in flight is never written: `ByteBuffer.clear()` copies on write.
final class BodyBufferSpare: Sendable {
    /// Bodies below this come from malloc's heap without page faults; they are not kept.
    static let smallest = 256 * 1024
    /// Bodies above this are not kept.
    static let largest = 16 * 1024 * 1024

    private let kept = Mutex<ByteBuffer?>(nil)

    init() {}

    /// The kept body, emptied, if it can hold `capacity` bytes; it is no longer kept.
    func take(capacity: Int) -> ByteBuffer? {
        guard capacity >= Self.smallest,
            var body = kept.withLock({ kept -> ByteBuffer? in
                guard let body = kept, body.capacity >= capacity else { return nil }
                kept = nil
                return body
            })
        else { return nil }
        body.clear()
        return body
    }

    /// Keeps `body` (a complete request body) for the next large one, in place of any other.
    func keep(_ body: ByteBuffer) {
        guard (Self.smallest...Self.largest).contains(body.capacity) else { return }
        kept.withLock { $0 = body }
    }

    /// The capacity of the kept body, if any (for tests).
    var keptCapacity: Int? { kept.withLock { $0?.capacity } }
}

/// Where a request body is accumulated: the server's kept body when it fits, else fresh memory
/// from the channel's allocator.
struct BodyBufferSource {
    let allocator: ByteBufferAllocator
    var spare: BodyBufferSpare? = nil

    /// An empty buffer that can hold `capacity` bytes.
    func buffer(capacity: Int) -> ByteBuffer {
        spare?.take(capacity: capacity) ?? allocator.buffer(capacity: capacity)
    }
}
