import Foundation
import HTTPTestSupport
import Testing

@Suite("swerve predict, offline scoring with the server's codecs")
struct PredictCommandTests {
    /// Runs `swerve predict` off the cooperative pool (it waits for the process).
    private func predict(_ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, output: String, error: String) {
        try await offThePool { try Self.predictBlocking(arguments, stdin: stdin) }
    }

    private static func predictBlocking(_ arguments: [String], stdin: String?) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = SwerveProcess.executable
        process.arguments = ["predict"] + arguments
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test("stdin to stdout, and a file whose extension names its type")
    func realEstate() async throws {
        let model = SwerveProcess.model("real-estate")
        let csv = try await predict(["--model-dir", model, "--content-type", "text/csv"], stdin: "150\n1000\n")
        #expect(csv.status == 0)
        #expect(csv.output == "50.3\n33.38\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-predict-\(UUID().uuidString).json")
        try #"[{"distance": 150}]"#.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let json = try await predict(["--model-dir", model, "--input", file.path])
        #expect(json.output == #"[{"cost":50.3}]"#)
        let asCSV = try await predict(["--model-dir", model, "--input", file.path, "--accept", "text/csv"])
        #expect(asCSV.output == "50.3\n")
    }

    @Test("a missing input file is reported as an input problem, not a model problem")
    func missingInputFile() async throws {
        let result = try await predict(["--model-dir", SwerveProcess.model("real-estate"), "--input", "/nonexistent/rows.csv"])
        #expect(result.status == 1)
        #expect(result.error == "swerve: cannot read the input file /nonexistent/rows.csv: No such file or directory\n")
    }

    @Test("bad input exits 1 with the server's message")
    func badInput() async throws {
        let result = try await predict(["--model-dir", SwerveProcess.model("real-estate"), "--content-type", "text/csv"], stdin: "150\nabc\n")
        #expect(result.status == 1)
        #expect(result.error.contains(#"row 2, column 1, field "distance": "abc" is not a number"#))
        #expect(result.output.isEmpty)
    }

    /// Fuzz finding 1 (RELIABILITY.md): the CSV decoder reserved 19 numbers per line end before
    /// reading a field, so 6 MB of short lines made churn reserve 456 MB (peak RSS 257 MB before
    /// the fix, 58 MB after).
    @Test(
        "6 MB of short lines is refused at the first row without reserving memory per line",
        .disabled(if: Sanitizer.isActive, "a peak-RSS bound: a sanitizer's shadow memory and quarantine add hundreds of MB"))
    func shortLinesDoNotReserveMemoryPerLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-short-lines-\(UUID().uuidString).csv")
        try String(repeating: "1\n", count: 3_000_000).write(to: file, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let path = file.path
        let run = try await offThePool { try MeasuredRun(["predict", "--model-dir", SwerveProcess.model("churn"), "--input", path]) }
        #expect(run.status == 1)
        #expect(run.standardError.contains("row 1: expected 20 columns, found 1"), "\(run.standardError)")
        #expect(run.peakResidentBytes < 150_000_000, "peak RSS \(run.peakResidentBytes / 1_000_000) MB")
    }
}
