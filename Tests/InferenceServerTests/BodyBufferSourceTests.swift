import NIOCore
import Testing

@testable import InferenceServer

/// The server keeps its last large request body's storage and reuses it for the next large body
/// (`BodyBufferSpare`). Reuse must never change a body a request still holds, and only bodies in
/// the kept size range are kept.
@Suite("The kept request body")
struct BodyBufferSourceTests {
    private static func storage(_ buffer: ByteBuffer) -> UInt {
        buffer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
    }

    @Test("the next large body is written into the last one's storage, emptied")
    func largeBodyStorageIsReused() {
        let spare = BodyBufferSpare()
        let source = BodyBufferSource(allocator: ByteBufferAllocator(), spare: spare)
        var first = source.buffer(capacity: 1_200_000)
        first.writeRepeatingByte(0x41, count: 1_200_000)
        let firstStorage = Self.storage(first)
        spare.keep(first)
        first = ByteBuffer()  // the request let go of its body
        let second = source.buffer(capacity: 1_100_000)
        #expect(Self.storage(second) == firstStorage)
        #expect(second.readableBytes == 0)
        #expect(spare.keptCapacity == nil, "a kept body is handed out once")
    }

    @Test("a body a request still holds is never overwritten by the next one")
    func heldBodyIsNotOverwritten() {
        let spare = BodyBufferSpare()
        let source = BodyBufferSource(allocator: ByteBufferAllocator(), spare: spare)
        var first = source.buffer(capacity: 600_000)
        first.writeString(String(repeating: "a", count: 600_000))
        spare.keep(first)  // `first` is still held, as by a request in flight
        var second = source.buffer(capacity: 600_000)
        second.writeString(String(repeating: "b", count: 600_000))
        #expect(first.getString(at: 0, length: 600_000) == String(repeating: "a", count: 600_000))
        #expect(second.getString(at: 0, length: 600_000) == String(repeating: "b", count: 600_000))
    }

    @Test("small bodies and bodies over the limit are not kept; a request larger than the kept body leaves it kept")
    func onlyBodiesInRangeAreKept() {
        let spare = BodyBufferSpare()
        let source = BodyBufferSource(allocator: ByteBufferAllocator(), spare: spare)
        spare.keep(source.buffer(capacity: BodyBufferSpare.smallest / 2))
        #expect(spare.keptCapacity == nil)
        spare.keep(source.buffer(capacity: BodyBufferSpare.largest * 2))
        #expect(spare.keptCapacity == nil)
        spare.keep(source.buffer(capacity: BodyBufferSpare.smallest * 2))
        let kept = spare.keptCapacity
        #expect(kept != nil && kept! >= BodyBufferSpare.smallest * 2)
        #expect(source.buffer(capacity: BodyBufferSpare.smallest * 4).capacity >= BodyBufferSpare.smallest * 4)
        #expect(spare.keptCapacity == kept, "a larger request gets fresh storage and leaves the kept body")
        #expect(source.buffer(capacity: BodyBufferSpare.smallest / 4).capacity >= BodyBufferSpare.smallest / 4)
        #expect(spare.keptCapacity == kept, "a small request gets fresh storage and leaves the kept body")
        _ = source.buffer(capacity: BodyBufferSpare.smallest * 2)
        #expect(spare.keptCapacity == nil, "the kept body was taken by a request it fits")
    }
}
