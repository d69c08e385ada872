// The `toy` task: a two-layer MLP classifying points from Gaussian clusters, trained with AdamW, warm-up
// and the configured LR schedule. Small and exact (plain Swift loops, fixed order), it exercises the
// whole runner (logging, evaluation per "sampling step" count, checkpoints, resume, sweeps) in seconds.
import Foundation
import Recording
import Tensor

public final class ToyClassificationTask: ExperimentTask {
    let classes: Int, features: Int, hidden: Int, batchSize: Int
    let trainInputs: [Float], trainLabels: [Int], testInputs: [Float], testLabels: [Int]
    // Parameters (row-major: w1 hidden×features, w2 classes×hidden) and AdamW moments, in `parameterNames` order.
    var parameters: [[Float]]
    var firstMoments: [[Float]]
    var secondMoments: [[Float]]
    let parameterNames = ["layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"]
    let parameterShapes: [[Int]]
    var dataGenerator: SplitMix64
    var permutation: [Int] = []
    var cursor = 0
    var epoch = 0
    var schedule: LearningRate
    let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, clipNorm: Double
    let evaluationSteps: [Int], noiseSeeds: Int, evaluationNoise: Double, samplingSeed: Int
    let stepDelay: Double

    public var primaryMetric: String { "accuracy" }
    public var higherIsBetter: Bool { true }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public init(config: ResolvedConfig) {
        classes = config.int("toy.classes")
        features = config.int("toy.features")
        hidden = config.int("toy.hidden")
        batchSize = config.int("train.batch_size")
        let samples = config.int("toy.samples"), spread = config.double("toy.spread")
        var dataSource = SplitMix64(seed: UInt64(config.seed("data")))
        (trainInputs, trainLabels) = ToyClassificationTask.points(samples, classes, features, spread, &dataSource)
        (testInputs, testLabels) = ToyClassificationTask.points(samples, classes, features, spread, &dataSource)
        dataGenerator = SplitMix64(seed: dataSource.next())
        parameterShapes = [[hidden, features], [hidden], [classes, hidden], [classes]]
        var initGenerator = SplitMix64(seed: UInt64(config.seed("init")))
        parameters = parameterShapes.map { shape in
            guard shape.count == 2 else { return [Float](repeating: 0, count: shape[0]) }
            let bound = (6.0 / Double(shape[0] + shape[1])).squareRoot()   // Xavier-uniform
            return (0..<(shape[0] * shape[1])).map { _ in Float((initGenerator.nextUnit() * 2 - 1) * bound) }
        }
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
        schedule = LearningRate(config: config)
        beta1 = config.double("optimizer.beta1"); beta2 = config.double("optimizer.beta2")
        epsilon = config.double("optimizer.eps"); weightDecay = config.double("optimizer.weight_decay")
        clipNorm = config.double("optimizer.clip_grad_norm")
        evaluationSteps = config.ints("evaluation.sampling_steps")
        noiseSeeds = config.int("evaluation.noise_seeds")
        evaluationNoise = config.double("toy.eval_noise")
        samplingSeed = config.seed("sampling")
        stepDelay = Double(config.int("toy.step_delay_ms")) / 1000
    }

