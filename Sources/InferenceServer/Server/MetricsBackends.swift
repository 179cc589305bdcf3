import CoreMetrics
import NIOCore
import NIOHTTP1

/// Where the server's metrics go: the Prometheus backend (for `/metrics`) and, when asked,
/// CloudWatch EMF, multiplexed behind one swift-metrics factory that is injected into the
/// server; or, in tests, a factory of the test's own.
public struct MetricsBackends: Sendable {
    /// The backend `/metrics` renders; nil when the factory was injected.
    public let prometheus: PrometheusBackend?
    /// The EMF backend, when EMF is on.
    public let emf: EMFMetricsFactory?
    /// What the server's handles are made from.
    public let factory: any MetricsFactory

    /// Prometheus, plus EMF when `emfEnabled`.
    public static func standard(emfEnabled: Bool) -> MetricsBackends {
        let prometheus = PrometheusBackend(help: MetricNames.help, buckets: MetricNames.buckets)
        let emf = emfEnabled ? EMFMetricsFactory() : nil
        let factory: any MetricsFactory = emf.map { MultiplexMetricsHandler(factories: [prometheus, $0]) } ?? prometheus
        return MetricsBackends(prometheus: prometheus, emf: emf, factory: factory)
    }

    /// A factory of the caller's own (swift-metrics' `TestMetrics` in tests); no `/metrics` route.
    public static func injected(_ factory: any MetricsFactory) -> MetricsBackends {
        MetricsBackends(prometheus: nil, emf: nil, factory: factory)
    }

    /// `GET /metrics`: the Prometheus text exposition format, after a fresh process sample and
    /// `beforeRender` (which records what is read at scrape time, such as health).
    func endpoint(sampler: ProcessSampler?, beforeRender: @escaping @Sendable () -> Void = {}) -> (@Sendable () -> Response)? {
        guard let prometheus else { return nil }
        return {
            sampler?.sample()
            beforeRender()
            let headers = HTTPHeaders([("content-type", "text/plain; version=0.0.4; charset=utf-8"), ("cache-control", "no-store")])
            return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: prometheus.render()))
        }
    }
}
