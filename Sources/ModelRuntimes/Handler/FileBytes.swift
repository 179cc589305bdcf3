#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole file with stdio, so that model artifacts and `swerve predict`'s input file are
/// read by one loop (no Foundation on the path); callers turn the failure into their own error,
/// which names what the file was.
public enum FileBytes {
    /// Why a file could not be read.
    public enum Failure: Error, Sendable {
        /// `fopen` failed; the operating system's reason.
        case cannotOpen(reason: String)
        /// `fread` reported an error part-way.
        case readError
    }

    /// The bytes of the file at `path`.
    ///
    /// - Parameter path: the file's path.
    /// - Throws: `Failure`.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw .cannotOpen(reason: String(cString: strerror(errno))) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count {
                if ferror(file) != 0 { throw .readError }
                return bytes
            }
        }
    }
}
