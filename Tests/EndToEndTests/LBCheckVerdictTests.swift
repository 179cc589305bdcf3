import Foundation
import Testing

/// scripts/lb_check_verdict.py decides whether lb-check.sh (run by CI) passes: these runs feed it
/// a made-up load report and event times, so the attribution of failures to the crash and
/// rolling-restart windows and the targets are checked without waiting for a real run.
@Suite("lb-check's verdict: failures attributed to the crash and rolling-restart windows")
struct LBCheckVerdictTests {
    static let python = DeploymentChecks.python ?? "/usr/bin/python3"

    /// Ten one-second points from t = 1000; `failures[i]` failed in the second ending at 1000 + i.
    static func load(failures: [Int: Int]) -> String {
        let points = (1...10).map { second in
            #"{"elapsedSeconds": \#(second), "intervalSeconds": 1, "failures": \#(failures[second] ?? 0)}"#
        }
        let total = failures.values.reduce(0, +)
        return
            #"{"requests": 1000, "failures": \#(total), "failuresByKind": {}, "latencyMs": {"p50": 1, "p99": 2, "max": 3}, "generatorCPUPercent": 1, "timeSeries": [\#(points.joined(separator: ","))]}"#
    }

    static func events(crashDown: String = "1004.25", crashRestart: String = "1006.2", crashUp: String = "1006.6", balancer: String = "haproxy")
        -> String
    {
        """
        {"load_start": 1000, "kill_at": 1004.2, "crash_down": \(crashDown), "crash_restart": \(crashRestart), "crash_up": \(crashUp),
         "crash_end": 1006.7, "term_at": 1008.5, "rolling_restart": 1009.0, "rolling_down": null, "rolling_up": null, "rolling_end": 1010.0,
         "mode": "processes", "balancer": "\(balancer)", "rate": 100, "duration_s": 10, "batch_rows": 0, "restart_backoff_s": 2,
         "in_flight_at_kill": 1, "haproxy": null}
        """
    }

    func verdict(load: String, events: String) async throws -> (status: Int32, result: [String: Any], output: String) {
        let loadFile = try DeploymentChecks.temporaryFile(load, suffix: ".json")
        let eventsFile = try DeploymentChecks.temporaryFile(events, suffix: ".json")
        defer {
            try? FileManager.default.removeItem(at: loadFile)
            try? FileManager.default.removeItem(at: eventsFile)
        }
        let run = await DeploymentChecks.run(Self.python, [DeploymentChecks.script("lb_check_verdict.py"), loadFile.path, eventsFile.path])
        let last = run.output.split(separator: "\n").last.map(String.init) ?? ""
        let result = (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]) ?? [:]
        return (run.status, result, run.output)
    }

    @Test(
        "failures in the crash window, in the rolling window and outside both are told apart",
        .enabled(if: FileManager.default.isExecutableFile(atPath: LBCheckVerdictTests.python)))
    func attribution() async throws {
        // Seconds 1004-1005 and 1007-1008 (the crash window ends a second after the rejoin at
        // 1006.6, so it takes the second that straddles 1007.6), 1008-1009 (rolling restart),
        // 1001-1002 (neither).
        let run = try await self.verdict(load: Self.load(failures: [5: 2, 8: 1, 9: 1, 2: 1]), events: Self.events())
        #expect(run.status == 1, "failures in the windows miss the targets\n\(run.output)")
        #expect(run.result["failed_during_crash"] as? Int == 3)
        #expect(run.result["failed_during_rolling_restart"] as? Int == 1)
        #expect(run.result["failed_outside_events"] as? Int == 1)
        #expect(run.result["detect_s"] as? Double == 0.05)
        #expect(run.result["rejoin_s"] as? Double == 0.4)
        #expect(run.output.contains("MISSED  rolling restart without failures"))
    }

    @Test(
        "no failures, fast detection and rejoin meet the targets; slow detection does not",
        .enabled(if: FileManager.default.isExecutableFile(atPath: LBCheckVerdictTests.python)))
    func targets() async throws {
        let clean = try await self.verdict(load: Self.load(failures: [2: 1]), events: Self.events())
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.result["targets_met"] as? Bool == true)

        let slow = try await self.verdict(load: Self.load(failures: [:]), events: Self.events(crashDown: "1006.5"))
        #expect(slow.status == 1)
        #expect(slow.result["detect_s"] as? Double == 2.3)
        #expect(slow.output.contains("MISSED  detect_s <= 2"))

        // Restarted before the balancer noticed and nothing failed: never out of rotation, passes.
        let quick = try await self.verdict(
            load: Self.load(failures: [:]), events: Self.events(crashDown: "null", crashRestart: "1004.21", crashUp: "null"))
        #expect(quick.status == 0, "\(quick.output)")
        #expect(quick.result["crash_marked_down"] as? Bool == false)
    }
}
