import NIOCore

/// The ways a request head can leave its body's length ambiguous (the ground of request
/// smuggling between a proxy and a server that read it differently), each with the message of
/// the 400 that refuses it; and the diagnosis that finds which one a head NIO refused has.
///
/// NIO's parser (llhttp, strict) refuses every one of them, but reports several as
/// `HTTPParserError.unknown` or a generic "invalid character in header". `diagnose` looks at the
/// bytes of the refused head only after NIO has refused it, to name the problem; it never
/// decides whether a request is accepted (all parsing of HTTP is NIO's).
enum FramingProblem {
    static let lengthAndTransferEncoding = "both Content-Length and Transfer-Encoding: the body's length is ambiguous"
    static let bareLF = "a line of the request head ends in a bare LF: lines end in CR LF"
    static let obsFold = "a header line starts with a space or tab (obsolete line folding is not accepted)"

    static func repeatedLength(_ count: Int) -> String {
        "Content-Length sent \(count) times: the body's length is ambiguous"
    }

    static func differentLengths(_ first: Substring, _ second: Substring) -> String {
        "two different Content-Length values (\(first.prefix(20)) and \(second.prefix(20))): the body's length is ambiguous"
    }

    static func invalidLength(_ value: Substring) -> String {
        "Content-Length \"\(value.prefix(40))\" is not a number of bytes"
    }

    static func unsupportedTransferEncoding(_ value: Substring) -> String {
        "Transfer-Encoding \"\(value.prefix(64))\" is not supported: send chunked alone, or Content-Length"
    }

    static func repeatedTransferEncoding(_ count: Int) -> String {
        "Transfer-Encoding sent \(count) times: send chunked once, or Content-Length"
    }

    static func spaceBeforeColon(_ name: Substring) -> String {
        "whitespace between the header name \"\(name.prefix(40))\" and its colon"
    }

    /// True for a Transfer-Encoding of `chunked` alone (any case, surrounding blanks allowed).
    static func isChunkedAlone(_ value: Substring) -> Bool {
        value.trimmingBlanks.lowercased() == "chunked"
    }

    /// The framing problem in the head at the start of `bytes` (from the request line or a later
    /// line of it, as NIO's decoder holds it), or nil when none of the above is there.
    static func diagnose(_ bytes: ByteBufferView) -> String? {
        let head = Array(bytes.prefix(64 * 1024))
        // The head ends at its first empty line (either line ending); a body is not looked at.
        var end = head.count
        var index = 0
        while index < head.count {
            if head[index] == 0x0A {
                let next = index + 1
                if next < head.count, head[next] == 0x0A {
                    end = next + 1
                    break
                }
                if next + 1 < head.count, head[next] == 0x0D, head[next + 1] == 0x0A {
                    end = next + 2
                    break
                }
            }
            index += 1
        }
        let section = head[..<end]
        for index in section.indices.dropFirst() where section[index] == 0x0A && section[index - 1] != 0x0D {
            return bareLF
        }
        let text = String(decoding: section, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
        var lengths: [Substring] = []
        var encodings: [Substring] = []
        for (number, line) in lines.enumerated() {
            if number > 0, let first = line.first, first == " " || first == "\t" { return obsFold }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon]
            if let last = name.last, last == " " || last == "\t" { return spaceBeforeColon(name.trimmingBlanks) }
            let value = line[line.index(after: colon)...].trimmingBlanks
            switch name.lowercased() {
            case "content-length": lengths.append(value)
            case "transfer-encoding": encodings.append(value)
            default: continue
            }
        }
        if !lengths.isEmpty, !encodings.isEmpty { return lengthAndTransferEncoding }
        if lengths.count > 1 {
            if let different = lengths.first(where: { $0 != lengths[0] }) { return differentLengths(lengths[0], different) }
            return repeatedLength(lengths.count)
        }
        if let length = lengths.first, length.isEmpty || !length.allSatisfy(\.isASCIIDigit) { return invalidLength(length) }
        if encodings.count > 1 { return repeatedTransferEncoding(encodings.count) }
        if let encoding = encodings.first, !isChunkedAlone(encoding) { return unsupportedTransferEncoding(encoding) }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Substring {
    /// Without the spaces and tabs at either end.
    fileprivate var trimmingBlanks: Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
