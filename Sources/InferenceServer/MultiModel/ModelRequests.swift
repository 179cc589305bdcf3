import ModelRuntimes
import NIOCore

/// What the multi-model API reads from requests: the body of `POST /models`, model names, and
/// the paging parameters of `GET /models`. Every problem is a 400 naming the field.
enum ModelRequests {
    /// Longest model name accepted.
    static let maximumNameLength = 256
    /// Default and largest page of `GET /models`.
    static let defaultPageSize = 100, maximumPageSize = 1000

    /// `{"model_name": "...", "url": "..."}`, as SageMaker sends it.
    struct Load: Equatable {
        var name: String
        var url: String
    }

    static func load(from body: ByteBuffer) throws(ServingError) -> Load {
        let document: JSONValue
        do {
            document = try body.withUnsafeReadableBytes { try JSONValue.parse($0) }
        } catch {
            throw .invalidModelRequest("the body is not JSON (\(error)); send {\"model_name\": \"...\", \"url\": \"/opt/ml/models/.../model\"}")
        }
        guard let object = document.objectValue else {
            throw .invalidModelRequest("the body must be a JSON object {\"model_name\": \"...\", \"url\": \"...\"}")
        }
        let name = try string("model_name", in: object)
        try validate(name: name, field: "field \"model_name\"")
        let url = try string("url", in: object)
        return Load(name: name, url: url)
    }

    /// A model name SageMaker and a URL path can both carry: letters, digits, `_`, `-` and `.`,
    /// starting with a letter or digit (MMS's rule), at most 256 characters.
    static func validate(name: some StringProtocol, field: String) throws(ServingError) {
        let bytes = Array(name.utf8)
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."): !first
            default: false
            }
        }
        guard !bytes.isEmpty, bytes.count <= maximumNameLength, allowed(bytes[0], first: true),
            bytes.dropFirst().allSatisfy({ allowed($0, first: false) })
        else {
            throw .invalidModelRequest(
                "\(field): \"\(name)\" is not a model name: use 1 to \(maximumNameLength) letters, digits, '_', '-' or '.', starting with a letter or digit"
            )
        }
    }

    /// The paging of `GET /models?next_page_token=...&limit=...`: where to continue (nil: the
    /// start) and the page size.
    static func page(uri: String) throws(ServingError) -> (after: String?, limit: Int) {
        var after: String?
        var limit = defaultPageSize
        guard let question = uri.firstIndex(of: "?") else { return (nil, limit) }
        for pair in uri[uri.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? percentDecoded(parts[1]) : ""
            switch parts[0] {
            case "next_page_token":
                guard !value.isEmpty else { continue }
                try validate(name: value, field: "next_page_token")
                after = value
            case "limit":
                guard let number = Int(value), (1...maximumPageSize).contains(number) else {
                    throw .invalidModelRequest("limit: \"\(value)\" is not a whole number from 1 to \(maximumPageSize)")
                }
                limit = number
            default:
                continue
            }
        }
        return (after, limit)
    }

    private static func string(_ field: String, in object: JSONObject) throws(ServingError) -> String {
        guard let value = object[field] else { throw .invalidModelRequest("field \"\(field)\" is missing") }
        guard let text = value.stringValue, !text.isEmpty else { throw .invalidModelRequest("field \"\(field)\" must be a non-empty string") }
        return text
    }

    /// `%XX` escapes and `+` decoded (query strings); a malformed escape is kept as it is.
    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
                let low = utf8.index(high, offsetBy: 1, limitedBy: utf8.endIndex), low < utf8.endIndex,
                let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index = utf8.index(after: low)
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = utf8.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
