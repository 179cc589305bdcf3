/// How load is offered to the server: the two models every load generator chooses between.
///
/// Exists because they answer different questions. Closed loop ("how does the service feel to N
/// users?") lets the server's slowness slow the load down; open loop ("what happens at R requests
/// per second?") keeps arriving regardless, and is the only honest way to read tail latency.
public enum Workload: Sendable, Equatable {
    /// Locust-style users. Each user holds one keep-alive connection and repeats: send a request,
    /// wait for the response, then wait out the rest of `pacing` measured from the send (locust's
    /// `constant_pacing`), so a user sends at most one request per `pacing`. A zero pacing sends
    /// back to back. Users start `spawnRate` per second (all at once when nil).
    case closedLoop(users: Int, spawnRate: Double?, pacing: Duration)

    /// A constant arrival rate in requests per second over at most `connections` keep-alive
    /// connections, opened as needed. A request that finds no idle connection waits in a queue,
    /// and its latency is measured from when it should have been sent, so a slow server cannot
    /// hide its slowness by slowing the generator down (no coordinated omission).
    case openLoop(rate: Double, connections: Int)

    /// Connections used when `--rate` is given without `--connections`.
    public static let defaultOpenLoopConnections = 256

    /// One line for headers of reports, e.g. `closed loop, 10 users (2/s), pacing 1s`.
    public var summary: String {
        switch self {
        case .closedLoop(let users, let spawnRate, let pacing):
            let spawn = spawnRate.map { ", spawn \(fixed($0, 1))/s" } ?? ""
            let pace = pacing == .zero ? "no pacing" : "pacing \(DurationText.format(pacing))"
            return "closed loop, \(users) user\(users == 1 ? "" : "s")\(spawn), \(pace)"
        case .openLoop(let rate, let connections):
            return "open loop, \(fixed(rate, 1)) req/s, up to \(connections) connections"
        }
    }
}
