import Foundation
import ModelRuntimes
import Testing

/// Broken artifacts are refused at load time with a `ModelLoadError` naming the file and field.
@Suite struct ArtifactErrorTests {
    /// A valid two-feature, one-tree `binary:logistic` model, as a JSON object to break.
    static func model() -> [String: Any] {
        let tree: [String: Any] = [
            "tree_param": ["num_nodes": "3", "num_deleted": "0", "num_feature": "2", "size_leaf_vector": "1"],
            "id": 0,
            "left_children": [1, -1, -1], "right_children": [2, -1, -1], "parents": [2_147_483_647, 0, 0],
            "split_indices": [0, 0, 0], "split_conditions": [0.5, -1.0, 1.0], "default_left": [1, 0, 0],
            "split_type": [0, 0, 0], "categories": [Int](), "categories_nodes": [Int](),
            "categories_segments": [Int](), "categories_sizes": [Int](),
        ]
        return [
            "version": [3, 2, 0],
            "learner": [
                "feature_names": [String](), "feature_types": [String](),
                "learner_model_param": ["base_score": "[5E-1]", "num_class": "0", "num_feature": "2", "num_target": "1"],
                "objective": ["name": "binary:logistic"],
                "gradient_booster": [
                    "name": "gbtree",
                    "model": [
                        "gbtree_model_param": ["num_trees": "1", "num_parallel_tree": "1"],
                        "iteration_indptr": [0, 1], "tree_info": [0], "trees": [tree],
                    ],
                ],
            ],
        ]
    }

    /// Sets the value at a dotted path (`learner.objective.name`, `trees.0.left_children`).
    static func setting(_ path: String, to value: Any, in object: [String: Any]) -> [String: Any] {
        var keys = path.split(separator: ".").map(String.init)
        let key = keys.removeFirst()
        var copy = object
        if keys.isEmpty {
            copy[key] = value
        } else if let index = Int(keys[0]), var array = copy[key] as? [[String: Any]] {
            array[index] = setting(keys.dropFirst().joined(separator: "."), to: value, in: array[index])
            copy[key] = array
        } else {
            copy[key] = setting(keys.joined(separator: "."), to: value, in: copy[key] as? [String: Any] ?? [:])
        }
        return copy
    }

    static func load(_ document: [String: Any]) throws -> XGBoostModel {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let directory = try TemporaryModelDirectory(files: ["model.json": text])
        defer { directory.remove() }
        return try XGBoostModel.load("model.json", in: directory.directory)
    }

    static let treePath = "learner.gradient_booster.model.trees.0"

    static var brokenModels: [(path: String, value: Any, mentions: String)] {
        [
            ("learner.objective.name", "reg:gamma", "learner.objective.name"),
            ("learner.gradient_booster.name", "gblinear", "learner.gradient_booster.name"),
            ("learner.learner_model_param.num_target", "2", "learner.learner_model_param.num_target"),
            ("learner.learner_model_param.base_score", "[5E-1,2E-1]", "learner.learner_model_param.base_score"),
            ("learner.learner_model_param.base_score", "half", "learner.learner_model_param.base_score"),
            ("learner.learner_model_param.num_feature", "many", "learner.learner_model_param.num_feature"),
            ("version", [0, 9, 0], "field \"version\""),
            ("learner.gradient_booster.model.gbtree_model_param.num_trees", "2", "gbtree_model_param.num_trees"),
            ("learner.gradient_booster.model.tree_info", [1], "tree_info[0]"),
            ("learner.gradient_booster.model.iteration_indptr", [0, 2], "iteration_indptr"),
            (treePath + ".left_children", [1, -1], "trees[0].left_children\": has 2 entries, expected 3"),
            (treePath + ".split_conditions", [0.5, -1.0], "trees[0].split_conditions"),
            (treePath + ".left_children", [7, -1, -1], "trees[0].left_children[0]"),
            (treePath + ".right_children", [-3, -1, -1], "trees[0].right_children[0]"),
            (treePath + ".left_children", [1, 0, -1], "reached twice"),
            (treePath + ".right_children", [1, -1, -1], "trees[0].right_children[0]"),
            (treePath + ".split_indices", [2, 0, 0], "trees[0].split_indices[0]"),
            (treePath + ".default_left", [2, 0, 0], "trees[0].default_left[0]"),
            (treePath + ".split_type", [1, 0, 0], "trees[0].categories_nodes"),
            (treePath + ".tree_param.size_leaf_vector", "2", "trees[0].tree_param.size_leaf_vector"),
            (treePath + ".tree_param.num_nodes", "0", "trees[0].tree_param.num_nodes"),
            (treePath + ".id", 5, "trees[0].id"),
            ("learner.learner_model_param.num_feature", "0", "learner.learner_model_param.num_feature"),
        ]
    }

    @Test func theUnbrokenModelLoadsAndPredicts() throws {
        let model = try Self.load(Self.model())
        let rows = FeatureMatrix(values: [0.25, 0, 0.5, 0, .nan, 0], columnCount: 2)
        let (margins, _) = model.predict(rows, rowCount: 3)
        #expect(margins == [-1, 1, -1], "0.25 < 0.5 goes left, 0.5 goes right, NaN follows default_left")
    }

    @Test(arguments: 0..<brokenModels.count)
    func aBrokenModelIsRefusedNamingTheField(_ index: Int) throws {
        let broken = Self.brokenModels[index]
        let document = Self.setting(broken.path, to: broken.value, in: Self.model())
        let error = try #require(throws: ModelLoadError.self) { try Self.load(document) }
        #expect(error.file.hasSuffix("model.json"))
        #expect(error.problem.contains(broken.mentions), "\(broken.path): \(error.problem)")
    }

