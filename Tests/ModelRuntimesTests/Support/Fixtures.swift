import Foundation
import ModelRuntimes

/// Test inputs: golden vectors bundled as resources, and the repository's shipped model artifacts.
enum Fixtures {
    /// Text of a bundled fixture, e.g. `golden/churn-expected.csv`.
    static func text(_ path: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil) else {
            throw FixtureError.missing(path)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Lines of a bundled CSV fixture, split on commas, without the header.
    static func csvRows(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let lines = try text(path).split(separator: "\n", omittingEmptySubsequences: true)
        let split = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (split[0], Array(split.dropFirst()))
    }

    /// A shipped model directory, e.g. `churn`.
    static func modelDirectory(_ name: String) -> ModelDirectory { TestSupport.modelDirectory(name) }

    /// The golden churn requests as a CSV body (no header), one request per line.
    static func churnRequestBody() throws -> String {
        let lines = try text("golden/churn-requests.csv").split(separator: "\n", omittingEmptySubsequences: true)
        return lines.dropFirst().joined(separator: "\n") + "\n"
    }

    /// The golden `churn-expected.jsonl` records.
    static func churnExpected() throws -> [JSONValue] {
        try text("golden/churn-expected.jsonl").split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
    }

    /// A bundled fixture directory (e.g. `xgboost`).
    static func fixtureDirectory(_ name: String) throws -> ModelDirectory {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            throw FixtureError.missing(name)
        }
        return ModelDirectory(path: url.path)
    }

    /// `0x3e1424ee` as a bit pattern.
    static func bits(_ text: String) -> UInt32? {
        UInt32(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }

    /// The golden churn feature rows as one row-major Double matrix (empty field = NaN).
    static func churnFeatures() throws -> (values: [Double], columns: Int, rows: Int) {
        let (header, rows) = try csvRows("golden/churn-xgb-features.csv")
        let values = rows.flatMap { row in row.map { $0.isEmpty ? Double.nan : Double($0)! } }
        return (values, header.count, rows.count)
    }
}

enum FixtureError: Error {
    case missing(String)
}

/// A scratch directory with the given files, removed by the caller with `remove()`.
struct TemporaryModelDirectory {
    let url: URL

    init(files: [String: String]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, contents) in files {
            try contents.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    var directory: ModelDirectory { ModelDirectory(path: url.path) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
