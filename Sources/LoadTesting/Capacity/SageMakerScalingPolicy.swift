import Foundation

/// The Application Auto Scaling `PutScalingPolicy` request that makes a SageMaker endpoint variant
/// track the invocation rate `--find-capacity` found sustainable, ready for
/// `aws application-autoscaling put-scaling-policy --cli-input-json file://policy.json`.
///
/// Exists so the capacity answer ends in the artefact an operator applies, spelled with the API's
/// own member names (checked against botocore's service model by the end-to-end tests), instead
/// of a number to copy into a hand-written document.
public struct SageMakerScalingPolicy: Codable, Sendable, Equatable {
    /// The endpoint variant the policy scales.
    public struct Variant: Sendable, Equatable {
        public var endpointName: String
        public var variantName: String

        public init(endpointName: String, variantName: String) {
            self.endpointName = endpointName
            self.variantName = variantName
        }

        /// SageMaker's naming rule for endpoints and variants: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`.
        public func validate() throws(LoadTestError) {
            for (option, name) in [("--endpoint-name", self.endpointName), ("--variant-name", self.variantName)] {
                guard Self.isValidName(name) else {
                    throw LoadTestError(option: option, "\"\(name)\" is not a SageMaker name (1-63 letters, digits and inner hyphens)")
                }
            }
        }

        static func isValidName(_ name: String) -> Bool {
            let bytes = Array(name.utf8)
            func isAlphanumeric(_ byte: UInt8) -> Bool {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
            guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
            return bytes.count <= 63 && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `TargetTrackingScalingPolicyConfiguration` with a predefined metric.
    public struct TargetTracking: Codable, Sendable, Equatable {
        public struct PredefinedMetric: Codable, Sendable, Equatable {
            public var predefinedMetricType: String

            private enum CodingKeys: String, CodingKey {
                case predefinedMetricType = "PredefinedMetricType"
            }
        }

        /// Invocations per instance per minute to hold the variant at.
        public var targetValue: Double
        public var predefinedMetricSpecification: PredefinedMetric
        /// Seconds after a scale-in before another may start.
        public var scaleInCooldown: Int
        /// Seconds after a scale-out before its effect is assessed.
        public var scaleOutCooldown: Int

        private enum CodingKeys: String, CodingKey {
            case targetValue = "TargetValue"
            case predefinedMetricSpecification = "PredefinedMetricSpecification"
            case scaleInCooldown = "ScaleInCooldown"
            case scaleOutCooldown = "ScaleOutCooldown"
        }
    }

    public static let metric = "SageMakerVariantInvocationsPerInstance"

    public var policyName: String
    public var serviceNamespace: String
    public var resourceId: String
    public var scalableDimension: String
    public var policyType: String
    public var targetTrackingScalingPolicyConfiguration: TargetTracking

    private enum CodingKeys: String, CodingKey {
        case policyName = "PolicyName"
        case serviceNamespace = "ServiceNamespace"
        case resourceId = "ResourceId"
        case scalableDimension = "ScalableDimension"
        case policyType = "PolicyType"
        case targetTrackingScalingPolicyConfiguration = "TargetTrackingScalingPolicyConfiguration"
    }

    /// A target-tracking policy holding `variant` at `invocationsPerInstancePerMinute` (rounded to
    /// a whole invocation; at least 1).
    public init(variant: Variant, invocationsPerInstancePerMinute: Double, scaleInCooldown: Int = 300, scaleOutCooldown: Int = 60) {
        self.policyName = "\(variant.endpointName)-\(variant.variantName)-invocations-per-instance"
        self.serviceNamespace = "sagemaker"
        self.resourceId = "endpoint/\(variant.endpointName)/variant/\(variant.variantName)"
        self.scalableDimension = "sagemaker:variant:DesiredInstanceCount"
        self.policyType = "TargetTrackingScaling"
        self.targetTrackingScalingPolicyConfiguration = TargetTracking(
            targetValue: max(1, invocationsPerInstancePerMinute.rounded()),
            predefinedMetricSpecification: .init(predefinedMetricType: Self.metric),
            scaleInCooldown: scaleInCooldown, scaleOutCooldown: scaleOutCooldown
        )
    }

    /// Pretty-printed JSON with sorted keys, as `--cli-input-json` reads it.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
