import CMallocControl

/// How `swerve serve` asks glibc's allocator to return memory.
///
/// glibc serves blocks over a threshold (128 KiB at first) with `mmap` and unmaps them on free, but
/// raises that threshold each time such a block is freed, up to 32 MiB. A 10,000-row batch needs
/// several blocks of 1 to 6 MB (the body, the columns, the feature matrix); after a few batches
/// they come from the worker threads' heaps instead and stay resident there: the resident set went
/// from 29 MB to 73 MB after 20 batches and stayed there. A fixed threshold keeps large blocks
/// mapped per request and returned on free (31 MB after 40 batches; see BENCHMARKS.md), and
/// setting it also turns the dynamic raising off. `GLIBC_TUNABLES` still overrides it.
enum MemoryPolicy {
    /// Blocks at least this large are mapped per allocation and unmapped on free.
    static let mmapThreshold: Int32 = 256 * 1024

    static func apply() {
        _ = swerve_set_mmap_threshold(mmapThreshold)
    }
}
