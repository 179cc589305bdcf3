import Foundation

/// The sanitizer this test run was built with, from `SWERVE_SANITIZER` (`thread`, `address`),
/// which `.ci/run` sets beside `swift test --sanitize=...`: tests that cannot hold under one
/// (memory bounds under ASan's shadow memory and quarantine, timings under TSan's 5-15x
/// slowdown) are skipped with the reason.
public enum Sanitizer {
    public static let name: String? = ProcessInfo.processInfo.environment["SWERVE_SANITIZER"].flatMap { $0.isEmpty ? nil : $0 }
    public static var isActive: Bool { name != nil }
}
