import Logging
import ModelRuntimes
import NIOCore

/// Reads typed values out of an environment dictionary, with errors naming the variable.
struct EnvironmentReader {
    let environment: [String: String]

    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(name: name, problem: "\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Seconds, whole or fractional, greater than zero.
    func seconds(_ name: String) throws -> TimeAmount? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value > 0, value < 1e7 else {
            throw ConfigurationError(name: name, problem: "\"\(text)\" is not a positive number of seconds")
        }
        return .nanoseconds(Int64(value * 1e9))
    }

    /// A fraction from 0 to 1.
    func fraction(_ name: String) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value >= 0, value <= 1 else {
            throw ConfigurationError(name: name, problem: "\"\(text)\" is not a number from 0 to 1")
        }
        return value
    }

    /// One of `choices` (compared in lower case).
    func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = string(name)?.lowercased() else { return nil }
        guard choices.contains(text) else {
            throw ConfigurationError(name: name, problem: "\"\(text)\" is not one of \(choices.joined(separator: ", "))")
        }
        return text
    }

    /// `on`/`off` (also true/false, 1/0, yes/no).
    func `switch`(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "on", "true", "1", "yes": return true
        case "off", "false", "0", "no": return false
        default: throw ConfigurationError(name: name, problem: "\"\(text)\" is not on or off")
        }
    }

    func mediaType(_ name: String) throws -> String? {
        guard let text = string(name) else { return nil }
        guard MediaType(parsing: text) != nil else {
            throw ConfigurationError(name: name, problem: "\"\(text)\" is not a media type such as text/csv")
        }
        return text
    }

    /// A Python logging level number (10, 20, ...) or a name (debug, info, warning, error).
    func logLevel(_ name: String) throws -> Logger.Level? {
        guard let text = string(name) else { return nil }
        if let level = LogLevelName.parse(text) { return level }
        throw ConfigurationError(
            name: name, problem: "\"\(text)\" is not a log level (10, 20, 30, 40, 50 or trace, debug, info, warning, error, critical)")
    }
}

/// Log level spellings: SageMaker's Python level numbers and swift-log's names.
public enum LogLevelName {
    public static func parse(_ text: String) -> Logger.Level? {
        if let number = Int(text) {
            switch number {
            case ..<10: return .trace
            case 10..<20: return .debug
            case 20..<30: return .info
            case 30..<40: return .warning
            case 40..<50: return .error
            default: return .critical
            }
        }
        switch text.lowercased() {
        case "warn": return .warning
        case "fatal": return .critical
        default: return Logger.Level(rawValue: text.lowercased())
        }
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
