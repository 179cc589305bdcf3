import Foundation
import HTTPTestSupport

extension SwerveProcess {
    /// Starts `swerve serve --multi-model` (no model) and waits until it announces its port.
    static func serveMultiModel(extraArguments: [String] = [], environment: [String: String] = [:], flag: Bool = true) async throws -> SwerveProcess {
        try await offThePool {
            let server = try SwerveProcess(["serve", "--port", "0"] + (flag ? ["--multi-model"] : []) + extraArguments, environment: environment)
            try server.waitForPort()
            return server
        }
    }

    func pingStatus() async throws -> Int {
        let port = self.port
        return try await offThePool { try LoopbackClient.exchange(port: port, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").status }
    }
}

/// Runs blocking work (sockets, sleeps) on a thread of its own, so that a test waiting on a
/// server does not hold one of the few threads of Swift's cooperative pool, which the tests
/// running beside it need.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Model directories made for one test under a temporary folder (removed when it goes away):
/// copies of the shipped models and of the XGBoost test fixtures, and broken ones.
final class ModelFolders: @unchecked Sendable {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-mme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A copy of a shipped model (`real-estate`, `churn`) as `name`, laid out as SageMaker does
    /// (`.../{name}/model`).
    func shipped(_ model: String, as name: String) throws -> String {
        let target = root.appendingPathComponent(name).appendingPathComponent("model")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: SwerveProcess.model(model), toPath: target.path)
        return target.path
    }

    /// A bare XGBoost directory (no manifest) holding one of the XGBoost test fixtures.
    func xgboost(_ fixture: String = "binary-logistic", as name: String) throws -> String {
        let target = root.appendingPathComponent(name).appendingPathComponent("model")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let source = SwerveProcess.repositoryRoot.appendingPathComponent("Tests/ModelRuntimesTests/Fixtures/xgboost/\(fixture).json")
        try FileManager.default.copyItem(at: source, to: target.appendingPathComponent("model.json"))
        return target.path
    }

    /// A directory holding the given files.
    func directory(_ name: String, files: [String: String]) throws -> String {
        let target = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for (file, text) in files { try text.write(to: target.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        return target.path
    }
}

/// The multi-model API over loopback, one new connection per call, off the cooperative pool.
struct ModelAPI: Sendable {
    let port: Int

    func load(_ name: String, url: String) async throws -> TestResponse {
        try await post("/models", json(["model_name": name, "url": url]))
    }

    func post(_ path: String, _ body: String, contentType: String = "application/json", headers: String = "") async throws -> TestResponse {
        try await exchange(invocationRequest(body, contentType: contentType, extraHeaders: headers, path: path))
    }

    func get(_ path: String) async throws -> TestResponse {
        try await exchange("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
    }

    func delete(_ name: String) async throws -> TestResponse {
        try await exchange("DELETE /models/\(name) HTTP/1.1\r\nHost: x\r\n\r\n")
    }

    func invoke(_ name: String, _ body: String, contentType: String = "application/json", headers: String = "") async throws -> TestResponse {
        try await post("/models/\(name)/invoke", body, contentType: contentType, headers: headers)
    }

    func exchange(_ request: String) async throws -> TestResponse {
        let port = self.port
        return try await offThePool {
            let client = try LoopbackClient(port: port, timeout: 60)
            try client.send(request)
            return try client.response()
        }
    }

    /// The names of one `GET /models` page and its token.
    func list(_ query: String = "") async throws -> (names: [String], token: String?, status: Int) {
        let response = try await get("/models" + query)
        guard response.status == 200, let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            return ([], nil, response.status)
        }
        let models = object["models"] as? [[String: Any]] ?? []
        return (models.compactMap { $0["modelName"] as? String }, object["nextPageToken"] as? String, response.status)
    }

    func metrics() async throws -> PrometheusText {
        try PrometheusText(try await get("/metrics").body)
    }

    func json(_ fields: [String: String]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// A field of a JSON object body.
func jsonField(_ body: String, _ name: String) -> Any? {
    (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?[name]
}

/// Polls `condition` for up to `seconds`.
func waitFor(_ seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return false
}
