import Synchronization

/// One spare feature-matrix buffer, kept between requests so that a batch does not map, fault in
/// and unmap several megabytes every time (a 10,000-row churn batch's features are 5.7 MB).
///
/// Only one buffer is kept, whatever the number of threads, so what stays resident is bounded
/// (the server also asks glibc to return large blocks at once; see `MemoryPolicy`). A request
/// that finds the spare taken (two batches at once) allocates as before.
enum ScratchStorage {
    /// Buffers smaller than this are not worth keeping; larger ones are not kept either.
    static let keptBytes = (256 << 10)...(64 << 20)

    private static let spare = Mutex<[Double]?>(nil)

    /// An array of `count` values whose contents are unspecified (the caller overwrites them all).
    static func doubles(count: Int) -> [Double] {
        let bytes = count * MemoryLayout<Double>.stride
        guard keptBytes.contains(bytes), var array = spare.withLock({ $0.take() }) else {
            return [Double](repeating: 0, count: count)
        }
        if array.count > count {
            array.removeLast(array.count - count)
        } else if array.count < count {
            array.append(contentsOf: repeatElement(0, count: count - array.count))
        }
        return array
    }

    /// Offers `array` as the spare (kept when its size is in `keptBytes` and no spare is kept).
    static func recycle(_ array: consuming [Double]) {
        guard keptBytes.contains(array.capacity * MemoryLayout<Double>.stride) else { return }
        let offered = array
        spare.withLock { spare in
            if spare == nil { spare = offered }
        }
    }
}
