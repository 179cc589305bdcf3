import Testing

@testable import LoadTesting

@Suite("Capacity search")
struct CapacitySearchTests {
    /// Drives the search with a server that passes up to `limit` requests per second.
    func rates(limit: Double, criteria: CapacityCriteria) -> (tried: [Double], search: RateSearch) {
        var search = RateSearch(criteria: criteria)
        var tried: [Double] = []
        while let rate = search.nextRate {
            tried.append(rate)
            let passed = rate <= limit
            search.record(
                CapacityStep(
                    rate: rate, requests: 1, failureRatio: 0, p90Ms: 1, p99Ms: 1, cpuPercent: nil,
                    passed: passed, failedOn: passed ? nil : "p90"
                ))
        }
        return (tried, search)
    }

    @Test("doubles until a step fails, then bisects to within the precision")
    func doublesThenBisects() {
        let (tried, search) = self.rates(limit: 100, criteria: CapacityCriteria(startRate: 10))
        #expect(Array(tried.prefix(5)) == [10, 20, 40, 80, 160])
        #expect(tried[5] == 120)
        let best = search.bestRate ?? 0
        #expect(best <= 100 && best >= 90)
        #expect(search.limitedBy == "p90")
        #expect(tried.count <= 16)
    }

    @Test("stops at the maximum rate when everything passes")
    func stopsAtMaxRate() {
        let (tried, search) = self.rates(limit: .infinity, criteria: CapacityCriteria(startRate: 10, maxRate: 50))
        #expect(tried == [10, 20, 40, 50])
        #expect(search.bestRate == 50 && search.limitedBy == "max rate")
    }

    @Test("halves below the start rate when even that fails")
    func halvesWhenStartFails() {
        let (tried, search) = self.rates(limit: 3, criteria: CapacityCriteria(startRate: 10))
        #expect(Array(tried.prefix(3)) == [10, 5, 2.5])
        #expect((2.5...3).contains(search.bestRate ?? 0))
    }

    @Test("the autoscaling target is rate × 60 × safety factor")
    func target() {
        let result = CapacityResult(
            sustainableRate: 50, p90LimitMs: 200, maxCPUPercent: 80, maxFailureRatio: 0.01, cpuSource: nil,
            safetyFactor: 0.5, invocationsPerInstancePerMinute: 1500, limitedBy: "cpu", steps: []
        )
        #expect(result.summary.contains("SageMakerVariantInvocationsPerInstance target: 1500 per minute"))
    }

    @Test("Prometheus text: a counter summed over label sets, comments and look-alikes skipped")
    func prometheusText() {
        let text = """
            # HELP process_cpu_seconds_total Total user and system CPU time.
            # TYPE process_cpu_seconds_total counter
            process_cpu_seconds_total 12.5
            process_cpu_seconds_total_extra 99
            swerve_cpu_utilization_percent{core="0"} 40
            swerve_cpu_utilization_percent{core="1"} 35.5 1700000000000
            """
        #expect(PrometheusText.sum(of: "process_cpu_seconds_total", in: text) == 12.5)
        #expect(PrometheusText.sum(of: "swerve_cpu_utilization_percent", in: text) == 75.5)
        #expect(PrometheusText.sum(of: "missing", in: text) == nil)
    }

    @Test("CPU percent is CPU seconds over wall seconds, summed over cores")
    func cpuUtilization() throws {
        let before = ServerCPUProbe.Reading(uptimeNanoseconds: 1_000_000_000, cpuSeconds: 10, utilizationPercent: nil)
        let after = ServerCPUProbe.Reading(uptimeNanoseconds: 3_000_000_000, cpuSeconds: 13, utilizationPercent: 99)
        let utilization = try #require(ServerCPUProbe.utilization(from: before, to: after))
        #expect(abs(utilization.percent - 150) < 1e-9)
        #expect(utilization.source == "process_cpu_seconds_total")
        let gaugeOnly = ServerCPUProbe.Reading(uptimeNanoseconds: 3_000_000_000, cpuSeconds: nil, utilizationPercent: 42)
        #expect(ServerCPUProbe.utilization(from: nil, to: gaugeOnly)?.percent == 42)
    }
}

