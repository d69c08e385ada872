// The §10.2 loop against a scripted denoiser: timesteps visited, renewal and replenishment,
// and which steps each ensemble strategy pools (the official drop-last quirk included).
import XCTest
@testable import Diffusion

final class SamplingLoopTests: XCTestCase {
    /// Predicts fixed boxes; proposals with an even index score high, odd ones low.
    final class ScriptedDenoiser: Denoiser {
        var calls: [(count: Int, t: Int)] = []
        func denoise(boxes: [Box], timestep t: Int) throws -> DenoiserPrediction {
            calls.append((boxes.count, t))
            let n = boxes.count
            return DenoiserPrediction(logits: (0..<n).map { $0 % 2 == 0 ? 4 : -4 }, boxes: (0..<n).map { i in Box(Float(i), 0, Float(i) + 10, 10) },
                                      filters: [Float](repeating: Float(t), count: n), classCount: 1, filterSize: 1)
        }
    }

    func testLoopVisitsTimePairsAndKeepsProposalCount() throws {
        for sampler in [DDIMSampler(eta: 1), DDPMSampler(), DPMSolverSampler()] as [any Sampler] {
            let denoiser = ScriptedDenoiser()
            var g = NoiseGenerator(seed: 2)
            let sampling = DiffusionSampling(diffusion: BoxDiffusion(), sampler: sampler, steps: 4)
            let steps = try sampling.run(denoiser: denoiser, proposalCount: 8, imageWidth: 64, imageHeight: 64, generator: &g)
            XCTAssertEqual(denoiser.calls.map(\.t), [999, 749, 499, 249])
            XCTAssertTrue(denoiser.calls.allSatisfy { $0.count == 8 })
            XCTAssertEqual(steps.map(\.to), [749, 499, 249, -1])
        }
    }

    func testRenewalKeepsConfidentRowsAndReplenishesTheRest() {
        let prediction = try! ScriptedDenoiser().denoise(boxes: [Box](repeating: Box(0, 0, 1, 1), count: 5), timestep: 0)
        XCTAssertEqual(ThresholdRenewal(threshold: 0.5).keptRows(prediction), [0, 2, 4])
        XCTAssertEqual(NoRenewal().keptRows(prediction), [0, 1, 2, 3, 4])
    }

    func testEnsembleStrategies() throws {
        var g = NoiseGenerator(seed: 4)
        let steps = try DiffusionSampling(diffusion: BoxDiffusion(), steps: 4)
            .run(denoiser: ScriptedDenoiser(), proposalCount: 6, imageWidth: 64, imageHeight: 64, generator: &g)
        XCTAssertEqual(StepUnion(includeLastStep: true).contributingSteps(steps).map(\.from), [999, 749, 499, 249])
        XCTAssertEqual(StepUnion(includeLastStep: false).contributingSteps(steps).map(\.from), [999, 749, 499])
        XCTAssertEqual(LastStepOnly().contributingSteps(steps).map(\.from), [249])
        XCTAssertEqual(StepUnion(includeLastStep: false).contributingSteps(Array(steps.prefix(1))).map(\.from), [999])
        // Each step's candidates carry that step's filter (the scripted filter is t).
        let detections = CandidateSelection.detections(from: steps, ensemble: StepUnion(includeLastStep: false), candidatesPerStep: 6)
        XCTAssertEqual(Set(detections.compactMap(\.filter.first)), [999])
    }

    func testSameSeedSameRun() throws {
        func run(_ seed: UInt64) throws -> [Box] {
            var g = NoiseGenerator(seed: seed)
            let d = ScriptedDenoiser()
            _ = try DiffusionSampling(diffusion: BoxDiffusion(), steps: 3).run(denoiser: d, proposalCount: 4, imageWidth: 32, imageHeight: 32, generator: &g)
            return g.normalBoxes(2)
        }
        XCTAssertEqual(try run(9), try run(9))
        XCTAssertNotEqual(try run(9), try run(10))
    }
}
