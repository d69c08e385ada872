// Optimisers and clipping against PyTorch 1.13 fixtures; schedules against their formulas;
// state round trips; and a smoke test that a small MLP learns a toy task.
import XCTest
import Foundation
import Optim
import TestSupport

final class OptimizerTests: XCTestCase {
    var optim: [String: Any] = [:]
    override func setUpWithError() throws { optim = try loadJSONFixture("core_fixtures.json").object("optim") }

    func replay(_ optimizer: (Parameter) -> Optimizer, fixture: String, stateKeys: [(String, String)]) throws {
        let p = Parameter(Tensor(shape: [2, 3], scalars: try optim.floats("start")))
        let opt = optimizer(p)
        let grads = (optim["grads"] as! [[NSNumber]]).map { $0.map { Float($0.doubleValue) } }
        let steps = optim[fixture] as! [[String: Any]]
        for (i, g) in grads.enumerated() {
            p.grad = Tensor(shape: [2, 3], scalars: g)
            opt.step()
            assertClose(p.value.scalars, try steps[i].floats("param"), atol: 1e-6, rtol: 1e-5, "\(fixture) step \(i + 1)")
            let state = opt.stateDict()
            for (ours, theirs) in stateKeys {
                assertClose(state["0." + ours]!.scalars, try steps[i].floats(theirs), atol: 1e-6, rtol: 1e-5, "\(fixture) \(ours) \(i + 1)")
            }
            XCTAssertEqual(state["step"]?.scalar, Float(i + 1))
        }
    }

    func testSGDWithMomentumMatchesPyTorch() throws {
        try replay({ SGD(parameters: [$0], learningRate: 0.1, momentum: 0.9, weightDecay: 1e-2) }, fixture: "sgd_momentum",
                   stateKeys: [("momentum", "momentum_buffer")])
        try replay({ SGD(parameters: [$0], learningRate: 0.1) }, fixture: "sgd_plain", stateKeys: [])
    }

    func testAdamWMatchesPyTorch() throws {
        try replay({ AdamW(parameters: [$0], learningRate: 1e-2, weightDecay: 0.1) }, fixture: "adamw",
                   stateKeys: [("expAvg", "exp_avg"), ("expAvgSq", "exp_avg_sq")])
    }

    /// The update runs eight lanes at a time with a scalar tail: on 37 elements (both paths) and over
    /// several steps, every element must equal the scalar formula bit for bit.
    func testAdamWVectorPathEqualsTheScalarFormulaExactly() {
        let n = 37
        let p = Parameter(Tensor(shape: [n], scalars: (0..<n).map { Float($0) * 0.37 - 5 }))
        let opt = AdamW(parameters: [p], learningRate: 3e-3, weightDecay: 0.05)
        var w = p.value.scalars, m = [Float](repeating: 0, count: n), v = m
        let (lr, b1, b2, eps, wd): (Float, Float, Float, Float, Float) = (3e-3, 0.9, 0.999, 1e-8, 0.05)
        for step in 1...5 {
            let g = (0..<n).map { Float(sin(Double($0 * step) * 0.7)) * Float(step) }
            p.grad = Tensor(shape: [n], scalars: g)
            opt.step()
            let c1 = Float(1 - pow(Double(b1), Double(step))), c2 = Float((1 - pow(Double(b2), Double(step))).squareRoot())
            let decay = 1 - lr * wd, stepSize = lr / c1
            for i in 0..<n {
                w[i] *= decay
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                w[i] -= stepSize * m[i] / (v[i].squareRoot() / c2 + eps)
            }
            XCTAssertEqual(p.value.scalars, w, "step \(step)")
            XCTAssertEqual(opt.stateDict()["0.expAvgSq"]?.scalars, v, "step \(step)")
        }
    }

