import Foundation
import ModelRuntimes
import Testing

/// Small models of every supported objective (made by scripts/make_xgboost_fixtures.py) against
/// xgboost 3.2.0's own float32 margins and outputs, including rows on split thresholds, doubles
/// that equal a threshold only in float32, missing values and odd category codes.
@Suite struct XGBoostObjectiveTests {
    static let models = [
        "binary-logistic", "binary-logitraw-categorical", "reg-squarederror-scalar-base",
        "reg-logistic", "multi-softprob-categorical", "multi-softmax-scalar-base",
    ]

    /// A fixture's model, its input rows (as written, empty = missing) and expected bits.
    struct Case {
        let model: XGBoostModel
        let inputText: [[String]]
        let inputs: FeatureMatrix
        let margins: [[UInt32]]
        let outputs: [[UInt32]]

        init(_ name: String) throws {
            let directory = try Fixtures.fixtureDirectory("xgboost")
            model = try XGBoostModel.load("\(name).json", in: directory)
            let (header, rows) = try Fixtures.csvRows("xgboost/\(name).csv")
            let features = header.filter { $0.hasPrefix("f") }.count
            let marginCount = header.filter { $0.hasPrefix("margin_") }.count
            inputText = rows.map { Array($0[0..<features]) }
            inputs = FeatureMatrix(values: inputText.flatMap { $0.map { $0.isEmpty ? .nan : Double($0)! } }, columnCount: features)
            margins = rows.map { $0[features..<(features + marginCount)].map { Fixtures.bits($0)! } }
            outputs = rows.map { $0[(features + marginCount)...].map { Fixtures.bits($0)! } }
        }
    }

    @Test(arguments: models)
    func marginsAndOutputsAreBitIdenticalToXGBoost(_ name: String) throws {
        let fixture = try Case(name)
        let model = fixture.model
        #expect(model.featureCount == fixture.inputs.columnCount)
        let (margins, outputs) = model.predict(fixture.inputs, rowCount: fixture.inputs.rowCount)
        for row in 0..<fixture.inputs.rowCount {
            let gotMargins = margins[(row * model.groupCount)..<((row + 1) * model.groupCount)].map(\.bitPattern)
            let gotOutputs = outputs[(row * model.outputsPerRow)..<((row + 1) * model.outputsPerRow)].map(\.bitPattern)
            #expect(gotMargins == fixture.margins[row], "\(name) row \(row) margins")
            #expect(gotOutputs == fixture.outputs[row], "\(name) row \(row) outputs")
        }
    }

    @Test(arguments: models)
    func aBareModelDirectoryServesCSVWithShortestFloatText(_ name: String) throws {
        let fixture = try Case(name)
        let loaded = try HandlerRegistry.builtIn.load(try TemporaryCopy.directory(with: "\(name).json"))
        #expect(loaded.name == name)
        let handler = try #require(loaded.handler as? XGBoostHandler)
        let body = fixture.inputText.map { $0.joined(separator: ",") }.joined(separator: "\n")
        let answer = try TestSupport.invoke(handler, body, contentType: .csv, accept: .csv)
        let lines = answer.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == fixture.inputText.count)
        for (row, line) in lines.enumerated() {
            let values = line.split(separator: ",").map(String.init)
            if handler.model.objective == .multiSoftmax {
                #expect(values.map { Float($0)!.bitPattern } == fixture.outputs[row], "\(name) row \(row)")
            } else {
                #expect(values.map { Float($0)!.bitPattern } == fixture.outputs[row], "\(name) row \(row): \(line)")
            }
        }
    }

    @Test(arguments: ["refused-dart.json", "refused-gblinear.json"])
    func otherBoostersAreRefusedNamingTheField(_ file: String) throws {
        let directory = try Fixtures.fixtureDirectory("xgboost")
        let error = try #require(throws: ModelLoadError.self) { try XGBoostModel.load(file, in: directory) }
        #expect(error.problem.contains("learner.gradient_booster.name"), "\(error)")
    }
}

/// A scratch model directory holding copies of fixture files.
enum TemporaryCopy {
    static func directory(with files: String...) throws -> ModelDirectory {
        let source = try Fixtures.fixtureDirectory("xgboost")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-xgb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for file in files {
            try FileManager.default.copyItem(atPath: source.url(file), toPath: url.appendingPathComponent(file).path)
        }
        return ModelDirectory(path: url.path)
    }
}
