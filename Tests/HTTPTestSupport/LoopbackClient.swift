import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP client on 127.0.0.1 that sends raw bytes and reads raw responses, so tests can
/// speak exactly the HTTP they mean (pipelining, slow bytes, garbage) to a real server.
///
/// `@unchecked Sendable`: a test uses a client from one task at a time (the async overloads in
/// OffThePool.swift run its blocking calls on another thread while the task waits).
public final class LoopbackClient: @unchecked Sendable {
    public let descriptor: Int32
    private var parser = ResponseParser()

    /// Connects, or throws after `timeout` seconds.
    public init(port: Int, timeout: Double = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError.socket(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: once every stored property is set, a throwing init still runs deinit,
        // which closes the socket (closing it here too would close whatever reused the number).
        guard result == 0 else { throw ClientError.connect(errno) }
    }

    deinit { close(descriptor) }

    public func send(_ text: String) throws { try send(bytes: Array(text.utf8)) }

    public func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError.send(errno) }
            offset += written
        }
    }

    /// The next response; throws on timeout or when the server closes first.
    public func response() throws -> TestResponse {
        while true {
            if let response = parser.next() { return response }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw ClientError.closed }
            if count < 0 { throw ClientError.receive(errno) }
            parser.append(chunk[0..<count])
        }
    }

    /// True when the server has closed the connection (reads end of stream) within the timeout.
    public func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let count = recv(descriptor, &byte, 1, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// Sends `request` on a new connection and returns the response.
    public static func exchange(port: Int, _ request: String) throws -> TestResponse {
        let client = try LoopbackClient(port: port)
        try client.send(request)
        return try client.response()
    }

    public enum ClientError: Error {
        case socket(Int32)
        case connect(Int32)
        case send(Int32)
        case receive(Int32)
        case closed
    }
}

/// An HTTP/1.1 POST to /invocations.
public func invocationRequest(_ body: String, contentType: String = "application/json", extraHeaders: String = "", path: String = "/invocations")
    -> String
{
    "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n\(extraHeaders)\r\n\(body)"
}
