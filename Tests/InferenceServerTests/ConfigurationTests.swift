import Logging
import ModelRuntimes
import NIOCore
import Testing

@testable import InferenceServer

@Suite("Configuration from the SageMaker environment")
struct ConfigurationTests {
    @Test("defaults follow SageMaker's")
    func defaults() throws {
        let configuration = try ServerConfiguration(environment: [:])
        #expect(configuration.port == 8080)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.modelDirectory == "/opt/ml/model")
        #expect(configuration.workerCount == 2 * AvailableCores.count + 1)
        #expect(configuration.requestTimeout == .seconds(60))
        #expect(configuration.maxPayloadBytes == 6 << 20)
        #expect(configuration.idleTimeout == .seconds(60))
        #expect(configuration.defaultAccept == nil)
        #expect(configuration.logLevel == .info)
        #expect(configuration.metricsEnabled)
        #expect(!configuration.emfEnabled)
    }

    @Test("every variable is read")
    func variables() throws {
        let configuration = try ServerConfiguration(environment: [
            "SAGEMAKER_BIND_TO_PORT": "9001", "SM_MODEL_DIR": "/models/x", "SAGEMAKER_MODEL_SERVER_WORKERS": "7",
            "SWERVE_QUEUE_DEPTH": "12", "SWERVE_QUEUE_MAX_MB": "3", "SAGEMAKER_MODEL_SERVER_TIMEOUT": "2.5",
            "SAGEMAKER_MAX_PAYLOAD_IN_MB": "20", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
            "SWERVE_IDLE_TIMEOUT": "5", "SAGEMAKER_CONTAINER_LOG_LEVEL": "10", "SWERVE_METRICS": "off",
            "SWERVE_EMF": "on", "SWERVE_EMF_INTERVAL": "15", "SWERVE_ENDPOINT_NAME": "ep", "SWERVE_VARIANT_NAME": "v2",
        ])
        #expect(configuration.port == 9001)
        #expect(configuration.modelDirectory == "/models/x")
        #expect(configuration.workerCount == 7)
        #expect(configuration.queueDepth == 12)
        #expect(configuration.queueMaxBytes == 3 << 20)
        #expect(configuration.requestTimeout == .milliseconds(2500))
        #expect(configuration.maxPayloadBytes == 20 << 20)
        #expect(configuration.defaultAccept == "text/csv")
        #expect(configuration.idleTimeout == .seconds(5))
        #expect(configuration.logLevel == .debug)
        #expect(!configuration.metricsEnabled)
        #expect(configuration.emfEnabled)
        #expect(configuration.emf.interval == .seconds(15))
        #expect(configuration.emf.endpointName == "ep")
        #expect(configuration.emf.variantName == "v2")
    }

    @Test(
        "malformed values are refused naming the variable",
        arguments: [
            ("SAGEMAKER_BIND_TO_PORT", "http"), ("SAGEMAKER_BIND_TO_PORT", "70000"), ("SAGEMAKER_MODEL_SERVER_WORKERS", "0"),
            ("SAGEMAKER_MODEL_SERVER_TIMEOUT", "-1"), ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "lots"),
            ("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "csv"), ("SAGEMAKER_CONTAINER_LOG_LEVEL", "loud"), ("SWERVE_EMF", "maybe"),
        ])
    func malformed(name: String, value: String) {
        let error = #expect(throws: ConfigurationError.self) { try ServerConfiguration(environment: [name: value]) }
        #expect(error?.name == name)
    }

    @Test("log levels: Python numbers and names")
    func logLevels() {
        #expect(LogLevelName.parse("20") == .info)
        #expect(LogLevelName.parse("40") == .error)
        #expect(LogLevelName.parse("WARN") == .warning)
        #expect(LogLevelName.parse("critical") == .critical)
        #expect(LogLevelName.parse("verbose") == nil)
    }
}

@Suite("Content negotiation")
struct ContentNegotiationTests {
    let negotiator = try! ContentNegotiator(inputTypes: [.json, .csv, .jsonLines], outputTypes: [.json, .csv, .jsonLines], defaultAccept: nil)

    @Test("Content-Type: missing is the first input type; parameters and aliases are understood; others are 415")
    func contentType() throws {
        #expect(try negotiator.contentType(for: nil) == .json)
        #expect(try negotiator.contentType(for: "text/csv; charset=UTF-8") == .csv)
        #expect(try negotiator.contentType(for: "application/x-ndjson") == .jsonLines)
        #expect((#expect(throws: ServingError.self) { try negotiator.contentType(for: "image/png") })?.status == 415)
        #expect((#expect(throws: ServingError.self) { try negotiator.contentType(for: "text/csv; charset=latin1") })?.status == 415)
    }

    @Test("Accept: missing or */* is the request's type; q-values order the choice; none acceptable is 406")
    func accept() throws {
        #expect(try negotiator.accept(for: nil, requestType: .csv) == .csv)
        #expect(try negotiator.accept(for: "*/*", requestType: .jsonLines) == .jsonLines)
        #expect(try negotiator.accept(for: "text/html, application/json;q=0.5, text/csv;q=0.9", requestType: .json) == .csv)
        #expect(try negotiator.accept(for: "text/*", requestType: .json) == .csv)
        #expect(try negotiator.accept(for: "text/csv;q=0, */*;q=0.1", requestType: .csv) == .json, "q=0 excludes a type even under */*")
        #expect((#expect(throws: ServingError.self) { try negotiator.accept(for: "text/html, text/csv;q=0", requestType: .json) })?.status == 406)
    }

    @Test("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT wins for */*, and must be a type the model writes")
    func defaultAccept() throws {
        let csvFirst = try ContentNegotiator(inputTypes: [.json], outputTypes: [.json, .csv], defaultAccept: "text/csv")
        #expect(try csvFirst.accept(for: "*/*", requestType: .json) == .csv)
        #expect(try csvFirst.accept(for: "application/json", requestType: .json) == .json)
        #expect(throws: ConfigurationError.self) {
            try ContentNegotiator(inputTypes: [.json], outputTypes: [.json], defaultAccept: "text/csv")
        }
    }
}
