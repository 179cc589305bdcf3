import Foundation
import Testing

@testable import ModelRuntimes

/// A model of the test's own: answers every row with the manifest's `constant`.
struct ConstantHandler: TabularModelHandler {
    let constant: Double
    var inputSchema: TabularSchema { TabularSchema(columns: [.init(name: "x", kind: .number, isRequired: true)]) }

    static func load(from artifacts: ModelArtifacts) throws -> ConstantHandler {
        ConstantHandler(constant: try artifacts.settings.double("constant"))
    }

    func predictTable(_ batch: TabularBatch, context: InvocationContext) throws -> PredictionTable {
        PredictionTable(
            rowCount: batch.rowCount, fields: [.init(name: "y", values: .double(Array(repeating: constant, count: batch.rowCount), decimals: nil))])
    }
}

/// An ensemble member format of the test's own: p(positive) = the file's `p` for every row.
struct FixedProbabilityModel: ProbabilityModel {
    let p: Double
    let featureNames: [String]
    func reads(_ features: [String]) -> Bool { true }
    func probabilities(_ features: FeatureMatrix, rows: Range<Int>, into output: UnsafeMutablePointer<Double>) {
        for index in 0..<rows.count { output[index] = p }
    }
}

@Suite("One open registry for handlers and ensemble members")
struct HandlerRegistryTests {
    @Test("a manifest names a handler registered from outside the package")
    func userHandler() throws {
        var registry = HandlerRegistry.builtIn
        registry.register(ConstantHandler.self, as: "constant")
        let directory = try TemporaryModelDirectory(files: [
            "manifest.json": #"{"format": "swerve-model/v1", "name": "seven", "handler": "constant", "constant": 7.5}"#
        ])
        defer { directory.remove() }
        let loaded = try registry.load(directory.directory)
        #expect(loaded.name == "seven")
        let handler = try #require(loaded.handler as? ConstantHandler)
        #expect(try TestSupport.invoke(handler, "1\n2\n", contentType: .csv, accept: .csv) == "7.5\n7.5\n")
    }

    @Test("an unknown handler names the ones that are registered")
    func unknownHandler() throws {
        let directory = try TemporaryModelDirectory(files: [
            "manifest.json": #"{"format": "swerve-model/v1", "name": "seven", "handler": "constant", "constant": 7.5}"#
        ])
        defer { directory.remove() }
        let error = try #require(throws: ModelLoadError.self) { _ = try HandlerRegistry.builtIn.load(directory.directory) }
        #expect(error.problem == #"field "handler": unknown handler "constant" (registered: ensemble, linear-regression, pipeline, xgboost)"#)
    }

    @Test("ensemble members are loaded through the same registry, including formats registered from outside")
    func userMemberFormat() throws {
        var registry = HandlerRegistry.builtIn
        registry.register(classifierFormat: "fixed/v1", stageName: "fixed") { file, artifacts in
            let document = try ArtifactObject.read(file, in: artifacts.directory)
            return FixedProbabilityModel(p: try document.double("p"), featureNames: [])
        }
        let churn = TestSupport.modelDirectory("churn")
        var ensemble =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: churn.url("churn-ensemble.json")))) as! [String: Any]
        ensemble["members"] = [["format": "fixed/v1", "file": "fixed.json"]]
        ensemble.removeValue(forKey: "combine")
        ensemble["combine"] = ["method": "mean"]
        let directory = try TemporaryModelDirectory(files: [
            "manifest.json":
                #"{"format": "swerve-model/v1", "name": "fixed", "handler": "ensemble", "model": "ensemble.json", "csv_output": "probability"}"#,
            "ensemble.json": String(decoding: try JSONSerialization.data(withJSONObject: ensemble), as: UTF8.self),
            "fixed.json": #"{"p": 0.25}"#,
            "churn-transform.json": try String(contentsOfFile: churn.url("churn-transform.json"), encoding: .utf8),
        ])
        defer { directory.remove() }
        let handler = try #require(try registry.load(directory.directory).handler as? EnsembleHandler)
        #expect(handler.stageNames == ["transform", "fixed", "label"])
        let row = "AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"
        #expect(try TestSupport.invoke(handler, row, contentType: .csv, accept: .csv) == "0.25\n")
        let error = try #require(throws: ModelLoadError.self) { _ = try HandlerRegistry.builtIn.load(directory.directory) }
        #expect(
            error.problem.contains(
                #"unknown model format "fixed/v1" (registered: logistic-regression/v1, random-forest-classifier/v1, xgboost-json)"#), "\(error)")
    }

    @Test("the manifest's sample request, else the handler's default, is what health checks send")
    func samples() throws {
        let realEstate = try HandlerRegistry.builtIn.load(TestSupport.modelDirectory("real-estate"))
        #expect(realEstate.sample == SampleRequest(contentType: "application/json", body: Array(#"{"distance": 150}"#.utf8)))
        let bare = try TemporaryCopy.directory(with: "binary-logistic.json")
        let xgboost = try HandlerRegistry.builtIn.load(bare)
        #expect(xgboost.sample?.contentType == "text/csv")
    }
}
