#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bad value found while decoding a chunk, numbered within the chunk until the chunks before
/// it are known.
struct CSVRowError: Error {
    /// What is wrong; the kinds that point at a byte say which in their message.
    enum Problem {
        case message(String)
        case invalidUTF8
        case unterminatedQuote
        case textAfterQuote(UInt8)
    }

    var row: Int
    var column: Int?
    var field: String?
    var problem: Problem
    /// The byte at fault: an offset in the chunk where the reader throws, made an offset in the
    /// whole body by the chunk decoder.
    var byte: Int?

    init(row: Int, column: Int?, field: String? = nil, problem: Problem, byte: Int? = nil) {
        self.row = row
        self.column = column
        self.field = field
        self.problem = problem
        self.byte = byte
    }

    init(row: Int, column: Int?, field: String?, problem: String) {
        self.init(row: row, column: column, field: field, problem: .message(problem))
    }

    func shifted(by rows: Int) -> CSVRowError {
        var copy = self
        copy.row += rows
        return copy
    }

    var servingError: ServingError {
        let byte = self.byte ?? 0
        switch problem {
        case .message(let text):
            return .invalidInput(row: row, column: column, field: field, text)
        case .invalidUTF8:
            return .invalidUTF8(at: byte, row: row, column: column, field: field)
        case .unterminatedQuote:
            return .invalidInput(row: row, column: column, field: field, "unterminated quoted field (its quote opens at byte \(byte))")
        case .textAfterQuote(let found):
            return .invalidInput(
                row: row, column: column, field: field,
                "unexpected \(describe(byte: found)) at byte \(byte) after the closing quote (a quote inside a quoted field is written twice)")
        }
    }
}

/// Byte searches that use the C library's vectorised `memchr`.
enum ByteScan {
    /// The offset of the first `byte` at or after `start`, if any.
    @inline(__always)
    static func find(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// How many times `byte` occurs.
    static func count(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var total = 0
        var offset = 0
        while let found = find(byte, in: bytes, from: offset) {
            total += 1
            offset = found + 1
        }
        return total
    }
}

/// The request body, lent to the executor's threads for the duration of `forEachChunk`, which
/// returns before the body goes away; they only read it.
struct BorrowedBytes: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
}

/// Results of parallel chunks, each written once by its own chunk.
///
/// `@unchecked Sendable`: each chunk writes only its own slot of memory allocated up front (no
/// array whose reference every writer would touch), and the slots are read only after the
/// executor has returned.
final class ChunkResults<Value>: @unchecked Sendable {
    private let results: UnsafeMutableBufferPointer<Result<Value, any Error>?>

    init(count: Int) {
        results = .allocate(capacity: count)
        results.initialize(repeating: nil)
    }

    deinit {
        results.deinitialize()
        results.deallocate()
    }

    /// Called once per index, from any thread; indices never collide.
    func store(_ index: Int, _ result: Result<Value, any Error>) {
        results[index] = result
    }

    /// The values in order, or the error of the earliest failed chunk (the first bad row),
    /// passed through `adjust` with the number of rows the chunks before it decoded.
    func collect(adjust: (any Error, Int) -> any Error) throws -> [Value] where Value == CSVDecodedPart {
        var values: [Value] = []
        var rowsBefore = 0
        for result in results {
            switch result! {
            case .success(let chunk):
                values.append(chunk)
                rowsBefore += chunk.rowCount
            case .failure(let error):
                throw adjust(error, rowsBefore)
            }
        }
        return values
    }
}
