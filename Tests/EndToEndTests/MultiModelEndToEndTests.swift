import Foundation
import HTTPTestSupport
import Testing

/// SageMaker's multi-model container contract against the real binary: every status code of
/// `/models`, paging, concurrency, the memory budget, eviction and the metric label bound.
@Suite("Multi-model endpoints, over HTTP against the real process", .serialized)
struct MultiModelEndToEndTests {
    static let churnRow = "AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"

    @Test("SAGEMAKER_MULTI_MODEL=true starts with no model: /ping 200 at once, an empty list, /invocations 404")
    func startsEmpty() async throws {
        // No --multi-model flag, and SM_MODEL_DIR names nothing: nothing may be loaded at start.
        let server = try await SwerveProcess.serveMultiModel(
            environment: ["SAGEMAKER_MULTI_MODEL": "true", "SM_MODEL_DIR": "/nonexistent"], flag: false)
        let api = ModelAPI(port: server.port)
        #expect(try await server.pingStatus() == 200)
        let empty = try await api.get("/models")
        #expect(empty.status == 200)
        #expect(empty.body == #"{"models":[]}"#)
        let invocation = try await api.post("/invocations", #"{"distance": 150}"#)
        #expect(invocation.status == 404)
        #expect(invocation.body.contains("/models/{name}/invoke"))
        #expect(try await api.get("/models/nothing").status == 404)
        #expect(try await api.invoke("nothing", "{}").status == 404)
        #expect(try await api.delete("nothing").status == 404)
        #expect(try await api.get("/execution-parameters").status == 200)
    }

    @Test("load, list, describe, invoke with /invocations' negotiation, unload: 200, 409, 404")
    func lifecycle() async throws {
        let folders = try ModelFolders()
        let url = try folders.shipped("real-estate", as: "homes")
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)

        let loaded = try await api.load("homes", url: url)
        #expect(loaded.status == 200)
        #expect(jsonField(loaded.body, "modelName") as? String == "homes")
        #expect(jsonField(loaded.body, "modelUrl") as? String == url)
        let again = try await api.load("homes", url: url)
        #expect(again.status == 409)
        #expect(again.body.contains(#""code":"model_already_loaded""#))

        let list = try await api.list()
        #expect(list.names == ["homes"])
        #expect(list.token == nil)
        let described = try await api.get("/models/homes")
        #expect(described.status == 200)
        #expect(jsonField(described.body, "modelUrl") as? String == url)
        #expect((jsonField(described.body, "memoryBytes") as? Int ?? -1) >= 0)

        // The same answers, content types and errors as /invocations.
        #expect(try await api.invoke("homes", #"{"distance": 150}"#).body == #"{"cost":50.3}"#)
        let csv = try await api.invoke("homes", "150\n1000\n", contentType: "text/csv")
        #expect(csv.body == "50.3\n33.38\n")
        #expect(csv.header("content-type") == "text/csv")
        #expect(try await api.invoke("homes", #"{"distance": 150}"#, headers: "Accept: text/csv\r\n").body == "50.3\n")
        #expect(try await api.invoke("homes", "x", contentType: "application/x-npy").status == 415)
        #expect(try await api.invoke("homes", #"{"distance": 150}"#, headers: "Accept: image/png\r\n").status == 406)
        let bad = try await api.invoke("homes", "150\nabc\n", contentType: "text/csv")
        #expect(bad.status == 400)
        #expect(bad.body.contains("row 2"))
        let targeted = try await api.invoke("homes", #"{"distance": 150}"#, headers: "X-Amzn-SageMaker-Target-Model: homes-v7.tar.gz\r\n")
        #expect(targeted.status == 200)
        #expect(try await waitFor { server.standardOutput.contains("homes-v7.tar.gz") }, "the target model is logged")

        let unloaded = try await api.delete("homes")
        #expect(unloaded.status == 200)
        #expect(jsonField(unloaded.body, "modelName") as? String == "homes")
        #expect(try await api.delete("homes").status == 404)
        #expect(try await api.invoke("homes", #"{"distance": 150}"#).status == 404)
        #expect(try await api.get("/models/homes").status == 404)
        #expect(try await api.list().names.isEmpty)
        #expect(try await api.load("homes", url: url).status == 200, "the name is free again")
        #expect(try await api.invoke("homes", #"{"distance": 150}"#).body == #"{"cost":50.3}"#)
    }

    @Test("custom attributes reach the model behind /models/{name}/invoke")
    func customAttributes() async throws {
        let folders = try ModelFolders()
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)
        #expect(try await api.load("churn-a", url: try folders.shipped("churn", as: "churn-a")).status == 200)
        #expect(try await api.invoke("churn-a", Self.churnRow, contentType: "text/csv").body == "1\n")
        let probability = try await api.invoke(
            "churn-a", Self.churnRow, contentType: "text/csv", headers: "X-Amzn-SageMaker-Custom-Attributes: output=probability\r\n")
        #expect(probability.body == "0.6940607934441698\n")
    }

