import Dispatch

/// Runs blocking `body` (socket reads, process waits) on a Dispatch thread and awaits it, so that a
/// test waiting on a socket or a process does not hold one of the few threads of Swift's
/// cooperative pool (one per core: two here) that the tests running beside it, and any server
/// they run in-process, need.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

extension LoopbackClient {
    /// `send`, off the cooperative pool.
    public func send(_ text: String) async throws {
        try await offThePool { try self.send(text) }
    }

    /// `send(bytes:)`, off the cooperative pool.
    public func send(bytes: [UInt8]) async throws {
        try await offThePool { try self.send(bytes: bytes) }
    }

    /// `response()`, off the cooperative pool.
    public func response() async throws -> TestResponse {
        try await offThePool { try self.response() }
    }

    /// `isClosedByServer()`, off the cooperative pool.
    public func isClosedByServer() async -> Bool {
        (try? await offThePool { self.isClosedByServer() }) ?? false
    }

    /// `exchange(port:_:)`, off the cooperative pool.
    public static func exchange(port: Int, _ request: String) async throws -> TestResponse {
        try await offThePool { try LoopbackClient.exchange(port: port, request) }
    }
}
