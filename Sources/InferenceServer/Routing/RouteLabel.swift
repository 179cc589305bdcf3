/// Which route answered a request: the `route` label of request metrics and access logs.
///
/// A closed set, so that no client can create label values by inventing paths.
public enum RouteLabel: Int, Sendable, CaseIterable {
    case invocations, ping, executionParameters, metrics, other

    /// The label value.
    public var name: String {
        switch self {
        case .invocations: "/invocations"
        case .ping: "/ping"
        case .executionParameters: "/execution-parameters"
        case .metrics: "/metrics"
        case .other: "other"
        }
    }

    /// The route a path names (compared as bytes: this runs for every request).
    init(path: Substring) {
        let utf8 = path.utf8
        switch utf8.count {
        case 12 where utf8.elementsEqual("/invocations".utf8): self = .invocations
        case 5 where utf8.elementsEqual("/ping".utf8): self = .ping
        case 21 where utf8.elementsEqual("/execution-parameters".utf8): self = .executionParameters
        case 8 where utf8.elementsEqual("/metrics".utf8): self = .metrics
        default: self = Self.isRuntimeInvocationPath(path) ? .invocations : .other
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
