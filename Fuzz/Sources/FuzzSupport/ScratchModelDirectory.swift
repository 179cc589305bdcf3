import ModelRuntimes

#if canImport(Glibc)
    import Glibc
#endif

/// A model directory in a scratch place whose files are links to a shipped model's, except one,
/// which the fuzzer rewrites for every input: the catalog then loads a real directory where
/// exactly one artifact is hostile.
public struct ScratchModelDirectory: Sendable {
    public let directory: ModelDirectory
    /// The file the fuzzer writes.
    public let fuzzedFile: String

    /// - Parameters:
    ///   - model: the shipped model directory to link the other files from.
    ///   - fuzzedFile: the name of the file the input replaces.
    ///   - extraFiles: files written once with the given text (a manifest variant, say).
    ///   - substitutes: files linked from another path under the repository root instead.
    public init(linking model: String, fuzzedFile: String, extraFiles: [String: String] = [:], substitutes: [String: String] = [:]) {
        let base = ShippedModels.directory(model)
        directory = ModelDirectory(path: Self.makeTemporaryDirectory())
        self.fuzzedFile = fuzzedFile
        let names = (try? base.fileNames()) ?? []
        for name in names where name != fuzzedFile && extraFiles[name] == nil {
            let target = substitutes[name].map { "\(ShippedModels.repositoryRoot)/\($0)" } ?? base.url(name)
            guard symlink(target, directory.url(name)) == 0 else { fatalError("cannot link \(name) into \(directory.path)") }
        }
        for (name, text) in extraFiles { Self.write(Array(text.utf8)[...], to: directory.url(name)) }
    }

    /// Replaces the fuzzed file's contents.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        Self.write(bytes, to: directory.url(fuzzedFile))
    }

    private static func write(_ bytes: some Collection<UInt8>, to path: String) {
        guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
        let data = Array(bytes)
        if !data.isEmpty { _ = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) } }
        fclose(file)
    }

    /// A new directory under `$TMPDIR` (or /tmp), which `scripts/fuzz.sh` removes afterwards.
    private static func makeTemporaryDirectory() -> String {
        let root = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(root)/swerve-fuzz-model-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("cannot make a directory under \(root)")
        }
        return String(cString: made)
    }
}