    /// Points around `classes` centres on a circle of radius 2 in the first two dimensions.
    static func points(_ count: Int, _ classes: Int, _ features: Int, _ spread: Double, _ g: inout SplitMix64) -> ([Float], [Int]) {
        var inputs: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let label = Int(g.next() % UInt64(classes))
            let angle = 2 * Double.pi * Double(label) / Double(classes)
            for d in 0..<features {
                let centre = d == 0 ? 2 * cos(angle) : d == 1 ? 2 * sin(angle) : 0
                inputs.append(Float(centre + spread * g.nextGaussian()))
            }
            labels.append(label)
        }
        return (inputs, labels)
    }

    /// Forward pass for one point: hidden activations and logits.
    func forward(_ x: ArraySlice<Float>) -> (hidden: [Float], logits: [Float]) {
        let w1 = parameters[0], b1 = parameters[1], w2 = parameters[2], b2 = parameters[3]
        var h = [Float](repeating: 0, count: hidden)
        for j in 0..<hidden {
            var s = b1[j]
            for d in 0..<features { s += w1[j * features + d] * x[x.startIndex + d] }
            h[j] = max(0, s)
        }
        var logits = [Float](repeating: 0, count: classes)
        for c in 0..<classes {
            var s = b2[c]
            for j in 0..<hidden { s += w2[c * hidden + j] * h[j] }
            logits[c] = s
        }
        return (h, logits)
    }

    static func softmax(_ logits: [Float]) -> [Double] {
        let m = logits.max()!
        let e = logits.map { exp(Double($0 - m)) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    func nextBatch() -> [Int] {
        var batch: [Int] = []
        while batch.count < batchSize {
            if cursor >= permutation.count {
                permutation = Array(0..<trainLabels.count)
                for i in stride(from: permutation.count - 1, to: 0, by: -1) { permutation.swapAt(i, Int(dataGenerator.next() % UInt64(i + 1))) }
                cursor = 0
                epoch += 1
            }
            batch.append(permutation[cursor])
            cursor += 1
        }
        return batch
    }

    public func plan(totalSteps: Int) { schedule.maxSteps = totalSteps }

    public func trainStep(step: Int) throws -> [String: Double] {
        if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
        let dataStart = Date()
        let batch = nextBatch()
        let dataTime = Date().timeIntervalSince(dataStart)
        var gradients = parameters.map { [Float](repeating: 0, count: $0.count) }
        var loss = 0.0, correct = 0
        let scale = Float(1.0 / Double(batch.count))
        for index in batch {
            let x = trainInputs[(index * features)..<((index + 1) * features)]
            let (h, logits) = forward(x)
            let p = ToyClassificationTask.softmax(logits)
            let label = trainLabels[index]
            loss -= log(max(p[label], 1e-300))
            if logits.indices.max(by: { logits[$0] < logits[$1] }) == label { correct += 1 }
            // d loss / d logits = p - onehot; back through layer 2 and the ReLU.
            var dh = [Float](repeating: 0, count: hidden)
            for c in 0..<classes {
                let g = Float(p[c] - (c == label ? 1 : 0)) * scale
                gradients[3][c] += g
                for j in 0..<hidden {
                    gradients[2][c * hidden + j] += g * h[j]
                    dh[j] += g * parameters[2][c * hidden + j]
                }
            }
            for j in 0..<hidden where h[j] > 0 {
                gradients[1][j] += dh[j]
                for d in 0..<features { gradients[0][j * features + d] += dh[j] * x[x.startIndex + d] }
            }
        }
        loss /= Double(batch.count)
        var squared = 0.0
        for g in gradients { for v in g { squared += Double(v) * Double(v) } }
        let norm = squared.squareRoot()
        let clip = clipNorm > 0 && norm > clipNorm ? Float(clipNorm / (norm + 1e-6)) : 1
        let lr = schedule.rate(at: step)
        // AdamW (decoupled weight decay, bias-corrected moments).
        let c1 = 1 - pow(beta1, Double(step)), c2 = 1 - pow(beta2, Double(step))
        for p in parameters.indices {
            for i in parameters[p].indices {
                let g = Double(gradients[p][i] * clip)
                let m = beta1 * Double(firstMoments[p][i]) + (1 - beta1) * g
                let v = beta2 * Double(secondMoments[p][i]) + (1 - beta2) * g * g
                firstMoments[p][i] = Float(m)
                secondMoments[p][i] = Float(v)
                var w = Double(parameters[p][i]) * (1 - lr * weightDecay)
                w -= lr * (m / c1) / ((v / c2).squareRoot() + epsilon)
                parameters[p][i] = Float(w)
            }
        }
        return ["loss": loss, "loss_cross_entropy": loss, "lr": lr, "grad_norm": norm,
                "batch_accuracy": Double(correct) / Double(batch.count), "data_time": dataTime, "epoch": Double(epoch)]
    }

    public func evaluate() throws -> EvaluationResult {
        var metrics: [String: Double] = [:]
        let count = testLabels.count
        var loss = 0.0, correct = 0
        var perClass = [Int](repeating: 0, count: classes), perClassTotal = [Int](repeating: 0, count: classes)
        for i in 0..<count {
            let (_, logits) = forward(testInputs[(i * features)..<((i + 1) * features)])
            let p = ToyClassificationTask.softmax(logits)
            loss -= log(max(p[testLabels[i]], 1e-300))
            let predicted = p.indices.max { p[$0] < p[$1] }!
            perClassTotal[testLabels[i]] += 1
            if predicted == testLabels[i] { correct += 1; perClass[predicted] += 1 }
        }
        metrics["accuracy"] = Double(correct) / Double(count)
        metrics["loss"] = loss / Double(count)
        for c in 0..<classes { metrics["accuracy.cat.class\(c)"] = perClassTotal[c] > 0 ? Double(perClass[c]) / Double(perClassTotal[c]) : .nan }
        // "Sampling steps" of the toy: average the class probabilities of S passes over noisy inputs,
        // each noise seed giving one estimate (a stand-in for multi-step sampling with seeded noise).
        for steps in evaluationSteps {
            var estimates: [Double] = []
            for seedIndex in 0..<noiseSeeds {
                var noise = SplitMix64(seed: UInt64(samplingSeed) &* 31 &+ UInt64(seedIndex) &* 1_000_003 &+ UInt64(steps))
                var right = 0
                for i in 0..<count {
                    var average = [Double](repeating: 0, count: classes)
                    for _ in 0..<steps {
                        let x = testInputs[(i * features)..<((i + 1) * features)].map { $0 + Float(evaluationNoise * noise.nextGaussian()) }
                        for (c, v) in ToyClassificationTask.softmax(forward(x[...]).logits).enumerated() { average[c] += v }
                    }
                    if average.indices.max(by: { average[$0] < average[$1] }) == testLabels[i] { right += 1 }
                }
                estimates.append(Double(right) / Double(count))
            }
            let mean = estimates.reduce(0, +) / Double(estimates.count)
            metrics["accuracy@steps=\(steps)"] = mean
            if noiseSeeds > 1 {
                metrics["accuracy@steps=\(steps).std"] = (estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(estimates.count - 1)).squareRoot()
            }
        }
        return EvaluationResult(metrics: metrics)
    }

    public func checkpointState() -> CheckpointState {
        var state = CheckpointState()
        for (i, name) in parameterNames.enumerated() {
            state.tensors["model." + name] = Tensor(shape: parameterShapes[i], scalars: parameters[i])
            state.tensors["optimizer.m." + name] = Tensor(shape: parameterShapes[i], scalars: firstMoments[i])
            state.tensors["optimizer.v." + name] = Tensor(shape: parameterShapes[i], scalars: secondMoments[i])
        }
        state.integers["rng.data"] = Int(bitPattern: UInt(dataGenerator.state))
        state.integers["data.cursor"] = cursor
        state.integers["data.epoch"] = epoch
        state.bytes["data.permutation"] = permutation.withUnsafeBytes { Array($0) }
        return state
    }

    public func restore(_ state: CheckpointState, weightsOnly: Bool) throws {
        for (i, name) in parameterNames.enumerated() {
            guard let tensor = state.tensors["model." + name] else { throw TaskError("checkpoint has no tensor model.\(name)") }
            guard tensor.shape == parameterShapes[i] else {
                throw TaskError("checkpoint tensor model.\(name) has shape \(tensor.shape), the model expects \(parameterShapes[i])")
            }
            parameters[i] = tensor.scalars
            if weightsOnly { continue }
            guard let m = state.tensors["optimizer.m." + name], let v = state.tensors["optimizer.v." + name] else {
                throw TaskError("checkpoint has no optimizer moments for \(name)")
            }
            firstMoments[i] = m.scalars
            secondMoments[i] = v.scalars
        }
        if weightsOnly { return }
        guard let rng = state.integers["rng.data"], let cursor = state.integers["data.cursor"], let epoch = state.integers["data.epoch"],
              let bytes = state.bytes["data.permutation"] else { throw TaskError("checkpoint lacks the data position or RNG state") }
        dataGenerator.state = UInt64(UInt(bitPattern: rng))
        self.cursor = cursor
        self.epoch = epoch
        permutation = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int.self)) }
    }
}

