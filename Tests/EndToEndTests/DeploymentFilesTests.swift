import Foundation
import Testing

@Suite("Deployment files validated offline: Kubernetes manifests and SageMaker API requests")
struct DeploymentFilesTests {
    static let root = SwerveProcess.repositoryRoot

    @Test(
        "every manifest in deploy/kubernetes passes kubernetes-validate (strict) and fits the server",
        .enabled(if: DeploymentChecks.enabled, Comment(rawValue: DeploymentChecks.missing)))
    func kubernetesManifests() async throws {
        let python = try #require(DeploymentChecks.python, Comment(rawValue: DeploymentChecks.missing))
        let result = await DeploymentChecks.run(
            python,
            [
                DeploymentChecks.script("check_kubernetes_manifests.py"),
                Self.root.appendingPathComponent("deploy/kubernetes").path, "1.30.0", "1.37.0",
            ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("4 manifests (Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, Service)"))
    }

    @Test(
        "a manifest with an unknown field, a short grace period or a fractional CPU is rejected",
        .enabled(if: DeploymentChecks.enabled, Comment(rawValue: DeploymentChecks.missing)))
    func brokenManifests() async throws {
        let python = try #require(DeploymentChecks.python, Comment(rawValue: DeploymentChecks.missing))
        let source = Self.root.appendingPathComponent("deploy/kubernetes")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-k8s-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let deployment = copy.appendingPathComponent("deployment.yaml")
        var text = try String(contentsOf: deployment, encoding: .utf8)
        text = text.replacingOccurrences(of: "terminationGracePeriodSeconds: 30", with: "terminationGracePeriodSeconds: 10")
        text = text.replacingOccurrences(of: "failureThreshold: 60", with: "failureTreshold: 60")
        text = text.replacingOccurrences(of: "cpu: \"1\"", with: "cpu: 1500m")
        try text.write(to: deployment, atomically: true, encoding: .utf8)

        let result = await DeploymentChecks.run(python, [DeploymentChecks.script("check_kubernetes_manifests.py"), copy.path, "1.30.0"])
        #expect(result.status == 1)
        #expect(result.output.contains("'failureTreshold' was unexpected"), "\(result.output)")
        #expect(result.output.contains("terminationGracePeriodSeconds 10 < preStop 5 s + drain 20 s + 5 s"), "\(result.output)")
        #expect(result.output.contains("CPU 1500m is not a whole number of cores"), "\(result.output)")
    }

    @Test(
        "the SageMaker requests in deploy/sagemaker pass botocore's parameter validation",
        .enabled(if: DeploymentChecks.enabled, Comment(rawValue: DeploymentChecks.missing)))
    func sageMakerRequests() async throws {
        let python = try #require(DeploymentChecks.python, Comment(rawValue: DeploymentChecks.missing))
        let files: [(String, String, String)] = [
            ("sagemaker", "CreateModel", "create-model.json"),
            ("sagemaker", "CreateEndpointConfig", "create-endpoint-config.json"),
            ("sagemaker", "CreateEndpoint", "create-endpoint.json"),
            ("application-autoscaling", "RegisterScalableTarget", "register-scalable-target.json"),
            ("application-autoscaling", "PutScalingPolicy", "scaling-policy.json"),
        ]
        let arguments = files.flatMap { [$0.0, $0.1, Self.root.appendingPathComponent("deploy/sagemaker/\($0.2)").path] }
        let result = await DeploymentChecks.run(python, [DeploymentChecks.script("check_aws_request.py")] + arguments)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == files.count, "\(result.output)")
    }
}