    func testOptimizerStateRoundTripResumesExactly() throws {
        func run(resumeAfter: Int?) -> [Float] {
            let p = Parameter(Tensor(shape: [4], scalars: [1, -2, 3, 0.5]))
            var opt = AdamW(parameters: [p], learningRate: 0.05)
            for i in 0..<6 {
                if i == resumeAfter {
                    let saved = opt.stateDict()
                    opt = AdamW(parameters: [p], learningRate: 0.05)
                    XCTAssertNoThrow(try opt.loadState(saved))
                }
                p.grad = p.value * 2 + Float(i)
                opt.step()
            }
            return p.value.scalars
        }
        XCTAssertEqual(run(resumeAfter: nil), run(resumeAfter: 3))
        let opt = SGD(parameters: [Parameter(Tensor(shape: [2]))], learningRate: 1, momentum: 0.9)
        XCTAssertThrowsError(try opt.loadState(["step": Tensor(1), "0.momentum": Tensor(shape: [3])]))
        XCTAssertThrowsError(try opt.loadState([:]))
    }

    func testClipGradientNormMatchesPyTorch() throws {
        let c = try loadJSONFixture("core_fixtures.json").object("clip")
        let a = Parameter(Tensor(shape: [3])), b = Parameter(Tensor(shape: [2, 2]))
        a.grad = Tensor(shape: [3], scalars: try c.floats("grad_a"))
        b.grad = Tensor(shape: [2, 2], scalars: try c.floats("grad_b"))
        let norm = clipGradientNorm([a, b, Parameter(Tensor(shape: [1]))], maxNorm: 1.5)
        XCTAssertEqual(norm, (c["norm"] as! NSNumber).floatValue, accuracy: 1e-5)
        assertClose(a.grad!.scalars, try c.floats("clipped_a"), atol: 1e-6)
        assertClose(b.grad!.scalars, try c.floats("clipped_b"), atol: 1e-6)
        // Below the threshold nothing changes.
        XCTAssertEqual(clipGradientNorm([a], maxNorm: 100), (a.grad!.squared().sum().scalar).squareRoot(), accuracy: 1e-6)
        assertClose(a.grad!.scalars, try c.floats("clipped_a"), atol: 1e-6)
    }

    func testLearningRateSchedules() {
        let warm = LearningRateSchedule(baseRate: 0.1, warmupSteps: 10, warmupFactor: 0.01,
                                        decay: .multiStep(milestones: [20, 30], gamma: 0.1))
        XCTAssertEqual(warm.rate(at: 0), 0.001, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 5), 0.1 * (0.01 * 0.5 + 0.5), accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 10), 0.1, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 19), 0.1, accuracy: 1e-7)
        XCTAssertEqual(warm.rate(at: 20), 0.01, accuracy: 1e-8)
        XCTAssertEqual(warm.rate(at: 35), 0.001, accuracy: 1e-9)
        let cosine = LearningRateSchedule(baseRate: 2, decay: .cosine(totalSteps: 100, finalFactor: 0))
        XCTAssertEqual(cosine.rate(at: 0), 2, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 50), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 100), 0, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 25), Float(1 + cos(Double.pi / 4)), accuracy: 1e-5)
        let data = try! JSONEncoder().encode(warm)
        XCTAssertEqual(try! JSONDecoder().decode(LearningRateSchedule.self, from: data), warm)
    }

    /// A 2-32-32-1 GELU MLP fits y = sin(3x₁)·x₂ on 256 points: the loss must fall at least 20× in 400 AdamW steps.
    func testSmallMLPFitsToyTaskQuickly() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomUniform(shape: [256, 2], low: -1, high: 1, using: &rng)
        let xs = x.scalars
        let y = Tensor(shape: [256, 1], scalars: (0..<256).map { Float(sin(3 * Double(xs[2 * $0]))) * xs[2 * $0 + 1] })
        let mlp = MLP(sizes: [2, 32, 32, 1], activation: .gelu, using: &rng)
        let opt = AdamW(namedParameters: mlp.namedParameters(), learningRate: 1e-2, weightDecay: 0)
        let start = Date()
        var first: Float = 0, last: Float = 0
        for step in 0..<400 {
            mlp.zeroGrad()
            let loss = (mlp(Variable(x)) - Variable(y)).pow(2).mean()
            loss.backward()
            clipGradientNorm(mlp.parameters, maxNorm: 5)
            opt.step()
            if step == 0 { first = loss.value.scalar }
            last = loss.value.scalar
        }
        XCTAssertLessThan(last, first / 20, "loss \(first) → \(last)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }
}
