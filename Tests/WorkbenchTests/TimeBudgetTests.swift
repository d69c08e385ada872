// train.time_budget_minutes: the plan arithmetic on fixed step times, and the runner on the toy task
// (a 10 ms sleep per step bounds how many steps a budget can hold): the run ends on its plan with the
// cosine decayed there, stays within the budget, and a resumed run continues from the stored plan.
import XCTest
import Recording
@testable import Workbench

final class TimeBudgetTests: XCTestCase {
    func config(_ sandbox: Sandbox, _ overrides: [String]) throws -> ResolvedConfig {
        try sandbox.write("exp", toyExperiment)
        return try SweepPlan(experiment: sandbox.experiment("exp"), overrides: overrides.map { try Override.parse($0) }, includeSweep: false).configs[0]
    }

    func testPlansFromTheMedianStepTimeAndFollowsADrift() throws {
        let sandbox = try Sandbox()
        var budget = TimeBudget(config: try config(sandbox, ["train.time_budget_minutes=1", "train.budget_replan_every=100", "train.max_steps=1000"]))
        // 100 steps of 0.5 s (one 5 s outlier the median ignores): 50 s used, 10 s left = 20 more steps.
        for step in 1...100 {
            budget.record(stepTime: step == 7 ? 5 : 0.5)
            if step < 100 { XCTAssertNil(budget.plan(after: step, planned: 1000), "no plan between re-plan points") }
        }
        XCTAssertEqual(budget.trainingSeconds, 99 * 0.5 + 5, accuracy: 1e-9)
        XCTAssertEqual(budget.plan(after: 100, planned: 1000), 100 + Int((60 - 54.5) / 0.5))
        // The cap bounds the plan.
        var capped = TimeBudget(config: try config(sandbox, ["train.time_budget_minutes=100", "train.budget_replan_every=10", "train.max_steps=50"]))
        for _ in 1...10 { capped.record(stepTime: 0.1) }
        XCTAssertEqual(capped.plan(after: 10, planned: 50), nil, "already planned at the cap")
        XCTAssertEqual(capped.plan(after: 10, planned: 30), 50)
        // Out of time between re-plan points: the run ends at this step; at its planned end nothing changes.
        var late = TimeBudget(config: try config(sandbox, ["train.time_budget_minutes=0.01", "train.budget_replan_every=100"]))
        late.record(stepTime: 0.7)
        XCTAssertEqual(late.plan(after: 3, planned: 120), 3)
        XCTAssertNil(late.plan(after: 3, planned: 3))
        // Off: never plans.
        var off = TimeBudget(config: try config(sandbox, []))
        off.record(stepTime: 1e6)
        XCTAssertNil(off.plan(after: 100, planned: 40))
    }

    func testRunEndsOnItsPlanWithTheScheduleDecayedAndResumesFromIt() throws {
        let sandbox = try Sandbox()
        let seconds = 1.2, delay = 0.01
        let config = try self.config(sandbox, ["train.time_budget_minutes=\(seconds / 60)", "train.budget_replan_every=10", "train.max_steps=100000",
                                               "toy.step_delay_ms=\(Int(delay * 1000))", "schedule.kind=cosine", "train.eval_every=0",
                                               "train.checkpoint_every=50", "train.flush_every=1"])
        let (run, outcome) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/budget", options: TrainOptions(quiet: true))
        let manifest = try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: run.manifestPath)))
        XCTAssertEqual(manifest.status, "done")
        XCTAssertEqual(manifest.plannedSteps, outcome.lastStep)
        // Every step sleeps at least `delay`, so the budget holds at most seconds/delay steps (+1 for the step that crosses it).
        XCTAssertLessThanOrEqual(outcome.lastStep, Int(seconds / delay) + 1)
        XCTAssertGreaterThan(outcome.lastStep, 10, "the first plan comes after 10 steps")
        let used = try XCTUnwrap(manifest.trainingSeconds)
        XCTAssertGreaterThan(used, 0.5 * seconds)
        let metrics = try RunMetrics(path: run.metricsPath)
        let stepTimes = try XCTUnwrap(metrics.train["step_time"])
        XCTAssertLessThanOrEqual(used, seconds + stepTimes.max()! + 1e-6)
        XCTAssertEqual(used, stepTimes.reduce(0, +), accuracy: 1e-3)
        // The cosine ended on the plan, not on the 100000-step cap (where the rate would still be ~lr).
        let lr = try XCTUnwrap(metrics.train["lr"])
        XCTAssertLessThan(lr.last!, 0.05 * 0.01, "final lr \(lr.last!)")
        XCTAssertEqual(metrics.evaluation["step"], [Double(outcome.lastStep)], "the final evaluation runs at the planned end")
        XCTAssertTrue(try String(contentsOfFile: run.logPath, encoding: .utf8).contains("time budget:"))

        // Interrupted after a checkpoint: the stored plan and training time carry over; the run ends on its (re)plan.
        let (broken, _) = try Trainer.start(config: config, results: sandbox.results, runDirectory: sandbox.results + "/broken",
                                            options: TrainOptions(quiet: true, stopAfterStep: 55))
        let saved = try CheckpointFile.read(from: try XCTUnwrap(broken.checkpoints().last))
        XCTAssertEqual(saved.integers["trainer.step"], 50)
        let planned = try XCTUnwrap(saved.integers[TimeBudget.plannedKey])
        XCTAssertGreaterThan(planned, 50)
        XCTAssertGreaterThan(try XCTUnwrap(saved.integers[TimeBudget.trainingKey]), 50 * Int(delay * 1000) - 1)
        let resumed = try Trainer.resume(run: broken, options: TrainOptions(quiet: true))
        let after = try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: broken.manifestPath)))
        XCTAssertEqual(after.status, "done")
        XCTAssertEqual(after.plannedSteps, resumed.lastStep)
        XCTAssertLessThanOrEqual(resumed.lastStep, Int(seconds / delay) + 1)
        XCTAssertLessThanOrEqual(try XCTUnwrap(after.trainingSeconds), seconds + 0.2)
    }
}
