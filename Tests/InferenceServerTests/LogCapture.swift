import Foundation
import Logging

/// Collects what a server logs, for tests that check a failure was logged (and logged once).
final class LogCapture: @unchecked Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    /// A logger whose every line (trace level and up) lands here.
    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(capture: self) }
    }

    var entries: [Entry] { lock.withLock { stored } }

    /// Entries whose message is `message`.
    func entries(_ message: String) -> [Entry] { entries.filter { $0.message == message } }

    fileprivate func append(_ entry: Entry) { lock.withLock { stored.append(entry) } }
}

private struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var values: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { values[key] = "\(value)" }
        capture.append(LogCapture.Entry(level: event.level, message: event.message.description, metadata: values))
    }
}