    @Test func malformedJSONNamesTheFileAndOffset() throws {
        let directory = try TemporaryModelDirectory(files: ["model.json": "{\"learner\": [1, 2"])
        defer { directory.remove() }
        let error = try #require(throws: ModelLoadError.self) { try XGBoostModel.load("model.json", in: directory.directory) }
        #expect(error.file.hasSuffix("model.json") && error.problem.contains("malformed JSON"))
    }

    /// The churn directory with one file replaced, loaded through the catalog.
    func churnWith(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> ModelLoadError {
        let source = Fixtures.modelDirectory("churn")
        var files: [String: String] = [:]
        for file in try source.fileNames() { files[file] = String(decoding: try source.read(file), as: UTF8.self) }
        var document = try JSONSerialization.jsonObject(with: Data(files[name]!.utf8)) as! [String: Any]
        edit(&document)
        files[name] = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let directory = try TemporaryModelDirectory(files: files)
        defer { directory.remove() }
        return try #require(throws: ModelLoadError.self) { _ = try HandlerRegistry.builtIn.load(directory.directory) }
    }

    @Test func brokenChurnDocumentsAreRefusedNamingFileAndField() throws {
        var error = try churnWith("churn-transform.json") { $0["features"] = ($0["features"] as! [String]).dropLast().map { $0 } }
        #expect(error.file.hasSuffix("churn-transform.json") && error.problem.contains("field \"features\""), "\(error)")
        error = try churnWith("churn-transform.json") { document in
            var columns = document["columns"] as! [[String: Any]]
            columns[1]["encoding"] = "log"
            document["columns"] = columns
        }
        #expect(error.problem.contains("columns[1].encoding"), "\(error)")
        error = try churnWith("churn-logreg.json") { $0["scale"] = [1.0] }
        #expect(error.file.hasSuffix("churn-logreg.json") && error.problem.contains("field \"scale\""), "\(error)")
        error = try churnWith("churn-rf.json") { document in
            var trees = document["trees"] as! [[String: Any]]
            trees[2]["children_left"] = [999] + (trees[2]["children_left"] as! [Int]).dropFirst()
            document["trees"] = trees
        }
        #expect(error.problem.contains("trees[2].children_left[0]"), "\(error)")
        error = try churnWith("churn-ensemble.json") { document in
            var members = document["members"] as! [[String: Any]]
            members[1]["file"] = "missing.json"
            document["members"] = members
        }
        #expect(error.file.hasSuffix("churn-ensemble.json") && error.problem.contains("members[1].file"), "\(error)")
        error = try churnWith("churn-logreg.json") { $0["features"] = Array(($0["features"] as! [String]).reversed()) }
        #expect(error.file.hasSuffix("churn-logreg.json") && error.problem.contains("features"), "\(error)")
        error = try churnWith("manifest.json") { $0["csv_output"] = "yes-no" }
        #expect(error.problem.contains("csv_output"), "\(error)")
    }

    @Test func aDirectoryWithoutManifestOrModelSaysWhatItFound() throws {
        let empty = try TemporaryModelDirectory(files: [:])
        defer { empty.remove() }
        #expect(throws: ModelLoadError.self) { _ = try HandlerRegistry.builtIn.load(empty.directory) }
        let two = try TemporaryModelDirectory(files: ["a.json": "{\"learner\": {}}", "b.json": "{\"learner\": {}}"])
        defer { two.remove() }
        let error = try #require(throws: ModelLoadError.self) { _ = try HandlerRegistry.builtIn.load(two.directory) }
        #expect(error.problem.contains("2 XGBoost JSON models"), "\(error)")
    }
}

/// Composite documents accept an XGBoost member saved without feature names when its length fits.
@Suite struct UnnamedXGBoostMemberTests {
    @Test func aPipelineAcceptsAnUnnamedBoosterOfTheRightWidth() throws {
        let source = Fixtures.modelDirectory("churn")
        var files: [String: String] = [:]
        for file in try source.fileNames() { files[file] = String(decoding: try source.read(file), as: UTF8.self) }
        var booster = try JSONSerialization.jsonObject(with: Data(files["churn-xgb.json"]!.utf8)) as! [String: Any]
        var learner = booster["learner"] as! [String: Any]
        learner["feature_names"] = [String]()
        booster["learner"] = learner
        files["churn-xgb.json"] = String(decoding: try JSONSerialization.data(withJSONObject: booster), as: UTF8.self)
        files["manifest.json"] = #"{"format": "swerve-model/v1", "name": "churn", "handler": "pipeline", "model": "churn-pipeline.json"}"#
        let directory = try TemporaryModelDirectory(files: files)
        defer { directory.remove() }
        let handler = try #require(try HandlerRegistry.builtIn.load(directory.directory).handler as? PipelineHandler)
        let row = "IA,168,408,363-1107,no,no,0,128.800000,96,21.900000,104.900000,71,8.920000,141.100000,128,6.350000,11.200000,2,3.020000,1"
        let answer = try TestSupport.invoke(handler, row, contentType: .csv, accept: .json)
        let golden = try #require(try Fixtures.churnExpected().first)["pipeline"]!
        let objects = try #require(try JSONValue.parse(Array(answer.utf8)).arrayValue)
        #expect(objects.first?["p_true"] == golden["p_true"], "\(answer)")
    }
}