/// Learning rate at a step: linear warm-up from `warmup_factor`, then multistep, cosine or constant (spec §11.1).
public struct LearningRate {
    let base: Double, warmupSteps: Int, warmupFactor: Double, kind: String, milestones: [Int], gamma: Double
    /// The cosine's length: train.max_steps, or what a time budget planned.
    public var maxSteps: Int

    public init(config: ResolvedConfig) {
        base = config.double("optimizer.lr")
        warmupSteps = config.int("schedule.warmup_steps")
        warmupFactor = config.double("schedule.warmup_factor")
        kind = config.string("schedule.kind")
        milestones = config.ints("schedule.milestones")
        gamma = config.double("schedule.gamma")
        maxSteps = config.int("train.max_steps")
    }

    /// The rate used by 1-based `step` (detectron2 counts iterations from 0, hence `step - 1`).
    public func rate(at step: Int) -> Double {
        let iteration = step - 1
        var factor = 1.0
        if iteration < warmupSteps {
            let alpha = Double(iteration) / Double(warmupSteps)
            factor = warmupFactor * (1 - alpha) + alpha
        }
        switch kind {
        case "multistep": factor *= pow(gamma, Double(milestones.filter { $0 <= iteration }.count))
        case "cosine": factor *= 0.5 * (1 + cos(Double.pi * Double(iteration) / Double(max(1, maxSteps))))
        default: break
        }
        return base * factor
    }
}

extension SplitMix64 {
    /// Standard normal by Box-Muller (one value per call, for simplicity and a fixed stream order).
    mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300), u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
