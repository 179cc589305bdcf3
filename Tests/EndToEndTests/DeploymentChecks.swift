import Dispatch
import Foundation
import HTTPTestSupport

/// The offline validators behind the deployment tests: kubernetes-validate (its schemas ship in
/// the PyPI package) and botocore's service models, driven by the scripts in `scripts/`.
///
/// They need a Python with both packages: the one named by `SWERVE_TEST_PYTHON` (CI installs them
/// into its venv and sets it), else a system Python that happens to have them. With `SWERVE_CI=1`
/// the tests run even when none is found, and fail saying so.
enum DeploymentChecks {
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        let candidates = environment["SWERVE_TEST_PYTHON"].map { [$0] } ?? ["/usr/bin/python3", "/usr/local/bin/python3"]
        return candidates.first { runBlocking($0, ["-c", "import botocore, kubernetes_validate"]).status == 0 }
    }()

    /// Run the tests when the tools are here, or in CI (where their absence is a failure).
    static let enabled = python != nil || ProcessInfo.processInfo.environment["SWERVE_CI"] == "1"

    static let missing = "needs a Python with botocore and kubernetes-validate: set SWERVE_TEST_PYTHON (.ci/run installs both)"

    static func script(_ name: String) -> String {
        SwerveProcess.repositoryRoot.appendingPathComponent("scripts/\(name)").path
    }

    /// Runs `executable arguments` off the cooperative pool; returns the exit status and stdout + stderr.
    static func run(_ executable: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        (try? await offThePool { self.runBlocking(executable, arguments) }) ?? (-1, "\(executable) could not be run")
    }

    static func runBlocking(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return (-1, "\(executable) is not executable") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A scratch file holding `text`.
    static func temporaryFile(_ text: String, suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-deploy-\(UUID().uuidString)\(suffix)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
