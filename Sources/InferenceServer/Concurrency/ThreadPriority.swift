#if canImport(Glibc)
    import Glibc
#endif

/// Lowers the calling thread's scheduling priority (Linux: each thread has its own nice value).
enum ThreadPriority {
    /// Adds `steps` to the calling thread's nice value; does nothing for 0 or where unsupported.
    /// Lowering needs no privilege, so it cannot fail for lack of one. (On Linux the nice value
    /// belongs to each thread, and `PRIO_PROCESS` with id 0 names the calling thread alone.)
    static func lower(by steps: Int32) {
        #if os(Linux)
            guard steps > 0 else { return }
            errno = 0
            let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            guard errno == 0 else { return }
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(19, current + steps))
        #endif
    }
}
