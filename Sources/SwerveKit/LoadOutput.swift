import Dispatch
import Foundation
import LoadTesting

/// The terminal side of `swerve load`: the live progress line (only when stderr is a terminal)
/// and notes, all on stderr so stdout carries only the result.
struct LoadTerminal: Sendable {
    let showProgress: Bool

    init(showProgress: Bool) {
        self.showProgress = showProgress && isatty(STDERR_FILENO) != 0
    }

    func progress(_ progress: LoadProgress) {
        guard self.showProgress else { return }
        Self.write("\r" + TextReport.progressLine(progress) + "\u{1B}[K")
    }

    func endProgress() {
        if self.showProgress { Self.write("\r\u{1B}[K") }
    }

    func note(_ line: String) {
        Self.write(line + "\n")
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension LoadOutputOptions {
    /// Prints the table or the JSON, and writes the HTML report when asked.
    func emit(_ report: LoadReport, capacity: CapacityResult?, terminal: LoadTerminal) throws {
        if self.json {
            print(try JSONReport(report, capacity: capacity).encoded(), terminator: "")
        } else {
            if let capacity {
                print("capacity search\n" + capacity.summary)
                if let policy = capacity.scalingPolicy {
                    print(
                        "SageMaker target-tracking scaling policy (aws application-autoscaling put-scaling-policy --cli-input-json file://policy.json):"
                    )
                    print(try policy.encoded())
                }
                print(capacity.sustainableRate > 0 ? "best passing step" : "last step")
            }
            print(TextReport.render(report), terminator: "")
        }
        if let path = self.report {
            try HTMLReport.render(report, capacity: capacity).write(toFile: path, atomically: true, encoding: .utf8)
            terminal.note("report written to \(path)")
        }
    }
}

/// Ctrl-C handling: the first interrupt stops the run and still prints what was measured; a
/// second one exits at once.
enum LoadInterruption {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if task.isCancelled { exit(130) }
            LoadTerminal.write("\ninterrupted; finishing requests in flight (Ctrl-C again to quit)\n")
            task.cancel()
        }
        source.resume()
        defer {
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
        return try await task.value
    }
}
