import CLibFuzzer

#if canImport(Glibc)
    import Glibc
#endif

/// Starts libFuzzer from a Swift `main`.
///
/// SwiftPM links an executable target's own entry point as `main`, which hides libFuzzer's
/// `main`; so each target has an ordinary `@main` that hands its test function to libFuzzer's
/// driver, with the command line (libFuzzer's flags, the corpus directories) untouched.
public enum FuzzDriver {
    /// libFuzzer's `LLVMFuzzerTestOneInput`: one input, 0 to go on.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    public static func run(_ testOneInput: TestOneInput) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}
