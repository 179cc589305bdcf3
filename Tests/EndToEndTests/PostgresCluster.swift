import Foundation
import Testing

/// A throwaway PostgreSQL 15 cluster for one test, made with Debian's `initdb` and `pg_ctl` in a
/// new temporary directory on a free loopback port, and removed by `stop()`. It never touches a
/// system cluster. PostgreSQL refuses to run as root, so under root (as in CI) the cluster runs as
/// the `postgres` user that Debian's package creates.
final class PostgresCluster: @unchecked Sendable {
    static let binDirectory = ProcessInfo.processInfo.environment["PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
    static let plpythonLibrary = "/usr/lib/postgresql/15/lib/plpython3.so"
    /// CI (`SWERVE_CI=1`) must run the PostgreSQL tests; elsewhere they are skipped when
    /// PostgreSQL is missing.
    static let required = ProcessInfo.processInfo.environment["SWERVE_CI"] == "1"

    /// What is missing to run a cluster, or nil.
    static var missing: String? {
        let fileManager = FileManager.default
        for tool in ["initdb", "pg_ctl", "psql"] where !fileManager.isExecutableFile(atPath: "\(binDirectory)/\(tool)") {
            return "\(binDirectory)/\(tool) (install postgresql)"
        }
        if !fileManager.fileExists(atPath: plpythonLibrary) { return "\(plpythonLibrary) (install postgresql-plpython3-15)" }
        if geteuid() == 0 && getpwnam("postgres") == nil { return "the postgres user (install postgresql)" }
        return nil
    }

    /// True when the PostgreSQL tests should run: PostgreSQL is here, or CI requires it (and a
    /// missing PostgreSQL then fails the test with `missing`).
    static var shouldRun: Bool { required || missing == nil }

    let directory: URL
    let port: Int
    private var running = false

    /// Creates and starts a cluster; throws with the reason when PostgreSQL is missing or fails.
    init() async throws {
        if let missing = Self.missing {
            throw ClusterError("PostgreSQL 15 with PL/Python is needed: missing \(missing). .ci/run installs postgresql and postgresql-plpython3-15.")
        }
        var template = Array("/tmp/swerve-postgres-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ClusterError("mkdtemp failed: errno \(errno)") }
        directory = URL(fileURLWithPath: String(cString: made))
        chmod(directory.path, 0o755)
        if geteuid() == 0, let owner = getpwnam("postgres") {
            chown(directory.path, owner.pointee.pw_uid, owner.pointee.pw_gid)
        }
        port = try freePort()
        let data = directory.appendingPathComponent("data").path
        let initdb = try await Self.runAsOwner(
            [
                "\(Self.binDirectory)/initdb", "-D", data, "-U", "swerve", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ], in: directory)
        guard initdb.status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw ClusterError("initdb failed: \(initdb.output)")
        }
        let options = "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(directory.path) -c fsync=off"
        let start = try await Self.runAsOwner(
            [
                "\(Self.binDirectory)/pg_ctl", "-D", data, "-l", directory.appendingPathComponent("postgres.log").path,
                "-o", options, "-w", "-t", "60", "start",
            ], in: directory)
        guard start.status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("postgres.log"), encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: directory)
            throw ClusterError("pg_ctl start failed: \(start.output)\n\(log)")
        }
        running = true
    }

    /// Runs SQL through `psql` (stops at the first error; tuples only, unaligned, fields
    /// separated by `|`). `variables` become `psql -v NAME=VALUE`.
    @discardableResult
    func psql(_ sql: String, variables: [String: String] = [:]) async throws -> PSQLResult {
        var arguments = [
            "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)",
            "-U", "swerve", "-d", "postgres",
        ]
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) { arguments += ["-v", "\(name)=\(value)"] }
        arguments += ["-f", "-"]
        let result = try await Self.run("\(Self.binDirectory)/psql", arguments, input: sql)
        return PSQLResult(status: result.status, output: result.stdout, errors: result.stderr)
    }

    /// Installs integrations/postgres/churn.sql pointing the `churn` endpoint at `swerveURL`.
    func installChurn(swerveURL: String) async throws {
        let script = SwerveProcess.repositoryRoot.appendingPathComponent("integrations/postgres/churn.sql").path
        let result = try await Self.run(
            "\(Self.binDirectory)/psql",
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "swerve_url=\(swerveURL)",
                "-h", "127.0.0.1", "-p", "\(port)", "-U", "swerve", "-d", "postgres",
                "-f", script,
            ], input: "")
        guard result.status == 0 else { throw ClusterError("churn.sql failed (\(result.status)): \(result.stderr)") }
    }

    /// Stops the cluster (immediate shutdown) and removes its directory.
    func stop() {
        guard running else { return }
        running = false
        if let command = try? Self.ownerCommand([
            "\(Self.binDirectory)/pg_ctl", "-D", directory.appendingPathComponent("data").path,
            "-m", "immediate", "-w", "stop",
        ]),
            let pid = try? Self.spawn(command[0], Array(command.dropFirst()), scratch: directory, currentDirectory: directory)
        {
            var status: Int32 = 0
            while waitpid(pid.pid, &status, 0) < 0 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    // MARK: processes

    /// The command that runs `command` as the cluster's owner: `runuser -u postgres --` under root.
    private static func ownerCommand(_ command: [String]) throws -> [String] {
        guard geteuid() == 0 else { return command }
        let runuser = ["/usr/sbin/runuser", "/sbin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/runuser"
        return [runuser, "-u", "postgres", "--"] + command
    }

    private static func runAsOwner(_ command: [String], in directory: URL) async throws -> (status: Int32, output: String) {
        let owned = try ownerCommand(command)
        let result = try await run(owned[0], Array(owned.dropFirst()), input: "", currentDirectory: directory)
        return (result.status, result.stdout + result.stderr)
    }

    /// Runs a program to completion with `input` on its standard input; its output goes through
    /// temporary files. The wait polls, so a test waiting for psql does not hold one of Swift
    /// concurrency's few threads (two on this machine) that other suites' async tests need.
    static func run(
        _ executable: String, _ arguments: [String], input: String,
        currentDirectory: URL? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-spawn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(input.utf8).write(to: scratch.appendingPathComponent("stdin"))
        let child = try spawn(executable, arguments, scratch: scratch, currentDirectory: currentDirectory)
        var status: Int32 = 0
        while true {
            let waited = waitpid(child.pid, &status, WNOHANG)
            if waited == child.pid { break }
            if waited < 0 && errno != EINTR { throw ClusterError("waitpid failed: errno \(errno)") }
            try await Task.sleep(nanoseconds: 2_000_000)
        }
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return (exitStatus, read(child.stdout), read(child.stderr))
    }

    /// Starts a program with `scratch/stdin` as its input and output to files in `scratch`.
    /// Spawned with posix_spawn and every descriptor above 2 closed, because pg_ctl leaves a
    /// daemon behind: a daemon that inherited Foundation.Process's exit-monitoring socket would
    /// keep that Process "running" for as long as the cluster runs.
    static func spawn(
        _ executable: String, _ arguments: [String], scratch: URL,
        currentDirectory: URL?
    ) throws -> (pid: pid_t, stdout: String, stderr: String) {
        let inputPath = scratch.appendingPathComponent("stdin").path
        let outputPath = scratch.appendingPathComponent("stdout-\(UUID().uuidString)").path
        let errorPath = scratch.appendingPathComponent("stderr-\(UUID().uuidString)").path
        if !FileManager.default.fileExists(atPath: inputPath) { _ = FileManager.default.createFile(atPath: inputPath, contents: nil) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard let closeFrom = SpawnExtensions.closeFrom, let changeDirectory = SpawnExtensions.changeDirectory else {
            throw ClusterError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        _ = closeFrom(&actions, 3)
        if let currentDirectory { _ = changeDirectory(&actions, currentDirectory.path) }

        let command: [String] = [executable] + arguments
        let environment: [String] = ["PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL=C.UTF-8", "PGCONNECT_TIMEOUT=10"]
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw ClusterError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
        return (pid, outputPath, errorPath)
    }

    struct ClusterError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// What `psql` printed and how it exited.
struct PSQLResult {
    let status: Int32
    let output: String
    let errors: String

    /// Output lines (tuples only), without the trailing empty line.
    var lines: [String] { output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
}

/// glibc's posix_spawn file actions that Swift's Glibc module does not import (they are GNU
/// extensions), looked up at run time.
private enum SpawnExtensions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static let closeFrom: CloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    static let changeDirectory: ChangeDirectory? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(nil, name) else { return nil }  // nil is RTLD_DEFAULT in glibc
        return unsafeBitCast(address, to: T.self)
    }
}
