// The seam between the runner and what it trains. A task is built from the resolved config by the
// composition root (the only place that maps config choices to implementations); the runner only
// steps it, evaluates it, and saves/restores its named state.
import Foundation
import Recording

/// Metrics from one evaluation, by name. Conventions: COCO numbers as `bbox.AP`, `segm.AP50`, … `segm.ARl`;
/// per category `segm.AP.cat.<name>`; per sampling-step count `<metric>@steps=<S>`; noise-seed spread `<metric>.std`.
public struct EvaluationResult {
    public var metrics: [String: Double]
    public init(metrics: [String: Double]) { self.metrics = metrics }
}

/// What the runner trains. Implementations must be deterministic given the config's seeds (resume equality).
public protocol ExperimentTask: AnyObject {
    /// The metric reports rank by (e.g. `segm.AP`), and whether higher is better.
    var primaryMetric: String { get }
    var higherIsBetter: Bool { get }
    /// Trainable parameter count (recorded in the manifest).
    var parameterCount: Int { get }

    /// One optimisation step (1-based `step`). Returns every scalar worth logging; `loss` is the total,
    /// other loss terms are named `loss_<term>`; also `lr`, `grad_norm`, `data_time`.
    func trainStep(step: Int) throws -> [String: Double]

    /// The run now ends after `totalSteps` (train.time_budget_minutes plans it from measured step times):
    /// schedules defined over the run's length (cosine) must follow; absolute ones (multistep) stay.
    func plan(totalSteps: Int)

    /// Evaluates the current weights (does not change training state, including RNG streams).
    func evaluate() throws -> EvaluationResult

    /// Everything needed to continue exactly: `model.*` weights, `optimizer.*`, `schedule.*`, `rng.*`, `data.*`.
    func checkpointState() -> CheckpointState

    /// Restores a state from `checkpointState()`; with `weightsOnly` only `model.*` entries are read
    /// (the `init_from` path), and missing or mis-shaped weights are an error naming them.
    func restore(_ state: CheckpointState, weightsOnly: Bool) throws
}

/// A task failure with a clear message.
public struct TaskError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The composition root: the one place a config's `task` (and, inside a task, its model choices) becomes code.
public enum CompositionRoot {
    public static func makeTask(_ config: ResolvedConfig) throws -> ExperimentTask {
        switch config.string("task") {
        case "toy":
            return ToyClassificationTask(config: config)
        case "toy_mlp":
            return try EngineToyTask(config: config)
        case "diffusioninst":
            return try DiffusionInstTask(config: config)
        case let other:
            throw TaskError("unknown task '\(other)'")
        }
    }
}
