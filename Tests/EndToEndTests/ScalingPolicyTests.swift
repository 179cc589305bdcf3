import Foundation
import Testing

@Suite("swerve load --find-capacity: the SageMaker scaling policy", .serialized)
struct ScalingPolicyTests {
    @Test(
        "--find-capacity writes a PutScalingPolicy request that botocore's service model accepts",
        .enabled(if: DeploymentChecks.enabled, Comment(rawValue: DeploymentChecks.missing)), .timeLimit(.minutes(2)))
    func policyAcceptedByBotocore() async throws {
        let python = try #require(DeploymentChecks.python, Comment(rawValue: DeploymentChecks.missing))
        let server = try await SwerveProcess.serve(model: "real-estate")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-policy-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let load = try SwerveProcess([
            "load", "http://127.0.0.1:\(server.port)/invocations", "--find-capacity", "--start-rate", "20",
            "--max-steps", "2", "--step-duration", "1s", "--body", #"{"distance": 150}"#, "--json", "--quiet",
            "--endpoint-name", "churn-prod", "--variant-name", "AllTraffic", "--scaling-policy", file.path,
        ])
        #expect(await load.waitForExit(timeout: 60) == 0, "\(load.standardError)")

        let document = try #require(try JSONSerialization.jsonObject(with: Data(load.standardOutput.utf8)) as? [String: Any])
        let capacity = try #require(document["capacity"] as? [String: Any])
        let rate = try #require(capacity["sustainableRate"] as? Double)
        #expect(rate == 40, "both steps (20 and 40 req/s) pass against a real-estate server")
        let policy = try #require(capacity["scalingPolicy"] as? [String: Any])
        #expect(policy["ServiceNamespace"] as? String == "sagemaker")
        #expect(policy["ResourceId"] as? String == "endpoint/churn-prod/variant/AllTraffic")
        #expect(policy["ScalableDimension"] as? String == "sagemaker:variant:DesiredInstanceCount")
        #expect(policy["PolicyType"] as? String == "TargetTrackingScaling")
        let tracking = try #require(policy["TargetTrackingScalingPolicyConfiguration"] as? [String: Any])
        #expect(tracking["TargetValue"] as? Double == (rate * 60 * 0.5).rounded(), "sustainable rate × 60 × safety factor")
        #expect((tracking["PredefinedMetricSpecification"] as? [String: String])?["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance")

        let target = try #require(capacity["targetStep"] as? [String: Any], "a step measured at the autoscaling target")
        #expect(target["rate"] as? Double == rate * 0.5)
        #expect(target["cpuPercent"] as? Double != nil, "the server's CPU at the target, for a CPU-based autoscaler")

        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(NSDictionary(dictionary: written).isEqual(to: policy), "the file holds the printed policy")

        let accepted = await DeploymentChecks.run(
            python, [DeploymentChecks.script("check_aws_request.py"), "application-autoscaling", "PutScalingPolicy", file.path])
        #expect(accepted.status == 0, "\(accepted.output)")

        // The validator is not a rubber stamp: a target given as text and a misspelt metric are rejected.
        var broken = written
        broken["TargetTrackingScalingPolicyConfiguration"] = [
            "TargetValue": "1200", "PredefinedMetricSpecification": ["PredefinedMetricType": "SageMakerInvocationsPerInstance"],
        ]
        let brokenText = String(decoding: try JSONSerialization.data(withJSONObject: broken), as: UTF8.self)
        let brokenFile = try DeploymentChecks.temporaryFile(brokenText, suffix: ".json")
        defer { try? FileManager.default.removeItem(at: brokenFile) }
        let rejected = await DeploymentChecks.run(
            python, [DeploymentChecks.script("check_aws_request.py"), "application-autoscaling", "PutScalingPolicy", brokenFile.path])
        #expect(rejected.status == 1, "\(rejected.output)")
        #expect(rejected.output.contains("Invalid type for parameter TargetTrackingScalingPolicyConfiguration.TargetValue"), "\(rejected.output)")
        #expect(rejected.output.contains("'SageMakerInvocationsPerInstance' is not one of"), "\(rejected.output)")
    }

    @Test("a name SageMaker would refuse stops --find-capacity before any load is sent")
    func badEndpointName() async throws {
        let load = try SwerveProcess(["load", "http://127.0.0.1:9/invocations", "--find-capacity", "--endpoint-name", "churn_prod!"])
        #expect(await load.waitForExit(timeout: 20) != 0)
        #expect(await load.standardError(contains: #"--endpoint-name: "churn_prod!" is not a SageMaker name"#), "\(load.standardError)")
    }
}