extension LiveTests {
    @Suite("Capacity finder")
    struct CapacityFinderTests {
        @Test("finds the rate where the server's CPU crosses the limit, and suggests rate × 60 × 0.5")
        func findsCPULimitedRate() async throws {
            // 5 ms of work at a time (200/s possible), and 10 ms of CPU per request: CPU% = rate.
            let behavior = TestServerBehavior(mode: .serial, delay: .milliseconds(5), cpuSecondsPerRequest: 0.01)
            try await withTestServer(behavior) { server in
                let criteria = CapacityCriteria(
                    p90: .milliseconds(300), maxCPUPercent: 50, startRate: 10, stepDuration: .seconds(1), maxSteps: 8
                )
                let finder = CapacityFinder(
                    base: configuration(server, .openLoop(rate: 1, connections: 32)), criteria: criteria,
                    cpuProbe: ServerCPUProbe(metricsURL: server.url.withPath("/metrics"))
                )
                let (result, report) = try await finder.run()
                #expect(result.cpuSource == "process_cpu_seconds_total")
                #expect(result.limitedBy == "cpu")
                // 50% CPU is about 50 requests a second; a machine busy with other work gives the test
                // server less CPU than it asks for, which shows as a later crossing, so the upper bound
                // leaves room.
                #expect(result.sustainableRate >= 30 && result.sustainableRate <= 90, "\(result.sustainableRate)")
                #expect(result.invocationsPerInstancePerMinute == result.sustainableRate * 30)
                #expect(result.steps.count <= 8)
                #expect(result.steps.first?.rate == 10)
                #expect(report.requests > 0)
                // A last step at the autoscaling target measures the CPU a CPU-based autoscaler
                // should hold: here CPU% = rate, so about half the sustainable rate.
                let target = try #require(result.targetStep)
                #expect(target.rate == result.sustainableRate * 0.5)
                let cpu = try #require(target.cpuPercent)
                #expect(cpu > target.rate * 0.6 && cpu < target.rate * 1.5, "cpu \(cpu)% at \(target.rate) req/s")
            }
        }
    }
}

@Suite("SageMaker scaling policy")
struct SageMakerScalingPolicyTests {
    @Test("a target-tracking PutScalingPolicy request on SageMakerVariantInvocationsPerInstance")
    func encodesThePutScalingPolicyRequest() throws {
        let policy = SageMakerScalingPolicy(
            variant: .init(endpointName: "churn-prod", variantName: "AllTraffic"), invocationsPerInstancePerMinute: 1499.6
        )
        let json = try policy.encoded()
        #expect(
            json == """
                {
                  "PolicyName" : "churn-prod-AllTraffic-invocations-per-instance",
                  "PolicyType" : "TargetTrackingScaling",
                  "ResourceId" : "endpoint/churn-prod/variant/AllTraffic",
                  "ScalableDimension" : "sagemaker:variant:DesiredInstanceCount",
                  "ServiceNamespace" : "sagemaker",
                  "TargetTrackingScalingPolicyConfiguration" : {
                    "PredefinedMetricSpecification" : {
                      "PredefinedMetricType" : "SageMakerVariantInvocationsPerInstance"
                    },
                    "ScaleInCooldown" : 300,
                    "ScaleOutCooldown" : 60,
                    "TargetValue" : 1500
                  }
                }

                """)
    }

    @Test("endpoint and variant names follow SageMaker's rule")
    func names() {
        for good in ["a", "churn-prod", "AllTraffic", "v--2", String(repeating: "x", count: 63)] {
            #expect(SageMakerScalingPolicy.Variant.isValidName(good), "\(good)")
        }
        for bad in ["", "-a", "a-", "churn_prod", "churn.prod", "é", String(repeating: "x", count: 64)] {
            #expect(!SageMakerScalingPolicy.Variant.isValidName(bad), "\(bad)")
        }
        #expect(throws: LoadTestError(option: "--variant-name", #""all traffic" is not a SageMaker name (1-63 letters, digits and inner hyphens)"#)) {
            try SageMakerScalingPolicy.Variant(endpointName: "ok", variantName: "all traffic").validate()
        }
    }
}