    @Test("bad loads: 404 for a missing directory, 400 naming the problem, and the name stays free")
    func badLoads() async throws {
        let folders = try ModelFolders()
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)
        let missing = try await api.load("m", url: folders.root.appendingPathComponent("nowhere").path)
        #expect(missing.status == 404)
        #expect(missing.body.contains(#""code":"model_directory_not_found""#))
        #expect(missing.body.contains("nowhere"))

        let brokenManifest = try folders.directory(
            "broken", files: ["manifest.json": #"{"format": "swerve-model/v1", "name": "x", "handler": "linear-regression", "model": "gone.json"}"#])
        let broken = try await api.load("m", url: brokenManifest)
        #expect(broken.status == 400)
        #expect(broken.body.contains(#""code":"invalid_model""#))
        #expect(broken.body.contains("gone.json"))

        let unknownHandler = try folders.directory(
            "unknown", files: ["manifest.json": #"{"format": "swerve-model/v1", "name": "x", "handler": "tensorflow"}"#])
        #expect(try await api.load("m", url: unknownHandler).body.contains("unknown handler"))
        let empty = try folders.directory("empty", files: [:])
        #expect(try await api.load("m", url: empty).status == 400)
        let file = try folders.directory("file", files: ["model.tar.gz": "not a directory"]) + "/model.tar.gz"
        #expect(try await api.load("m", url: file).status == 400)

        for (body, problem) in [
            ("{", "not JSON"), ("[1]", "JSON object"), (#"{"url": "/x"}"#, #"\"model_name\" is missing"#),
            (#"{"model_name": "m"}"#, #"\"url\" is missing"#), (#"{"model_name": 7, "url": "/x"}"#, "must be a non-empty string"),
            (#"{"model_name": "a/b", "url": "/x"}"#, "is not a model name"), (#"{"model_name": "-a", "url": "/x"}"#, "is not a model name"),
        ] {
            let response = try await api.post("/models", body)
            #expect(response.status == 400, "\(body)")
            #expect(response.body.contains(problem), "\(body): \(response.body)")
        }
        #expect(try await api.post("/models/m", "{}").status == 405)
        #expect(try await api.get("/models/m/invoke").status == 405)
        // None of the failures kept the name.
        #expect(try await api.load("m", url: try folders.xgboost(as: "m")).status == 200)
        #expect(try await api.list().names == ["m"])
    }

    @Test("GET /models pages by limit and next_page_token, in name order")
    func paging() async throws {
        let folders = try ModelFolders()
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)
        let url = try folders.xgboost(as: "shared")
        let names = (0..<25).map { String(format: "model-%02d", $0) }
        for name in names.shuffled() { #expect(try await api.load(name, url: url).status == 200) }

        var seen: [String] = []
        var query = "?limit=10"
        var pages: [Int] = []
        while true {
            let page = try await api.list(query)
            #expect(page.status == 200)
            seen += page.names
            pages.append(page.names.count)
            guard let token = page.token else { break }
            query = "?limit=10&next_page_token=\(token)"
        }
        #expect(pages == [10, 10, 5])
        #expect(seen == names)
        let all = try await api.list()
        #expect(all.names == names, "the default page (100) holds all 25")
        #expect(all.token == nil)
        #expect(try await api.list("?next_page_token=").names == names, "an empty token is the first page, as SageMaker sends it")
        #expect(try await api.list("?limit=5&next_page_token=model-22").names == ["model-23", "model-24"])
        for bad in ["?limit=0", "?limit=abc", "?limit=100000", "?next_page_token=%2Fetc"] {
            let response = try await api.get("/models" + bad)
            #expect(response.status == 400, "\(bad)")
        }
    }

    @Test("two concurrent loads of one name: one load, one 200, the rest 409")
    func concurrentLoadsOfOneName() async throws {
        let folders = try ModelFolders()
        let url = try folders.shipped("churn", as: "churn")
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { (try? await api.load("twin", url: url))?.status ?? -1 } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.sorted() == [200] + Array(repeating: 409, count: 7))
        #expect(try await waitFor { server.standardOutput.components(separatedBy: "model loaded").count - 1 == 1 }, "loaded once")
    }

    @Test("loads, unloads and invocations racing on the same names: expected statuses only, no crash", .timeLimit(.minutes(2)))
    func concurrentLoadUnloadInvoke() async throws {
        let folders = try ModelFolders()
        let url = try folders.shipped("real-estate", as: "homes")
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)
        let names = ["a", "b", "c"]
        let unexpected = Statuses()
        let counts = Statuses()
        let deadline = Date().addingTimeInterval(4)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var index = worker
                    while Date() < deadline {
                        index += 1
                        let name = names[index % names.count]
                        do {
                            switch (index + worker) % 3 {
                            case 0:
                                let status = try await api.load(name, url: url).status
                                if ![200, 409].contains(status) { unexpected.add(status) }
                            case 1:
                                let status = try await api.delete(name).status
                                if ![200, 404].contains(status) { unexpected.add(status) }
                            default:
                                let response = try await api.invoke(name, #"{"distance": 150}"#)
                                if response.status == 200 {
                                    if response.body != #"{"cost":50.3}"# { unexpected.add(-2) }
                                } else if response.status != 404 {
                                    unexpected.add(response.status)
                                }
                            }
                            counts.add(1)
                        } catch {
                            unexpected.add(-1)
                        }
                    }
                }
            }
        }
        #expect(unexpected.sorted.isEmpty, "unexpected statuses \(unexpected.sorted)")
        #expect(counts.sorted.count > 30)
        #expect(try await server.pingStatus() == 200)
        // The store agrees with itself afterwards: every listed name describes and invokes.
        for name in try await api.list().names {
            #expect(try await api.get("/models/\(name)").status == 200)
            #expect(try await api.invoke(name, #"{"distance": 150}"#).status == 200)
        }
    }

    @Test("DELETE answers once the model's request in flight has finished")
    func unloadWaitsForInFlight() async throws {
        let folders = try ModelFolders()
        let server = try await SwerveProcess.serveMultiModel()
        let api = ModelAPI(port: server.port)
        #expect(try await api.load("churn", url: try folders.shipped("churn", as: "churn")).status == 200)
        let batch = Array(repeating: Self.churnRow, count: 20_000).joined(separator: "\n")
        let invoking = Task { try await api.post("/models/churn/invoke", batch, contentType: "text/csv") }
        #expect(try await waitFor { (jsonField(try await api.get("/models/churn").body, "inFlight") as? Int) == 1 }, "the batch is running")
        let deleting = Task { try await api.delete("churn") }
        #expect(try await waitFor { try await api.get("/models/churn").status == 404 }, "the unload began")
        #expect(try await api.invoke("churn", Self.churnRow, contentType: "text/csv").status == 404, "no new request while unloading")
        #expect(try await api.load("churn", url: folders.root.path).status == 409, "the name stays taken until released")
        let invoked = try await invoking.value
        let invokedAt = Date()
        let deleted = try await deleting.value
        #expect(invoked.status == 200)
        #expect(invoked.body.split(separator: "\n").count == 20_000)
        #expect(deleted.status == 200)
        #expect(Date().timeIntervalSince(invokedAt) < 5)
    }

    @Test(
        "past the memory budget a load answers 507, and fits again after an unload",
        .disabled(if: Sanitizer.isActive, "the budget is measured in resident memory, which a sanitizer's shadow memory distorts"))
    func memoryBudget() async throws {
        let folders = try ModelFolders()
        let url = try folders.shipped("churn", as: "churn")
        let server = try await SwerveProcess.serveMultiModel(extraArguments: ["--model-memory-mb", "2"])
        let api = ModelAPI(port: server.port)
        var loaded: [String] = []
        var refusal: TestResponse?
        for index in 0..<20 {
            let response = try await api.load("churn-\(index)", url: url)
            if response.status == 200 {
                loaded.append("churn-\(index)")
                continue
            }
            refusal = response
            break
        }
        let refused = try #require(refusal, "the budget never filled")
        #expect(refused.status == 507)
        #expect(refused.body.contains(#""code":"insufficient_memory""#))
        #expect(refused.body.contains("of the 2.0 MiB model memory budget"))
        #expect(!loaded.isEmpty)
        var sizes: [Int] = []
        for name in loaded { sizes.append(try #require(jsonField(try await api.get("/models/\(name)").body, "memoryBytes") as? Int)) }
        #expect(sizes.allSatisfy { $0 > 100_000 }, "a churn ensemble measures over 100 kB: \(sizes)")
        #expect(sizes.reduce(0, +) <= 2 << 20)
        #expect(try await api.list().names.count == loaded.count, "the refused model is not listed")
        let metrics = try await api.metrics()
        #expect(metrics.value("swerve_loaded_models") == Double(loaded.count))
        #expect(metrics.value("swerve_model_memory_budget_bytes") == Double(2 << 20))
        #expect(metrics.value("swerve_loaded_model_memory_bytes") == Double(sizes.reduce(0, +)))

        #expect(try await api.delete(loaded[0]).status == 200)
        #expect(try await api.load("after-unload", url: url).status == 200)
    }

    @Test(
        "--evict-lru unloads the least recently used idle model to make room",
        .disabled(if: Sanitizer.isActive, "the budget is measured in resident memory, which a sanitizer's shadow memory distorts"))
    func leastRecentlyUsedEviction() async throws {
        let folders = try ModelFolders()
        let url = try folders.shipped("churn", as: "churn")
        // A churn ensemble measures about 0.3-0.4 MiB (0.29 with the scalar tree walk, 0.36 with
        // the bit masks of the AVX-512 walk): three fit in 2 MiB, and the loop below fills it.
        let server = try await SwerveProcess.serveMultiModel(extraArguments: ["--model-memory-mb", "2", "--evict-lru"])
        let api = ModelAPI(port: server.port)
        for name in ["churn-0", "churn-1", "churn-2"] { #expect(try await api.load(name, url: url).status == 200) }
        #expect(try await api.metrics().value("swerve_model_evictions_total") == 0, "three fit")
        for name in ["churn-0", "churn-2"] { #expect(try await api.invoke(name, Self.churnRow, contentType: "text/csv").status == 200) }
        var newcomers = 0
        while try await api.metrics().value("swerve_model_evictions_total") == 0 && newcomers < 10 {
            let response = try await api.load("newcomer-\(newcomers)", url: url)
            #expect(response.status == 200, "eviction makes room instead of 507: \(response.body)")
            newcomers += 1
        }
        #expect(try await api.metrics().value("swerve_model_evictions_total") == 1)
        #expect(try await waitFor { try await api.get("/models/churn-1").status == 404 }, "the least recently used model went first")
        for name in ["churn-0", "churn-2", "newcomer-\(newcomers - 1)"] {
            #expect(try await api.get("/models/\(name)").status == 200, "\(name) was used more recently")
        }
        #expect(try await api.invoke("newcomer-\(newcomers - 1)", Self.churnRow, contentType: "text/csv").body == "1\n")
        #expect(try await api.load("churn-1", url: url).status == 200, "an evicted name can be loaded again")
    }

    @Test("per-model metrics: counts by model with at most N labels plus other")
    func boundedModelLabels() async throws {
        let folders = try ModelFolders()
        let url = try folders.xgboost(as: "shared")
        // No ranking during the test (a slow machine could reach the default 10 s): the first
        // three models keep their labels, the rest count under `other`.
        let server = try await SwerveProcess.serveMultiModel(
            environment: ["SWERVE_MODEL_METRIC_LABELS": "3", "SWERVE_MODEL_LABEL_RANK_SECONDS": "3600"])
        let api = ModelAPI(port: server.port)
        let row = "1,2,3,4,5,6"
        var total = 0
        for index in 0..<12 {
            #expect(try await api.load("m\(index)", url: url).status == 200)
            for _ in 0...index {
                #expect(try await api.invoke("m\(index)", row, contentType: "text/csv").status == 200)
                total += 1
            }
        }
        let metrics = try await api.metrics()
        let labels = Set(metrics.samples.filter { $0.name == "swerve_model_invocations_total" }.compactMap { $0.labels["model"] })
        #expect(labels.count == 4, "\(labels.sorted())")
        #expect(labels.contains("other"))
        #expect(metrics.sum("swerve_model_invocations_total", ["status": "2xx"]) == Double(total))
        #expect(metrics.sum("swerve_model_invocation_latency_seconds_count") == Double(total))
        #expect(metrics.sum("swerve_model_loads_total") == 12)
        #expect(metrics.value("swerve_loaded_models") == 12)
        #expect(metrics.sum("swerve_requests_total", ["route": "/models/{name}/invoke", "status": "2xx"]) == Double(total))
        #expect(metrics.sum("swerve_requests_total", ["route": "/models", "status": "2xx"]) == 12)
        let memory = metrics.sum("swerve_model_memory_bytes")
        #expect(memory == metrics.value("swerve_loaded_model_memory_bytes"), "per-label memory adds up to the store's")
        if let python = PrometheusParser.python {
            #expect(try await PrometheusParser.validateOffThePool(try await api.get("/metrics").body, python: python))
        }
    }
}

/// Statuses collected from several tasks.
final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []

    func add(_ value: Int) { lock.withLock { values.append(value) } }
    var sorted: [Int] { lock.withLock { values.sorted() } }
}
