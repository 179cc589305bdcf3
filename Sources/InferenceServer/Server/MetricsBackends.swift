import CoreMetrics
import NIOCore
import NIOHTTP1
import Prometheus

/// Where the server's metrics go: Prometheus (for `/metrics`) and, when asked, CloudWatch EMF,
/// multiplexed behind one swift-metrics factory that is injected into the server; or, in tests,
/// a factory of the test's own.
public struct MetricsBackends: Sendable {
    /// The Prometheus registry `/metrics` renders; nil when the factory was injected.
    public let registry: PrometheusCollectorRegistry?
    /// The EMF backend, when EMF is on.
    public let emf: EMFMetricsFactory?
    /// What the server's handles are made from.
    public let factory: any MetricsFactory

    /// Prometheus, plus EMF when `emfEnabled`.
    public static func standard(emfEnabled: Bool) -> MetricsBackends {
        let registry = PrometheusCollectorRegistry()
        var prometheus = PrometheusMetricsFactory(registry: registry)
        for label in MetricNames.latencyHistograms { prometheus.valueHistogramBuckets[label] = MetricNames.latencyBuckets }
        let emf = emfEnabled ? EMFMetricsFactory() : nil
        let factory: any MetricsFactory = emf.map { MultiplexMetricsHandler(factories: [prometheus, $0]) } ?? prometheus
        return MetricsBackends(registry: registry, emf: emf, factory: factory)
    }

    /// A factory of the caller's own (swift-metrics' `TestMetrics` in tests); no `/metrics` route.
    public static func injected(_ factory: any MetricsFactory) -> MetricsBackends {
        MetricsBackends(registry: nil, emf: nil, factory: factory)
    }

    /// `GET /metrics`: the Prometheus text exposition format, after a fresh process sample.
    func endpoint(sampler: ProcessSampler?) -> (@Sendable () -> Response)? {
        guard let registry else { return nil }
        return {
            sampler?.sample()
            let headers = HTTPHeaders([("content-type", "text/plain; version=0.0.4; charset=utf-8"), ("cache-control", "no-store")])
            return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: registry.emitToBuffer()))
        }
    }
}
