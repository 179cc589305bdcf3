/// Where the load goes: a plain `http://` URL split into what a socket and a request line need.
///
/// Exists so the rest of the generator never re-parses a URL string. TLS is out of scope: a load
/// generator for a model server measures the server, and SageMaker terminates TLS in front of it.
public struct TargetURL: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address to connect to (IPv6 without brackets).
    public var host: String
    /// TCP port; 80 when the URL names none.
    public var port: Int
    /// The request target: path and query, always starting with `/`.
    public var pathAndQuery: String

    /// The value of the `Host` header for this target.
    public var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.port == 80 ? host : "\(host):\(self.port)"
    }

    public var description: String { "http://\(self.hostHeader)\(self.pathAndQuery)" }

    public init(host: String, port: Int, pathAndQuery: String = "/") {
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
    }

    /// Parses `http://host[:port][/path][?query]`.
    public init(parsing text: String, option: String = "url") throws(LoadTestError) {
        let scheme = "http://"
        guard text.lowercased().hasPrefix(scheme) else {
            throw LoadTestError(option: option, "only http:// URLs are supported, got '\(text)'")
        }
        let rest = text.dropFirst(scheme.count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let fragment = target.firstIndex(of: "#") { target = String(target[..<fragment]) }
        if target.isEmpty || target.first == "?" { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw LoadTestError(option: option, "expected http://host[:port]/path, got '\(text)'")
        }
        let (host, portText) = try Self.splitAuthority(authority, option: option, text: text)
        var port = 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw LoadTestError(option: option, "port must be 1...65535, got '\(portText)'")
            }
            port = value
        }
        self.init(host: host, port: port, pathAndQuery: target)
    }

    /// The same server with another request target, e.g. `/metrics` beside `/invocations`.
    public func withPath(_ pathAndQuery: String) -> TargetURL {
        TargetURL(host: self.host, port: self.port, pathAndQuery: pathAndQuery)
    }

    private static func splitAuthority(
        _ authority: Substring, option: String, text: String
    ) throws(LoadTestError) -> (String, Substring?) {
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                throw LoadTestError(option: option, "unterminated IPv6 address in '\(text)'")
            }
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            return (host, after.first == ":" ? after.dropFirst() : nil)
        }
        guard let colon = authority.lastIndex(of: ":") else { return (String(authority), nil) }
        return (String(authority[..<colon]), authority[authority.index(after: colon)...])
    }
}
