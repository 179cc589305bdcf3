import Testing

@testable import InferenceServer

@Suite("Admission by expected wait, on numbers instead of a clock")
struct AdmissionControlTests {
    @Test("estimates: unknown until warmed up, one average for small jobs, nanoseconds per byte for large ones")
    func estimates() {
        var control = AdmissionControl(maxWaitNanoseconds: 1e9, parallelism: 2)
        #expect(control.knownEstimate(bytes: 100) == nil)
        #expect(control.estimate(bytes: 100) == 0)
        for _ in 0..<AdmissionControl.warmUp { control.observe(bytes: 100, nanoseconds: 10_000) }
        #expect(control.knownEstimate(bytes: 100) == 10_000)
        #expect(control.knownEstimate(bytes: 100_000) == nil, "large jobs are not measured yet")
        #expect(control.estimate(bytes: 100_000) == 10_000, "a lower bound meanwhile")
        for _ in 0..<AdmissionControl.warmUp { control.observe(bytes: 100_000, nanoseconds: 5_000_000) }
        #expect(control.knownEstimate(bytes: 200_000) == 10_000_000)
        control.observe(bytes: 100, nanoseconds: 30_000)
        #expect(control.knownEstimate(bytes: 100) == 10_000 + AdmissionControl.weight * 20_000, "a moving average")
    }

    @Test("the expected wait is the work ahead over the jobs that run at once")
    func expectedWait() {
        let control = AdmissionControl(maxWaitNanoseconds: 10e6, parallelism: 4)
        #expect(control.expectedWait(queuedWork: 40e6) == 10e6)
        #expect(control.admits(queuedWork: 40e6))
        #expect(!control.admits(queuedWork: 40.4e6))
    }

    @Test("one outlier moves the small-job average by at most the outlier factor")
    func outliers() {
        var control = AdmissionControl(maxWaitNanoseconds: 1e9, parallelism: 1)
        for _ in 0..<AdmissionControl.warmUp { control.observe(bytes: 10, nanoseconds: 10_000) }
        control.observe(bytes: 10, nanoseconds: 5_000_000)  // a descheduled thread
        #expect(control.knownEstimate(bytes: 10) == 10_000 + AdmissionControl.weight * 30_000)
    }
}
