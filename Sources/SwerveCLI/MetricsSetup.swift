import CoreMetrics
import InferenceServer
import NIOCore
import NIOHTTP1
import Prometheus

/// The metrics backends of one `swerve serve`: Prometheus always (for `/metrics`), EMF when
/// asked, multiplexed behind one swift-metrics factory that is injected into the server.
struct MetricsSetup {
    let registry = PrometheusCollectorRegistry()
    let emf: EMFMetricsFactory?
    let factory: any MetricsFactory

    init(emfEnabled: Bool) {
        var prometheus = PrometheusMetricsFactory(registry: registry)
        for label in MetricNames.latencyHistograms { prometheus.valueHistogramBuckets[label] = MetricNames.latencyBuckets }
        emf = emfEnabled ? EMFMetricsFactory() : nil
        factory = emf.map { MultiplexMetricsHandler(factories: [prometheus, $0]) } ?? prometheus
    }

    /// `GET /metrics`: the Prometheus text exposition format, after a fresh process sample.
    func endpoint(sampler: ProcessSampler?) -> @Sendable () -> Response {
        let registry = self.registry
        return {
            sampler?.sample()
            let headers = HTTPHeaders([("content-type", "text/plain; version=0.0.4; charset=utf-8"), ("cache-control", "no-store")])
            return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: registry.emitToBuffer()))
        }
    }
}
