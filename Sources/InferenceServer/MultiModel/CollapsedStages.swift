import ModelRuntimes

/// The stage recorder models report to in multi-model mode: every stage of every model is
/// accounted as the one container `predict_fn`, between `input_fn` and `output_fn`.
///
/// The per-container series are made once, for all models together (a thousand models with their
/// own stage names would be a thousand label sets); collapsing the stages keeps "containers plus
/// worker overhead = worker CPU" true for any model. Per-model latency is
/// `swerve_model_invocation_latency_seconds{model}`.
struct CollapsedStages: StageRecorder {
    let accounting: StageAccounting

    init(_ accounting: StageAccounting) { self.accounting = accounting }

    func stageStarted() -> StageStart { accounting.stageStarted() }

    func stageEnded(_ stage: Int, since start: StageStart) { accounting.stageEnded(0, since: start) }

    func addCPUTime(_ stage: Int, nanoseconds: UInt64) {
        accounting.addCPUTime(stage < 0 ? stage : 0, nanoseconds: nanoseconds)
    }
}
