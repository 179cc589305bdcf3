import LoadTesting
import Testing

/// Tests that generate real load over loopback. Serialized, so timing checks do not compete with
/// each other for this machine's cores.
@Suite(.serialized) enum LiveTests {}

/// A configuration for `server` with short, test-friendly bounds.
func configuration(
    _ server: TestHTTPServer, _ workload: Workload, duration: Duration = .seconds(1),
    maxRequests: Int? = nil, timeout: Duration = .seconds(5), bodies: [[UInt8]] = []
) -> LoadTestConfiguration {
    LoadTestConfiguration(
        request: RequestTemplate(target: server.url, bodies: bodies), workload: workload,
        duration: duration, maxRequests: maxRequests, timeout: timeout
    )
}

/// Closed loop with `users` users, all at once, back to back.
func users(_ count: Int, pacing: Duration = .zero) -> Workload {
    .closedLoop(users: count, spawnRate: nil, pacing: pacing)
}
