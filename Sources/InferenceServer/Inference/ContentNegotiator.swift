import ModelRuntimes

/// Decides, per request, which codec reads the body (415 if none) and which writes the answer
/// (406 if none), from the model's declared types and SageMaker's conventions.
///
/// - A missing Content-Type means the model's first input type.
/// - A missing Accept, or `*/*`, means `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT` if set, else the
///   request's own type when the model writes it, else the model's first output type.
/// - Otherwise the Accept list is honoured in q-value order (`text/*` and `*/*` ranges included);
///   `q=0` excludes a type.
public struct ContentNegotiator: Sendable {
    public let inputTypes: [MediaType]
    public let outputTypes: [MediaType]
    public let defaultAccept: MediaType?

    /// Fails when `defaultAccept` names a type the model cannot write.
    public init(inputTypes: [MediaType], outputTypes: [MediaType], defaultAccept: String?) throws {
        precondition(!inputTypes.isEmpty && !outputTypes.isEmpty, "a model reads and writes at least one type")
        self.inputTypes = inputTypes.map(\.canonical)
        self.outputTypes = outputTypes.map(\.canonical)
        if let defaultAccept {
            guard let type = MediaType(parsing: defaultAccept)?.canonical, self.outputTypes.contains(type) else {
                throw ConfigurationError(
                    name: "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT",
                    problem: "\"\(defaultAccept)\" is not a type this model writes (\(outputTypes.map(\.essence).joined(separator: ", ")))")
            }
            self.defaultAccept = type
        } else {
            self.defaultAccept = nil
        }
    }

    /// The input type for a Content-Type header value.
    public func contentType(for header: String?) throws -> MediaType {
        guard let header, !header.isEmpty else { return inputTypes[0] }
        if let exact = inputTypes.first(where: { $0.essence == header }) { return exact }
        guard let parsed = MediaType(parsing: header) else {
            throw ServingError.unsupportedMediaType(header, supported: inputTypes)
        }
        let type = parsed.canonical
        guard inputTypes.contains(type) else { throw ServingError.unsupportedMediaType(parsed.essence, supported: inputTypes) }
        if let charset = parsed.parameter("charset")?.lowercased(), !["utf-8", "utf8", "us-ascii"].contains(charset) {
            throw ServingError.unsupportedCharset(charset)
        }
        return type
    }

    /// The output type for an Accept header value, given the request's input type.
    public func accept(for header: String?, requestType: MediaType) throws -> MediaType {
        let fallback = defaultAccept ?? (outputTypes.contains(requestType) ? requestType : outputTypes[0])
        guard let header, !header.isEmpty, header != "*/*" else { return fallback }
        if let exact = outputTypes.first(where: { $0.essence == header }) { return exact }
        var ranges: [(type: MediaType, quality: Double)] = []
        var excluded: [MediaType] = []  // named with q=0: never chosen, even through a wildcard
        for item in header.split(separator: ",") {
            guard let range = MediaType(parsing: item) else { continue }
            let quality = range.parameter("q").flatMap(Double.init) ?? 1
            if quality > 0 { ranges.append((range, quality)) } else { excluded.append(range.canonical) }
        }
        let allowed = outputTypes.filter { !excluded.contains($0) }
        for (range, _) in ranges.enumerated().sorted(by: { ($0.element.quality, -$0.offset) > ($1.element.quality, -$1.offset) }).map(\.element) {
            if range.subtype == "*" {
                if range.covers(fallback), allowed.contains(fallback) { return fallback }
                if let match = allowed.first(where: { range.covers($0) }) { return match }
            } else if allowed.contains(range.canonical) {
                return range.canonical
            }
        }
        throw ServingError.notAcceptable(header, supported: outputTypes)
    }
}
