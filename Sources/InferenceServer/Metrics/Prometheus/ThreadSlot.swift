import Atomics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small number per recording thread, so that each thread updates a shard of every metric that
/// no other thread writes: no lock and no atomic read-modify-write on the request path, and no
/// cache line shared between cores.
///
/// Threads get slots in the order they first record. Slots are never reused; the last slot is
/// shared by every thread past `count - 1` (event loops and workers come first, so in practice
/// only short-lived helper threads ever share it), and updates to it are atomic read-modify-writes.
enum ThreadSlot {
    /// Slots per metric.
    static let count = 64
    /// The slot that threads beyond the others share.
    static let shared = count - 1

    private static let next = ManagedAtomic(0)
    /// The calling thread's slot + 1 (0: not assigned yet), as a pthread key value.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// The calling thread's slot.
    @inline(__always)
    static var current: Int {
        let stored = Int(bitPattern: pthread_getspecific(key))
        if stored != 0 { return stored - 1 }
        let slot = min(next.loadThenWrappingIncrement(ordering: .relaxed), shared)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: slot + 1))
        return slot
    }
}

/// `count` 64-bit cells per thread slot, each slot on cache lines of its own, written only by the
/// slot's thread (relaxed loads and stores: plain moves on x86 and ARM) except the shared slot,
/// which is updated atomically; read by anyone (relaxed loads) to render a total.
final class ShardedCells: @unchecked Sendable {
    /// Cells per slot, rounded up to whole cache lines.
    let stride: Int
    let cellsPerSlot: Int
    /// `ThreadSlot.count * stride` atomic cells; the memory is owned by this object.
    private let cells: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

    init(cellsPerSlot: Int) {
        self.cellsPerSlot = cellsPerSlot
        stride = (cellsPerSlot + 7) / 8 * 8
        let total = ThreadSlot.count * stride
        cells = .allocate(capacity: total)
        cells.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: total)
    }

    deinit {
        cells.deinitialize(count: ThreadSlot.count * stride)
        cells.deallocate()
    }

    /// Adds `amount` to cell `cell` of the calling thread's slot.
    @inline(__always)
    func add(_ amount: UInt64, cell: Int) { add(amount, cell: cell, slot: ThreadSlot.current) }

    /// Adds `amount` to cell `cell` of `slot`, which must be the calling thread's.
    @inline(__always)
    func add(_ amount: UInt64, cell: Int, slot: Int) {
        let atomic = UnsafeAtomic<UInt64>(at: cells + (slot * stride + cell))
        if slot == ThreadSlot.shared {
            atomic.wrappingIncrement(by: amount, ordering: .relaxed)
        } else {
            atomic.store(atomic.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
        }
    }

    /// Adds `amount` to the Double whose bits are cell `cell` of the calling thread's slot.
    @inline(__always)
    func add(double amount: Double, cell: Int) { add(double: amount, cell: cell, slot: ThreadSlot.current) }

    /// Adds `amount` to the Double whose bits are cell `cell` of `slot`, which must be the
    /// calling thread's.
    @inline(__always)
    func add(double amount: Double, cell: Int, slot: Int) {
        let atomic = UnsafeAtomic<UInt64>(at: cells + (slot * stride + cell))
        if slot == ThreadSlot.shared {
            var current = atomic.load(ordering: .relaxed)
            while true {
                let updated = (Double(bitPattern: current) + amount).bitPattern
                let (exchanged, original) = atomic.weakCompareExchange(expected: current, desired: updated, ordering: .relaxed)
                if exchanged { return }
                current = original
            }
        } else {
            atomic.store((Double(bitPattern: atomic.load(ordering: .relaxed)) + amount).bitPattern, ordering: .relaxed)
        }
    }

    /// The sum of cell `cell` over every slot.
    func total(cell: Int) -> UInt64 {
        var sum: UInt64 = 0
        for slot in 0..<ThreadSlot.count {
            sum &+= UnsafeAtomic<UInt64>(at: cells + (slot * stride + cell)).load(ordering: .relaxed)
        }
        return sum
    }

    /// The sum over every slot of the Doubles in cell `cell`.
    func totalDouble(cell: Int) -> Double {
        var sum = 0.0
        for slot in 0..<ThreadSlot.count {
            sum += Double(bitPattern: UnsafeAtomic<UInt64>(at: cells + (slot * stride + cell)).load(ordering: .relaxed))
        }
        return sum
    }

    /// Zeroes every cell (a counter's `reset`; not meant to race with updates).
    func reset() {
        for index in 0..<(ThreadSlot.count * stride) {
            UnsafeAtomic<UInt64>(at: cells + index).store(0, ordering: .relaxed)
        }
    }
}
