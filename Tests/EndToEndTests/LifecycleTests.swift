import Foundation
import HTTPTestSupport
import Testing

@Suite("Start-up failures and graceful shutdown of the real process", .serialized)
struct LifecycleTests {
    @Test("a broken model directory exits non-zero naming the file, before the port opens")
    func brokenModel() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try #"{"format": "swerve-model/v1", "name": "x", "handler": "linear-regression", "model": "model.json"}"#
            .write(to: directory.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        try #"{"format": "linear-regression/v1", "inputs": [{"name": "d"}], "intercept": 1, "coefficients": [1, 2], "output": {"name": "y"}}"#
            .write(to: directory.appendingPathComponent("model.json"), atomically: true, encoding: .utf8)
        let port = try freePort()
        let process = try SwerveProcess(["serve", "--model-dir", directory.path, "--port", "\(port)"])
        #expect(process.waitForExit(timeout: 20) == 1)
        #expect(process.standardError.contains("model.json"))
        #expect(process.standardError.contains(#"field "coefficients": 2 coefficients for 1 inputs"#))
        #expect(!process.standardOutput.contains("listening"))
        #expect(throws: LoopbackClient.ClientError.self) { try LoopbackClient(port: port) }

        let missing = try SwerveProcess(["serve", "--model-dir", "/nonexistent/model", "--port", "0"])
        #expect(missing.waitForExit(timeout: 20) == 1)
        #expect(missing.standardError.contains("/nonexistent/model"))
    }

    @Test("SIGTERM with requests in flight: every request is answered, then exit 0")
    func drainOnSigterm() throws {
        let server = try SwerveProcess.serve(model: "real-estate", extraArguments: ["--workers", "1"])
        let idle = try LoopbackClient(port: server.port)
        try idle.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.response().status == 200)
        let rows = 300_000
        let body = String(repeating: "150\n", count: rows)
        let clients = try (0..<16).map { _ in try LoopbackClient(port: server.port, timeout: 30) }
        for client in clients { try client.send(invocationRequest(body, contentType: "text/csv")) }
        Thread.sleep(forTimeInterval: 0.05)
        server.signal(SIGTERM)
        var closing = 0
        for client in clients {
            let response = try client.response()
            #expect(response.status == 200)
            #expect(response.body.utf8.count == rows * 5)
            if response.header("connection") == "close" { closing += 1 }
        }
        #expect(closing >= 1, "answers finished after SIGTERM tell the client the connection closes")
        #expect(idle.isClosedByServer(), "idle keep-alive connections are closed on shutdown")
        #expect(server.waitForExit(timeout: 25) == 0)
        #expect(server.standardOutput.contains("drained"))
    }

    @Test("SIGTERM closes the listening socket at once: new connections are refused while accepted requests finish")
    func listenerClosesAtOnce() throws {
        let server = try SwerveProcess.serve(model: "real-estate", extraArguments: ["--workers", "1"])
        let busy = try LoopbackClient(port: server.port, timeout: 30)
        let rows = 300_000
        try busy.send(invocationRequest(String(repeating: "150\n", count: rows), contentType: "text/csv"))
        Thread.sleep(forTimeInterval: 0.05)
        server.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 0.02)
        var attempts = 0, served = 0
        let deadline = Date().addingTimeInterval(0.6)
        while Date() < deadline, server.process.isRunning {
            attempts += 1
            if let client = try? LoopbackClient(port: server.port, timeout: 2),
                (try? client.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")) != nil, (try? client.response()) != nil
            {
                served += 1
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(attempts >= 3, "the server was still draining while new connections were tried")
        #expect(served == 0, "\(served) of \(attempts) connections made after SIGTERM were served")
        let answer = try busy.response()
        #expect(answer.status == 200)
        #expect(answer.body.utf8.count == rows * 5)
        #expect(server.waitForExit(timeout: 25) == 0)
    }

    @Test("a port already taken exits 1 with a message naming it")
    func portTaken() throws {
        let first = try SwerveProcess.serve(model: "real-estate")
        let second = try SwerveProcess(["serve", "--model-dir", SwerveProcess.model("real-estate"), "--port", "\(first.port)"])
        #expect(second.waitForExit(timeout: 20) == 1)
        #expect(second.standardError.contains("cannot listen on 0.0.0.0:\(first.port): Address already in use"))
        #expect(try LoopbackClient.exchange(port: first.port, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").status == 200)
    }

    @Test("SIGINT stops an idle server with exit 0")
    func sigint() throws {
        let server = try SwerveProcess.serve(model: "real-estate")
        server.signal(SIGINT)
        #expect(server.waitForExit(timeout: 10) == 0)
    }
}
