import Foundation

/// Runs `swerve` to completion and reads the kernel's account of it: exit status, standard
/// error, and peak resident memory (`wait4`'s `ru_maxrss`), so a test can bound what one
/// command costs. Foundation's `Process` reaps its child itself and cannot report this.
struct MeasuredRun {
    var status: Int32
    var standardError: String
    /// Peak resident set size, in bytes.
    var peakResidentBytes: Int

    init(_ arguments: [String]) throws {
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-measured-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: errorFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let path = SwerveProcess.executable.path
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var waitStatus: Int32 = 0
        var usage = rusage()
        while wait4(pid, &waitStatus, 0, &usage) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        status = (waitStatus & 0x7F) == 0 ? (waitStatus >> 8) & 0xFF : -(waitStatus & 0x7F)
        standardError = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        peakResidentBytes = usage.ru_maxrss * 1024
    }
}
