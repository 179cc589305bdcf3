import ServiceLifecycle

/// Runs the worker pool's threads for as long as the service group runs, and on graceful
/// shutdown lets every queued request finish before returning.
///
/// List it before the HTTP server in the service group: groups shut down in reverse order, so
/// connections drain first and the workers finish what they were given.
public struct WorkerPoolService: Service {
    public let pool: WorkerPool

    public init(pool: WorkerPool) { self.pool = pool }

    public func run() async throws {
        pool.start()
        try? await gracefulShutdown()
        await pool.shutdownGracefully()
    }
}
