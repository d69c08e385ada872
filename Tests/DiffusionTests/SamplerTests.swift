// DDIM time pairs (spec §10.1) and the step rules of the samplers, checked against the §10.2
// coefficient table, the numpy fixture, and against each other where they must agree.
import XCTest
@testable import Diffusion

final class SamplerTests: XCTestCase {
    func testTimePairsForOneTwoThreeFourEightSteps() {
        func pairs(_ s: Int) -> [[Int]] { linspaceTimePairs(steps: s, timesteps: 1000).map { [$0.from, $0.to] } }
        XCTAssertEqual(pairs(1), [[999, -1]])
        XCTAssertEqual(pairs(2), [[999, 499], [499, -1]])
        XCTAssertEqual(pairs(3), [[999, 665], [665, 332], [332, -1]])
        XCTAssertEqual(pairs(4), [[999, 749], [749, 499], [499, 249], [249, -1]])
        XCTAssertEqual(pairs(8), [[999, 874], [874, 749], [749, 624], [624, 499], [499, 374], [374, 249], [249, 124], [124, -1]])
        XCTAssertEqual(OneStepSampler().timePairs(steps: 4, timesteps: 1000).map { [$0.from, $0.to] }, [[999, -1]])
    }

    func testDDIMCoefficientsMatchSpecTableAndFixture() throws {
        let table = CosineSchedule().table()
        let sampler = DDIMSampler(eta: 1)
        let spec: [(Int, Int, Double, Double, Double)] = [
            (999, 749, 0.3798, 0.0001, 0.9251), (749, 499, 0.7027, 0.2957, 0.6471), (499, 249, 0.9203, 0.1642, 0.3550),
        ]
        for (t, next, signal, noise, sigma) in spec {
            let c = sampler.coefficients(from: t, to: next, table: table)
            XCTAssertEqual(c.signal, signal, accuracy: 1e-4)
            XCTAssertEqual(c.noise, noise, accuracy: 1e-4)
            XCTAssertEqual(c.sigma, sigma, accuracy: 1e-4)
        }
        for row in try ScheduleFixture.load().ddimS4 {
            let c = sampler.coefficients(from: row.t, to: row.next, table: table)
            XCTAssertEqual(c.signal, row.signal, accuracy: 1e-10)
            XCTAssertEqual(c.noise, row.noise, accuracy: 1e-9)
            XCTAssertEqual(c.sigma, row.sigma, accuracy: 1e-10)
        }
    }

    /// With ε̂ implied by the same x_t, DDIM(η = 1) and the DDPM posterior are the same distribution;
    /// drawing the same z they must give the same state.
    func testDDPMPosteriorEqualsDDIMWithEtaOne() {
        let diffusion = BoxDiffusion()
        var g = NoiseGenerator(seed: 7)
        let state = g.normalBoxes(20), clean = g.normalBoxes(20).map { $0 * 0.5 }
        for (t, next) in [(999, 749), (749, 499), (499, 249), (249, 124)] {
            let noise = diffusion.impliedNoise(state: state, predictedClean: clean, timestep: t)
            var memory = SamplerMemory()
            var g1 = NoiseGenerator(seed: 3), g2 = NoiseGenerator(seed: 3)
            let ddim = DDIMSampler(eta: 1).step(state: state, predictedClean: clean, predictedNoise: noise, from: t, to: next,
                                                table: diffusion.table, memory: &memory, generator: &g1)
            let ddpm = DDPMSampler().step(state: state, predictedClean: clean, predictedNoise: noise, from: t, to: next,
                                          table: diffusion.table, memory: &memory, generator: &g2)
            for (a, b) in zip(ddim, ddpm) {
                XCTAssertLessThan(((a - b) * (a - b)).sum(), 1e-6, "pair \(t)→\(next)")
            }
        }
    }

    /// Deterministic DDIM with an exact x̂₀ walks the forward process: x_{t′} = √ᾱ_{t′}x₀ + √(1−ᾱ_{t′})ε;
    /// DPM-Solver++'s first (first-order) step is the same update.
    func testDeterministicSamplersFollowTheForwardProcessForExactPredictions() {
        let diffusion = BoxDiffusion()
        var g = NoiseGenerator(seed: 11)
        let clean = g.normalBoxes(10).map { $0 * 0.5 }, epsilon = g.normalBoxes(10)
        let state = diffusion.noised(clean, noise: epsilon, timestep: 749)
        let noise = diffusion.impliedNoise(state: state, predictedClean: clean, timestep: 749)
        let expected = diffusion.noised(clean, noise: epsilon, timestep: 499)
        for sampler in [DDIMSampler(eta: 0), DPMSolverSampler()] as [any Sampler] {
            var memory = SamplerMemory()
            let next = sampler.step(state: state, predictedClean: clean, predictedNoise: noise, from: 749, to: 499,
                                    table: diffusion.table, memory: &memory, generator: &g)
            for (a, b) in zip(next, expected) { XCTAssertLessThan(((a - b) * (a - b)).sum(), 1e-8, "\(sampler)") }
        }
    }

    /// Second-order DPM-Solver++ with a constant x̂₀ history reduces to the first-order update.
    func testDPMSolverSecondOrderWithConstantHistoryEqualsFirstOrder() {
        let table = CosineSchedule().table()
        var g = NoiseGenerator(seed: 5)
        let state = g.normalBoxes(6), clean = g.normalBoxes(6)
        var fresh = SamplerMemory()
        var warm = SamplerMemory()
        warm.previousClean = clean.map { Optional($0) }
        warm.previousLogSNRStep = 1.3
        let first = DPMSolverSampler().step(state: state, predictedClean: clean, predictedNoise: clean, from: 499, to: 249,
                                            table: table, memory: &fresh, generator: &g)
        let second = DPMSolverSampler().step(state: state, predictedClean: clean, predictedNoise: clean, from: 499, to: 249,
                                             table: table, memory: &warm, generator: &g)
        for (a, b) in zip(first, second) { XCTAssertLessThan(((a - b) * (a - b)).sum(), 1e-10) }
    }
}
