import Foundation

/// Where request bodies come from: `--body TEXT`, `--body @FILE` (the whole file is one body) or
/// `--body-file FILE` (one body per line, cycled in order; blank lines are skipped).
///
/// Exists so a load test can replay a realistic mix of payloads (many rows, many shapes) instead of
/// one request repeated, without reading files on the hot path: everything is loaded up front.
public enum BodySource {
    /// The most bodies a `--body-file` may hold, and the most bytes all bodies may total.
    public static let maximumBodies = 1_000_000
    public static let maximumTotalBytes = 512 * 1024 * 1024

    /// Resolves the two flags into a list of bodies (empty when neither is given).
    public static func load(body: String?, bodyFile: String?) throws(LoadTestError) -> [[UInt8]] {
        switch (body, bodyFile) {
        case (.some, .some):
            throw LoadTestError(option: "--body-file", "give either --body or --body-file, not both")
        case (.some(let text), nil):
            if text.hasPrefix("@") { return [try self.read(String(text.dropFirst()), option: "--body")] }
            return [Array(text.utf8)]
        case (nil, .some(let path)):
            let bodies = self.lines(of: try self.read(path, option: "--body-file"))
            guard !bodies.isEmpty else { throw LoadTestError(option: "--body-file", "'\(path)' holds no non-blank line") }
            guard bodies.count <= self.maximumBodies else {
                throw LoadTestError(option: "--body-file", "'\(path)' has \(bodies.count) lines; the limit is \(self.maximumBodies)")
            }
            return bodies
        case (nil, nil):
            return []
        }
    }

    /// Splits a file into its non-blank lines, without their `\n` or `\r\n` terminators.
    static func lines(of bytes: [UInt8]) -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        for var line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) { bodies.append(Array(line)) }
        }
        return bodies
    }

    private static func read(_ path: String, option: String) throws(LoadTestError) -> [UInt8] {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= self.maximumTotalBytes else {
            throw LoadTestError(option: option, "'\(path)' is \(size) bytes; the limit is \(self.maximumTotalBytes)")
        }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw LoadTestError(option: option, "cannot read '\(path)': \(error.localizedDescription)")
        }
    }
}
