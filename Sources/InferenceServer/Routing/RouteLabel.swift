/// Which route answered a request: the `route` label of request metrics and access logs.
///
/// A closed set, so that no client can create label values by inventing paths (or model names:
/// every `/models/{name}` path shares one label).
public enum RouteLabel: Int, Sendable, CaseIterable {
    case invocations, ping, executionParameters, metrics, other
    /// Multi-model mode: `GET /models` (list) and `POST /models` (load).
    case models
    /// Multi-model mode: `GET /models/{name}` (describe) and `DELETE /models/{name}` (unload).
    case model
    /// Multi-model mode: `POST /models/{name}/invoke`.
    case modelInvocation

    /// The routes a single-model server answers (the others answer 404 there, labelled `other`).
    public static let singleModelRoutes: [RouteLabel] = [.invocations, .ping, .executionParameters, .metrics, .other]

    /// The label value.
    public var name: String {
        switch self {
        case .invocations: "/invocations"
        case .ping: "/ping"
        case .executionParameters: "/execution-parameters"
        case .metrics: "/metrics"
        case .other: "other"
        case .models: "/models"
        case .model: "/models/{name}"
        case .modelInvocation: "/models/{name}/invoke"
        }
    }

    /// True for the routes that run a model (request counts, overhead latency).
    var isInvocation: Bool { self == .invocations || self == .modelInvocation }

    /// The route a path names (compared as bytes: this runs for every request).
    init(path: Substring) {
        let utf8 = path.utf8
        switch utf8.count {
        case 12 where ASCIIComparison.equal(utf8, "/invocations"): self = .invocations
        case 5 where ASCIIComparison.equal(utf8, "/ping"): self = .ping
        case 21 where ASCIIComparison.equal(utf8, "/execution-parameters"): self = .executionParameters
        case 8 where ASCIIComparison.equal(utf8, "/metrics"): self = .metrics
        case 7 where ASCIIComparison.equal(utf8, "/models"): self = .models
        default:
            // `/models/...` first: a prefix compare, where the runtime path splits the path.
            if let model = ModelPath(path) {
                self = model.route
            } else {
                self = Self.isRuntimeInvocationPath(path) ? .invocations : .other
            }
        }
    }

    /// `/endpoints/{name}/invocations` with a name SageMaker would accept: the SageMaker runtime
    /// API's path, so `aws sagemaker-runtime invoke-endpoint --endpoint-url` works locally.
    static func isRuntimeInvocationPath(_ path: Substring) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0].isEmpty && parts[1] == "endpoints" && !parts[2].isEmpty && parts[2].count <= 63
            && parts[3] == "invocations"
    }
}

/// A path that names one model: `/models/{name}` or `/models/{name}/invoke`.
///
/// Parsed on the path's contiguous UTF-8 bytes: this runs twice for every multi-model request, and
/// the generic algorithms on a `Substring`'s views cost a visible share of such a request.
struct ModelPath {
    /// The name as it appears in the path (not yet validated).
    var name: Substring
    /// True for `/models/{name}/invoke`.
    var isInvocation: Bool

    var route: RouteLabel { isInvocation ? .modelInvocation : .model }

    private static let prefix: [UInt8] = Array("/models/".utf8)
    private static let invoke: [UInt8] = Array("/invoke".utf8)

    init?(_ path: Substring) {
        let utf8 = path.utf8
        guard let (nameEnd, isInvocation) = utf8.withContiguousStorageIfAvailable(Self.scan) ?? Array(utf8).withUnsafeBufferPointer(Self.scan)
        else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: Self.prefix.count)
        name = path[start..<utf8.index(utf8.startIndex, offsetBy: nameEnd)]
        self.isInvocation = isInvocation
    }

    /// Where the name ends, and whether `/invoke` follows it; nil when the bytes are no model path.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Bool)? {
        let count = bytes.count
        let prefixCount = prefix.count
        guard count > prefixCount else { return nil }
        for index in 0..<prefixCount where bytes[index] != prefix[index] { return nil }
        var end = prefixCount
        while end < count && bytes[end] != UInt8(ascii: "/") { end += 1 }
        if end == count { return (end, false) }
        guard end > prefixCount, count - end == invoke.count else { return nil }
        for index in 0..<invoke.count where bytes[end + index] != invoke[index] { return nil }
        return (end, true)
    }
}
