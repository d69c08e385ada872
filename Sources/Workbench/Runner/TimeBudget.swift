// `train.time_budget_minutes`: the run sets its own step count so that its training (step time only;
// evaluations and checkpoints excluded) takes the budget on the host it runs on. Hosts of one "kind"
// differ by 2x in step time, so a fixed train.max_steps either stops the cosine decay early or wastes
// the hour. Every `train.budget_replan_every` steps the plan is redone from the median of the latest
// step times and the training time used so far, and the task's LR schedule is told the new total, so a
// host that drifts still lands on the budget with a fully decayed rate; train.max_steps stays a cap.
// Wall-clock plans are not reproducible: the planned totals are logged, kept in checkpoints (a resumed
// run continues from its plan) and in the manifest; rerun exactly with train.max_steps set to the last.
import Foundation

struct TimeBudget {
    /// 0 = off.
    let seconds: Double
    let replanEvery: Int
    let cap: Int
    /// Training seconds so far (resumed runs start from the checkpoint's figure).
    private(set) var trainingSeconds = 0.0
    private var recent: [Double] = []

    init(config: ResolvedConfig) {
        seconds = config.double("train.time_budget_minutes") * 60
        replanEvery = config.int("train.budget_replan_every")
        cap = config.int("train.max_steps")
    }

    var isActive: Bool { seconds > 0 }

    /// Checkpoint entries that carry the budget's state across a resume.
    static let plannedKey = "trainer.planned_steps", trainingKey = "trainer.training_ms"

    mutating func restore(trainingSeconds used: Double) { trainingSeconds = used }

    var trainingMilliseconds: Int { Int((trainingSeconds * 1000).rounded()) }

    /// Records one step's training time (kept for every run: the manifest reports it).
    mutating func record(stepTime: Double) {
        trainingSeconds += stepTime
        recent.append(stepTime)
        if recent.count > replanEvery { recent.removeFirst(recent.count - replanEvery) }
    }

    /// A new total step count when a (re)plan is due after `step` (the run now ends at `planned`), else nil.
    /// Out of time, the plan is `step` itself: the budget is a limit, not a target to overrun.
    func plan(after step: Int, planned: Int) -> Int? {
        guard isActive else { return nil }
        if trainingSeconds >= seconds { return step < planned ? step : nil }
        guard step % replanEvery == 0, recent.count >= min(replanEvery, 10) else { return nil }
        let sorted = recent.sorted()
        let median = sorted[sorted.count / 2]
        let more = Int(((seconds - trainingSeconds) / max(median, 1e-6)).rounded(.down))
        let total = min(cap, step + max(0, more))
        return total == planned ? nil : total
    }
}
