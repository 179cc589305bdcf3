import CSwerveMemory

/// Measures how much memory a model takes: the allocator's count of bytes in use, read just
/// before and just after the model is loaded on the loader thread.
///
/// Why the allocator's count and not the resident set (RSS): RSS moves in pages and in the
/// allocator's arena steps (glibc grows a heap by 128 KiB and more at a time and keeps freed
/// memory), so the RSS change around one load of a 30 KB model reads 0 or 132 KB; the allocator's
/// count (glibc `mallinfo2`: bytes in use in every arena plus mmapped blocks) is exact to the
/// byte. A handler's own estimate would need every handler, including users', to count its
/// buffers, and would miss what it does not know it holds.
///
/// Limits: the count is process-wide, so allocations other threads hold at the two instants
/// (requests in flight) are counted too, in either direction; the loader serialises loads so
/// that loads do not measure each other, and a negative difference is read as 0. Memory a
/// handler maps itself (mmap outside malloc) is not seen. The allocator's own overhead and
/// fragmentation are not charged to models: the budget is a share of the container's memory
/// for this reason. On a platform without the count, every model measures 0.
enum HeapMeter {
    /// Bytes in use now, by the allocator's count.
    static func allocatedBytes() -> Int {
        Int(swerve_heap_allocated_bytes())
    }

    /// Runs `body` and returns its result with the growth of the bytes in use while it ran.
    static func measure<T>(_ body: () throws -> T) rethrows -> (value: T, bytes: Int) {
        let before = allocatedBytes()
        let value = try body()
        return (value, max(0, allocatedBytes() - before))
    }
}
