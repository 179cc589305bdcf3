import Atomics
import NIOCore

/// The id every response carries in `X-Request-Id` and every log line about a request names: the
/// caller's own id when it sent a safe one, else one the server makes.
///
/// A made id is `INSTANCE-CONNECTION-SEQUENCE` in hex: 32 random bits drawn once per process (so
/// that ids of two instances behind one balancer do not collide), the connection's number in this
/// process, and the request's number on its connection. Making one costs no allocation and no
/// atomic operation (the connection's number is drawn once, when it opens); it is written into the
/// response head as hex digits and turned into a `String` only when a log line needs it.
public struct RequestID: Sendable, Equatable, CustomStringConvertible {
    enum Storage: Sendable, Equatable {
        case made(connection: UInt64, sequence: UInt64)
        case caller(String)
    }

    let storage: Storage

    /// The longest caller id that is echoed; a longer one is replaced.
    public static let maximumCallerLength = 200

    /// Random bits that tell this process's ids from another's.
    static let instance = UInt32.random(in: 0...UInt32.max)
    private static let connections = ManagedAtomic<UInt64>(0)

    /// A new connection's number, for the ids of its requests.
    static func nextConnection() -> UInt64 {
        connections.loadThenWrappingIncrement(ordering: .relaxed) &+ 1
    }

    init(connection: UInt64, sequence: UInt64) {
        storage = .made(connection: connection, sequence: sequence)
    }

    /// The caller's id when it is safe to echo (`EchoedHeader.isToken`), else nil.
    init?(caller value: String) {
        guard EchoedHeader.isToken(value, maximumLength: Self.maximumCallerLength) else { return nil }
        storage = .caller(value)
    }

    /// A placeholder, replaced by the connection before a response is written.
    public static let unassigned = RequestID(connection: 0, sequence: 0)

    /// A fresh id outside any connection (responses to bytes that never formed a request).
    public static func make() -> RequestID {
        RequestID(connection: nextConnection(), sequence: 0)
    }

    /// True when the id is the caller's.
    public var isCallers: Bool {
        if case .caller = storage { return true }
        return false
    }

    public var description: String {
        switch storage {
        case .caller(let value):
            return value
        case .made:
            var buffer = ByteBuffer()
            write(to: &buffer)
            return String(buffer: buffer)
        }
    }

    /// Writes the id's text into `buffer`.
    @inline(__always)
    func write(to buffer: inout ByteBuffer) {
        switch storage {
        case .caller(let value):
            buffer.writeString(value)
        case .made(let connection, let sequence):
            // One reservation for all three parts: at most 8 + 1 + 16 + 1 + 16 bytes.
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 42) { bytes in
                var offset = Hex.write(UInt64(Self.instance), minimumDigits: 8, into: bytes, at: 0)
                bytes[offset] = UInt8(ascii: "-")
                offset = Hex.write(connection, minimumDigits: 1, into: bytes, at: offset + 1)
                bytes[offset] = UInt8(ascii: "-")
                return Hex.write(sequence, minimumDigits: 1, into: bytes, at: offset + 1)
            }
        }
    }
}

/// Lower-case hexadecimal digits, written straight into a buffer.
enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    /// Writes `value` with at least `minimumDigits` digits at `offset`; returns the offset after it.
    @inline(__always)
    static func write(_ value: UInt64, minimumDigits: Int, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let significant = value == 0 ? 1 : (64 - value.leadingZeroBitCount + 3) / 4
        let count = max(significant, minimumDigits)
        let table = digits.utf8Start
        var remaining = value
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            bytes[index] = table[Int(remaining & 0xf)]
            remaining >>= 4
        }
        return offset + count
    }
}
