/// A load test that cannot start or cannot continue, explained in terms of the option at fault.
///
/// Exists so the command line can print one actionable line ("--rate: must be positive, got 0")
/// instead of a stack of nested errors; every validation in this library throws it.
public struct LoadTestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The option or input at fault, spelled as the user typed it (`--rate`, `--body-file`, `url`).
    public var option: String
    /// What is wrong and, where useful, what was received.
    public var message: String

    public init(option: String, _ message: String) {
        self.option = option
        self.message = message
    }

    public var description: String { "\(self.option): \(self.message)" }
}
