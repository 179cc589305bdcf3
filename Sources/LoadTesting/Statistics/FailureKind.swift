/// Why a request counted as failed, the way the final table and `--json` group failures.
///
/// Exists so failures are counted by cause, not lumped together: a wall of `503` means the server
/// shed load (its queue is full), `timeout` means it kept requests too long, and `connection error`
/// means it refused, reset or closed connections.
public enum FailureKind: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The server answered with this status, 400 or above.
    case status(Int)
    /// No complete response within `--timeout` of the send (open loop: of when it was due).
    case timeout
    /// Connecting failed, or the connection closed or broke before the response was complete.
    case connectionError

    /// The stable key used in tables and JSON: `"503"`, `"timeout"`, `"connection error"`.
    public var description: String {
        switch self {
        case .status(let code): String(code)
        case .timeout: "timeout"
        case .connectionError: "connection error"
        }
    }

    public static func < (lhs: FailureKind, rhs: FailureKind) -> Bool { lhs.order < rhs.order }

    private var order: Int {
        switch self {
        case .status(let code): code
        case .timeout: 1000
        case .connectionError: 1001
        }
    }
}
