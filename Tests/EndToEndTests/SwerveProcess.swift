import Foundation
import HTTPTestSupport
import Testing

/// The real `swerve` executable, started as SageMaker would start it, on an ephemeral port.
final class SwerveProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var stdoutText = ""
    private var stderrText = ""
    /// The port the server announced in its "listening" log line.
    private(set) var port = 0
    /// When the process was launched.
    let launchedAt = Date()

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `swerve` binary, next to the test bundle.
    static var executable: URL {
        let bundleDirectory = Bundle.main.bundleURL.deletingLastPathComponent()
        for candidate in [bundleDirectory, Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("swerve")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/swerve")
    }

    static func model(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("model-artifacts/\(name)").path
    }

    /// Launches `swerve ARGUMENTS` with `environment` added to a clean environment (`executable`:
    /// another build of swerve than the one beside the tests).
    init(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil) throws {
        process.executableURL = executable ?? Self.executable
        process.arguments = arguments
        var env = ["PATH": "/usr/bin:/bin"]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.stdoutText += String(decoding: data, as: UTF8.self) }
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.stderrText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var standardOutput: String { lock.withLock { stdoutText } }
    var standardError: String { lock.withLock { stderrText } }

    /// Whether standard error shows `text` within `timeout` seconds (the pipe's last bytes may
    /// arrive after the process has exited).
    func standardError(contains text: String, timeout: Double = 5) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if standardError.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return standardError.contains(text)
    }

    /// Waits for the "listening" line and reads the port from it.
    func waitForPort(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = standardOutput.range(of: #"port=(\d+)"#, options: .regularExpression) {
                port = Int(standardOutput[range].dropFirst(5))!
                return
            }
            if !process.isRunning { throw ProcessError.exited(process.terminationStatus, standardError) }
            Thread.sleep(forTimeInterval: 0.005)
        }
        throw ProcessError.timeout(standardOutput + standardError)
    }

    /// Sends a signal (SIGTERM, SIGINT).
    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit; returns the status, or nil after `timeout` seconds.
    func waitForExitBlocking(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return process.terminationStatus
    }

    /// Starts `swerve serve` on a model and waits (off the cooperative pool) until it announces its port.
    static func serve(
        model: String, extraArguments: [String] = [], environment: [String: String] = [:], executable: URL? = nil
    ) async throws -> SwerveProcess {
        try await offThePool {
            let server = try SwerveProcess(
                ["serve", "--model-dir", Self.model(model), "--port", "0"] + extraArguments, environment: environment, executable: executable)
            try server.waitForPort()
            return server
        }
    }

    /// `waitForExit(timeout:)`, off the cooperative pool.
    func waitForExit(timeout: Double = 30) async -> Int32? {
        (try? await offThePool { self.waitForExitBlocking(timeout: timeout) }) ?? nil
    }

    /// Stops the server (SIGKILL if it will not stop on SIGTERM).
    func stop() {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if waitForExitBlocking(timeout: 10) == nil { kill(process.processIdentifier, SIGKILL) }
    }

    deinit { stop() }

    enum ProcessError: Error {
        case exited(Int32, String)
        case timeout(String)
    }
}

/// A port that was free a moment ago.
func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            _ = bind(descriptor, pointer, length)
            return getsockname(descriptor, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
