import InferenceServer
import ServiceLifecycle

#if OTLP
    import OTel
#endif

/// Which tracer `swerve serve --tracing` bootstraps, and the service that exports its spans.
///
/// `none` (the default) leaves swift-distributed-tracing's no-op tracer in place: no span is
/// made. `otlp` bootstraps swift-otel's OTLP/HTTP exporter, configured by the standard `OTEL_*`
/// variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, ...);
/// it exists only in a binary built with the OTLP package trait (`swift build --traits OTLP`),
/// because swift-otel takes minutes to build. A program embedding Swerve through
/// `Swerve.main(handlers:)` may instead bootstrap any tracer itself before calling it.
enum TracingBackend: String, CaseIterable, Sendable {
    case none, otlp

    /// True when this binary was built with the OTLP trait.
    static var otlpAvailable: Bool {
        #if OTLP
            true
        #else
            false
        #endif
    }

    /// Bootstraps the tracer; returns the service that exports spans (to run with the server).
    func bootstrap(serviceName: String) throws -> (any Service)? {
        switch self {
        case .none:
            return nil
        case .otlp:
            #if OTLP
                var configuration = OTel.Configuration.default
                configuration.serviceName = serviceName
                configuration.logs.enabled = false
                configuration.metrics.enabled = false
                configuration.traces.enabled = true
                configuration.diagnosticLogLevel = .warning
                return try OTel.bootstrap(configuration: configuration)
            #else
                throw ConfigurationError(
                    name: "--tracing otlp",
                    problem: "this swerve was built without OTLP export; build it with `swift build -c release --traits OTLP`")
            #endif
        }
    }
}
