import NIOCore

/// How a run is split across event loops: each loop's share of the budget, users, arrivals and
/// connections.
///
/// Exists so the split is a pure function that tests can check (users round-robin, arrivals
/// phase-shifted so loops interleave evenly, budgets adding up to exactly `--max-requests`).
struct RunPlan {
    /// What drives one loop.
    enum Driver: Sendable {
        case closed(spawnTimes: [NIODeadline], pacing: TimeAmount)
        case open(interval: Int64, firstDue: NIODeadline, maxConnections: Int)
    }

    struct Share: Sendable {
        var worker: LoadWorker.Plan
        var driver: Driver
    }

    /// The shares for `configuration` with the first requests due at `start`.
    static func shares(for configuration: LoadTestConfiguration, requests: [PreparedRequest], start: NIODeadline) -> [Share] {
        let loops = configuration.threads
        let budgets = split(configuration.requestBudget, into: loops)
        let end = start + TimeAmount(configuration.duration)
        let timeout = TimeAmount(configuration.timeout)
        return (0..<loops).map { index in
            let worker = LoadWorker.Plan(
                requests: requests, firstRequest: index, budget: budgets[index], start: start, end: end, timeout: timeout
            )
            switch configuration.workload {
            case .closedLoop(let users, let spawnRate, let pacing):
                let spawnTimes = stride(from: index, to: users, by: loops).map { user in
                    start + .nanoseconds(spawnRate.map { Int64(Double(user) / $0 * 1e9) } ?? 0)
                }
                return Share(worker: worker, driver: .closed(spawnTimes: spawnTimes, pacing: TimeAmount(pacing)))
            case .openLoop(let rate, let connections):
                let gap = 1e9 / rate
                return Share(
                    worker: worker,
                    driver: .open(
                        interval: Int64((gap * Double(loops)).rounded()),
                        firstDue: start + .nanoseconds(Int64((gap * Double(index)).rounded())),
                        maxConnections: max(1, split(connections, into: loops)[index])
                    ))
            }
        }
    }

    /// `total` split into `parts` shares that differ by at most one and add up to `total`.
    static func split(_ total: Int, into parts: Int) -> [Int] {
        (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
    }
}
