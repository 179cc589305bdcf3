import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import InferenceServer

/// A large request body's storage is kept per event loop thread and reused for the next large
/// body (`BodyBufferSource`). Reuse must never change a body a request still holds, and only
/// bodies in the kept size range are kept. Each test runs on a thread of its own, so that the
/// kept body is the test's own.
@Suite("Body buffers kept for the next large body")
struct BodyBufferSourceTests {
    private static let source = BodyBufferSource(allocator: ByteBufferAllocator())

    /// Runs `body` on a new thread (the kept body is per thread) and returns its result.
    private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = NIOLockedValueBox<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let value = body()
            result.withLockedValue { $0 = value }
            done.signal()
        }
        thread.start()
        done.wait()
        return result.withLockedValue { $0! }
    }

    private static func storage(_ buffer: ByteBuffer) -> UInt {
        buffer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
    }

    @Test("the next large body is written into the last one's storage")
    func largeBodyStorageIsReused() {
        let reused = onOwnThread {
            var first = Self.source.buffer(capacity: 1_200_000)
            first.writeRepeatingByte(0x41, count: 1_200_000)
            let firstStorage = Self.storage(first)
            BodyBufferSource.keep(first)
            first = ByteBuffer()  // the request let go of its body
            let second = Self.source.buffer(capacity: 1_100_000)
            return Self.storage(second) == firstStorage && second.readableBytes == 0
        }
        #expect(reused)
    }

    @Test("a body a request still holds is never overwritten by the next one")
    func heldBodyIsNotOverwritten() {
        let (held, next) = onOwnThread {
            var first = Self.source.buffer(capacity: 600_000)
            first.writeString(String(repeating: "a", count: 600_000))
            BodyBufferSource.keep(first)  // `first` is still held, as by a request in flight
            var second = Self.source.buffer(capacity: 600_000)
            second.writeString(String(repeating: "b", count: 600_000))
            return (first.getString(at: 0, length: 600_000)!, second.getString(at: 0, length: 600_000)!)
        }
        #expect(held == String(repeating: "a", count: 600_000))
        #expect(next == String(repeating: "b", count: 600_000))
    }

    @Test("small bodies and bodies over the limit are not kept; a larger request than the kept body leaves it kept")
    func onlyBodiesInRangeAreKept() {
        let outcomes = onOwnThread {
            func keptAfterKeeping(_ capacity: Int) -> Int? {
                BodyBufferSource.keep(Self.source.buffer(capacity: capacity))
                return BodyBufferSource.keptCapacity
            }
            let small = keptAfterKeeping(BodyBufferSource.smallest / 2)
            let huge = keptAfterKeeping(BodyBufferSource.largest * 2)
            let inRange = keptAfterKeeping(BodyBufferSource.smallest * 2)
            let larger = Self.source.buffer(capacity: BodyBufferSource.smallest * 4).capacity
            let stillKept = BodyBufferSource.keptCapacity
            _ = Self.source.buffer(capacity: BodyBufferSource.smallest * 2)
            return [small, huge, inRange, larger >= BodyBufferSource.smallest * 4 ? stillKept : -1, BodyBufferSource.keptCapacity]
        }
        #expect(outcomes[0] == nil && outcomes[1] == nil, "only bodies between the bounds are kept")
        #expect(outcomes[2] != nil && outcomes[2]! >= BodyBufferSource.smallest * 2)
        #expect(outcomes[3] == outcomes[2], "a request larger than the kept body gets fresh storage and leaves it kept")
        #expect(outcomes[4] == nil, "the kept body was taken for a request it fits")
    }
}
