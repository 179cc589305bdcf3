/// The one error type that crosses from a model to the HTTP edge.
///
/// Every failure a client can cause, and every failure the server itself can hit, is a
/// `ServingError`: it carries the HTTP status to answer with, a stable machine-readable `code`
/// and a message that names the offending row, column or field. The router turns it into
/// `{"error": {"code": ..., "message": ...}}`; nothing else decides statuses.
public struct ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status the response carries (400, 406, 413, 415, 503, ...).
    public var status: Int
    /// A short snake_case identifier, stable across releases, for clients to branch on.
    public var code: String
    /// A sentence for a human, naming the row, column or field at fault.
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }
}

extension ServingError {
    /// 400: the payload could not be read as the declared content type, or a value is wrong.
    public static func invalidInput(_ message: String) -> ServingError {
        ServingError(status: 400, code: "invalid_input", message: message)
    }

    /// 400 naming a position in a batch: `row 3, column 2: "abc" is not a number`.
    ///
    /// Rows and columns are 1-based, as a person counts lines in a CSV file.
    public static func invalidInput(row: Int?, column: Int? = nil, field: String? = nil, _ problem: String) -> ServingError {
        let place = place(row: row, column: column, field: field)
        return .invalidInput(place.isEmpty ? problem : "\(place): \(problem)")
    }

    /// 400 for bytes that are not UTF-8: `invalid UTF-8 at byte 2 (row 1, column 1, field "distance")`.
    ///
    /// - Parameters:
    ///   - byte: the 0-based offset in the request body of the first byte of the ill-formed
    ///     sequence, as in the messages about malformed JSON.
    ///   - row: the 1-based record, when the body has several.
    ///   - column: the 1-based CSV column, for CSV.
    ///   - field: the schema column's name, when known.
    public static func invalidUTF8(at byte: Int, row: Int?, column: Int? = nil, field: String? = nil) -> ServingError {
        let place = place(row: row, column: column, field: field)
        return .invalidInput("invalid UTF-8 at byte \(byte)" + (place.isEmpty ? "" : " (\(place))"))
    }

    /// `row 3, column 2, field "distance"`, naming what is known.
    private static func place(row: Int?, column: Int?, field: String?) -> String {
        var parts: [String] = []
        if let row { parts.append("row \(row)") }
        if let column { parts.append("column \(column)") }
        if let field { parts.append("field \"\(field)\"") }
        return parts.joined(separator: ", ")
    }

    /// 415: the request's Content-Type is not one the model reads.
    public static func unsupportedMediaType(_ contentType: String, supported: [MediaType]) -> ServingError {
        ServingError(
            status: 415, code: "unsupported_media_type",
            message: "Content-Type \"\(contentType)\" is not supported; use one of: \(supported.map(\.description).joined(separator: ", "))")
    }

    /// 406: no type the client accepts is one the model writes.
    public static func notAcceptable(_ accept: String, supported: [MediaType]) -> ServingError {
        ServingError(
            status: 406, code: "not_acceptable",
            message: "Accept \"\(accept)\" cannot be met; this model writes: \(supported.map(\.description).joined(separator: ", "))")
    }

    /// 500: a fault inside the model or the server, never the client's input.
    public static func internalError(_ message: String) -> ServingError {
        ServingError(status: 500, code: "internal_error", message: message)
    }
}
