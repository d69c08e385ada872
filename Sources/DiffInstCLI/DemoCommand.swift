// A placeholder main job until the quickstart experiment exists: trains a small MLP with the
// engine (AdamW, warm-up + cosine schedule, gradient clipping) on a toy regression and prints the loss.
import ArgumentParser
import Foundation
import Tensor
import Autodiff
import NN
import Optim

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo",
        abstract: "Train a small MLP on a toy task with the autodiff engine and print the loss falling.")

    @Option(help: "Training steps.") var steps: Int = 600
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Hidden width.") var width: Int = 64

    func run() throws {
        print("GEMM: \(GEMM.summary); BLAS: \(BLAS.configuration), our threads: \(Parallel.threadCount)")
        var rng = RandomGenerator(seed: seed)
        // Toy task: y = sin(3·x₁)·x₂ + 0.5·x₃² on 1024 points in [−1, 1]³.
        let n = 1024
        let x = Tensor.randomUniform(shape: [n, 3], low: -1, high: 1, using: &rng)
        let xs = x.scalars
        let y = Tensor(shape: [n, 1], scalars: (0..<n).map { i in
            Foundation.sin(3 * xs[3 * i]) * xs[3 * i + 1] + 0.5 * xs[3 * i + 2] * xs[3 * i + 2]
        })
        let model = MLP(sizes: [3, width, width, 1], activation: .gelu, using: &rng)
        let optimizer = AdamW(namedParameters: model.namedParameters(), learningRate: 3e-3, weightDecay: 1e-4)
        let schedule = LearningRateSchedule(baseRate: 3e-3, warmupSteps: 20, warmupFactor: 0.1,
                                            decay: .cosine(totalSteps: steps, finalFactor: 0.05))
        print("model: \(model.parameterCount) parameters; task: y = sin(3x1)·x2 + 0.5·x3², \(n) points")
        let start = Date()
        var first: Float = .nan, last: Float = .nan
        for step in 0..<steps {
            schedule.apply(to: optimizer, step: step)
            model.zeroGrad()
            let loss = (model(Variable(x)) - Variable(y)).pow(2).mean()
            loss.backward()
            let norm = clipGradientNorm(model.parameters, maxNorm: 1)
            optimizer.step()
            last = loss.value.scalar
            if step == 0 { first = last }
            if step % Swift.max(steps / 12, 1) == 0 || step == steps - 1 {
                print(String(format: "step %4d  loss %.6f  grad-norm %.4f  lr %.2e", step, last, norm, optimizer.learningRate))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "loss %.6f → %.6f (%.0f× lower) in %.2f s (%.2f ms/step)",
                     first, last, first / last, seconds, 1000 * seconds / Double(steps)))
    }
}
