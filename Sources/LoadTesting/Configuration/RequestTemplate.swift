import NIOCore
import NIOHTTP1

/// What every generated request looks like: method, target, headers and the bodies to cycle.
///
/// Exists so the hot path never builds a request: ``prepare()`` turns the template into a fixed
/// list of ready-made heads and body buffers once, and connections only pick the next one.
public struct RequestTemplate: Sendable {
    /// One extra header (`--header "Name: value"`).
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// Parses `Name: value`, rejecting what would corrupt the request on the wire.
        public init(parsing text: String) throws(LoadTestError) {
            guard let colon = text.firstIndex(of: ":") else {
                throw LoadTestError(option: "--header", "expected 'Name: value', got '\(text)'")
            }
            self.init(name: String(text[..<colon]).trimmingSpaces(), value: String(text[text.index(after: colon)...]).trimmingSpaces())
            try self.validate()
        }

        func validate() throws(LoadTestError) {
            let tokenSymbols: Set<Character> = ["!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~"]
            let nameIsToken = !self.name.isEmpty && self.name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || tokenSymbols.contains($0) }
            guard nameIsToken else { throw LoadTestError(option: "--header", "invalid header name '\(self.name)'") }
            // Bytes, not Characters: "\r\n" is a single Character equal to neither "\r" nor "\n".
            guard !self.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw LoadTestError(option: "--header", "header '\(self.name)' has a line break in its value")
            }
        }
    }

    /// HTTP method, e.g. `POST`.
    public var method: String
    /// Where requests go.
    public var target: TargetURL
    /// Request bodies, cycled in order; empty means requests without a body.
    public var bodies: [[UInt8]]
    /// `Content-Type` of the bodies; when nil and there are bodies, inferred (see ``inferredContentType``).
    public var contentType: String?
    /// `Accept` header, if any.
    public var accept: String?
    /// Extra headers, sent after the ones above (a `Host` here replaces the default one).
    public var headers: [Header]

    public init(
        method: String? = nil, target: TargetURL, bodies: [[UInt8]] = [], contentType: String? = nil,
        accept: String? = nil, headers: [Header] = []
    ) {
        self.method = method ?? (bodies.isEmpty ? "GET" : "POST")
        self.target = target
        self.bodies = bodies
        self.contentType = contentType
        self.accept = accept
        self.headers = headers
    }

    /// The content type used when none is given: JSON if the first body starts with `{` or `[`,
    /// CSV otherwise (the SageMaker default for tabular models).
    public var inferredContentType: String {
        let first = self.bodies.first?.first { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? "application/json" : "text/csv"
    }

    /// Checks method and headers; called before any connection opens.
    public func validate() throws(LoadTestError) {
        let methodIsToken = !self.method.isEmpty && self.method.allSatisfy { $0.isASCII && ($0.isUppercase || $0 == "-" || $0 == "_") }
        guard methodIsToken else { throw LoadTestError(option: "--method", "expected an upper-case method like GET or POST, got '\(self.method)'") }
        for header in self.headers { try header.validate() }
        for value in [self.contentType, self.accept].compactMap({ $0 }) {
            try Header(name: "Content-Type", value: value).validate()
        }
    }

    /// Encodes every request once with NIO's `HTTPRequestEncoder`; connections then write these
    /// exact bytes, so the hot path neither builds nor serializes a request.
    func prepare() throws -> [PreparedRequest] {
        var base = HTTPHeaders()
        base.add(name: "Host", value: self.target.hostHeader)
        base.add(name: "User-Agent", value: "swerve-load")
        if let accept = self.accept { base.add(name: "Accept", value: accept) }
        if !self.bodies.isEmpty { base.add(name: "Content-Type", value: self.contentType ?? self.inferredContentType) }
        for header in self.headers { base.replaceOrAdd(name: header.name, value: header.value) }
        let method = HTTPMethod(rawValue: self.method)
        let bodies: [[UInt8]?] = self.bodies.isEmpty ? [nil] : self.bodies
        return try bodies.map { body in
            var headers = base
            if let body {
                headers.add(name: "Content-Length", value: String(body.count))
            } else if ["POST", "PUT", "PATCH"].contains(self.method) {
                headers.add(name: "Content-Length", value: "0")
            }
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: self.target.pathAndQuery, headers: headers)
            return PreparedRequest(head: head, bytes: try RequestEncoding.encode(head, body: body))
        }
    }
}

/// A request ready for the wire: the bytes `HTTPRequestEncoder` produced for it, and whether it
/// is a `HEAD`, which the response framer needs to know (a response to `HEAD` has no body).
struct PreparedRequest: Sendable {
    var head: HTTPRequestHead
    var bytes: ByteBuffer
    var isHead: Bool { self.head.method == .HEAD }
}
