#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A model directory (`/opt/ml/model`) and the files in it.
///
/// Loading reads every file through here, so that a failure names the file it came from.
public struct ModelDirectory: Sendable {
    /// The directory's path, without a trailing slash.
    public let path: String

    public init(path: String) {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed
    }

    /// The full path of `name` inside the directory.
    public func url(_ name: String) -> String { name.hasPrefix("/") ? name : "\(path)/\(name)" }

    /// True when `name` exists and is a regular file.
    public func fileExists(_ name: String) -> Bool {
        var info = stat()
        return stat(url(name), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The names of the regular files in the directory, sorted.
    public func fileNames() throws -> [String] {
        guard let handle = opendir(path) else {
            throw ModelLoadError(file: path, problem: "cannot open directory: \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != "..", fileExists(name) { names.append(name) }
        }
        return names.sorted()
    }

    /// The bytes of `name`, or a `ModelLoadError` naming the file.
    public func read(_ name: String) throws -> [UInt8] {
        let full = url(name)
        do {
            return try FileBytes.read(full)
        } catch .cannotOpen(let reason) {
            throw ModelLoadError(file: full, problem: "cannot open: \(reason)")
        } catch .readError {
            throw ModelLoadError(file: full, problem: "read error")
        }
    }
}

/// A model artifact that cannot be served, naming the file and the problem.
///
/// `swerve serve` prints it and exits non-zero before the port opens.
public struct ModelLoadError: Error, Sendable, CustomStringConvertible {
    /// The file at fault (a full path).
    public var file: String
    /// What is wrong, naming the field where there is one.
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
