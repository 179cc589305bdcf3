import NIOCore
import NIOPosix

/// Where a request body is accumulated: fresh memory from the channel's allocator, or the last
/// large body's storage, which each event loop keeps for the next one.
///
/// A 10,000-row CSV body is 1.2 MB. Blocks that large are mapped per allocation (`MemoryPolicy`),
/// so every batch faulted in and zeroed 300 fresh pages on the event loop before its first byte
/// could be copied: about 0.4 ms of the 2-3 ms it takes to receive the body, serial before any
/// decoding can start (BENCHMARKS.md, "The Aurora batch, fifth pass"). Keeping one such body per
/// event loop thread, between `smallest` and `largest` bytes, costs at most `largest` resident
/// bytes per loop (a 1.2 MB body: 1.2 MB) and saves those faults whenever the previous request
/// has let go of its body, which it has by the time its connection sends the next one. Storage
/// still shared with a request in flight is never written: `ByteBuffer.clear()` copies on write.
struct BodyBufferSource {
    let allocator: ByteBufferAllocator

    /// Bodies below this come from malloc's heap without page faults; they are not kept.
    static let smallest = 256 * 1024
    /// Bodies above this are not kept, so that a loop holds at most this much.
    static let largest = 16 * 1024 * 1024

    private static let spare = ThreadSpecificVariable<Spare>()

    /// `@unchecked Sendable`: each thread reads and writes only its own instance.
    private final class Spare: @unchecked Sendable {
        var buffer: ByteBuffer?
    }

    /// An empty buffer that can hold `capacity` bytes: the kept body when it is large enough.
    func buffer(capacity: Int) -> ByteBuffer {
        if capacity >= Self.smallest, let spare = Self.spare.currentValue, var kept = spare.buffer, kept.capacity >= capacity {
            spare.buffer = nil  // `kept` is now the spare's only reference from here
            kept.clear()
            return kept
        }
        return allocator.buffer(capacity: capacity)
    }

    /// The capacity of the body this thread keeps, if any (for tests).
    static var keptCapacity: Int? { spare.currentValue?.buffer?.capacity }

    /// Keeps `body` (a complete request body) for the next large body on this thread.
    static func keep(_ body: ByteBuffer) {
        guard (smallest...largest).contains(body.capacity) else { return }
        if let spare = spare.currentValue {
            spare.buffer = body
        } else {
            let spare = Spare()
            spare.buffer = body
            self.spare.currentValue = spare
        }
    }
}
