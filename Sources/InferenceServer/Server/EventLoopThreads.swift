import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The POSIX threads behind an event-loop group, so the sampler can read their CPU clocks.
enum EventLoopThreads {
    static func collect(_ group: any EventLoopGroup) async throws -> [pthread_t] {
        var threads: [pthread_t] = []
        for loop in group.makeIterator() {
            threads.append(try await loop.submit { pthread_self() }.get())
        }
        return threads
    }
}
