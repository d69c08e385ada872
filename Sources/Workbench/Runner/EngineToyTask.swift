// The `toy_mlp` task: the toy classification problem trained with the engine itself (NN.MLP, autodiff,
// Optim.AdamW, clipGradientNorm, LearningRateSchedule). Data, batches and the evaluation protocol are the
// `toy` task's, and both start from the same weights, so the two tasks check each other step by step.
import Foundation
import Autodiff
import NN
import Optim
import Recording
import Tensor

public final class EngineToyTask: ExperimentTask {
    /// Supplies data, batch order, the initial weights and the evaluation protocol.
    let reference: ToyClassificationTask
    let model: MLP
    let optimizer: AdamW
    var schedule: LearningRateSchedule
    let clipNorm: Float

    public var primaryMetric: String { reference.primaryMetric }
    public var higherIsBetter: Bool { reference.higherIsBetter }
    public var parameterCount: Int { model.namedParameters().reduce(0) { $0 + $1.1.value.count } }

    public init(config: ResolvedConfig) throws {
        let reference = ToyClassificationTask(config: config)
        var generator = RandomGenerator(seed: UInt64(config.seed("init")))
        let model = MLP(sizes: [reference.features, reference.hidden, reference.classes], activation: .relu, using: &generator)
        // Start from the reference task's weights (same row-major out x in layout as Linear).
        try model.loadState(Dictionary(uniqueKeysWithValues: (0..<4).map { i in
            ("layers.\(i / 2).\(i % 2 == 0 ? "weight" : "bias")", Tensor(shape: reference.parameterShapes[i], scalars: reference.parameters[i]))
        }))
        self.reference = reference
        self.model = model
        optimizer = AdamW(namedParameters: model.namedParameters(), learningRate: Float(config.double("optimizer.lr")),
                          beta1: Float(config.double("optimizer.beta1")), beta2: Float(config.double("optimizer.beta2")),
                          epsilon: Float(config.double("optimizer.eps")), weightDecay: Float(config.double("optimizer.weight_decay")))
        let decay: LearningRateSchedule.Decay
        switch config.string("schedule.kind") {
        case "multistep": decay = .multiStep(milestones: config.ints("schedule.milestones"), gamma: Float(config.double("schedule.gamma")))
        case "cosine": decay = .cosine(totalSteps: config.int("train.max_steps"), finalFactor: 0)
        default: decay = .constant
        }
        schedule = LearningRateSchedule(baseRate: Float(config.double("optimizer.lr")), warmupSteps: config.int("schedule.warmup_steps"),
                                        warmupFactor: Float(config.double("schedule.warmup_factor")), decay: decay)
        clipNorm = Float(config.double("optimizer.clip_grad_norm"))
    }

    public func plan(totalSteps: Int) {
        if case .cosine(_, let finalFactor) = schedule.decay { schedule.decay = .cosine(totalSteps: totalSteps, finalFactor: finalFactor) }
    }

    public func trainStep(step: Int) throws -> [String: Double] {
        if reference.stepDelay > 0 { Thread.sleep(forTimeInterval: reference.stepDelay) }
        let dataStart = Date()
        let batch = reference.nextBatch()
        let features = reference.features
        let inputs = Tensor(shape: [batch.count, features], scalars: batch.flatMap { reference.trainInputs[($0 * features)..<(($0 + 1) * features)] })
        let labels = Tensor(shape: [batch.count, 1], scalars: batch.map { Float(reference.trainLabels[$0]) })
        let dataTime = Date().timeIntervalSince(dataStart)
        let logits = model(Variable(inputs))
        // Cross-entropy: −mean log softmax at the label.
        let loss = -logSoftmax(logits, axis: 1).gather(axis: 1, indices: labels).mean()
        loss.backward()
        let parameters = model.namedParameters().map(\.1)
        let norm = clipGradientNorm(parameters, maxNorm: clipNorm > 0 ? clipNorm : .greatestFiniteMagnitude)
        schedule.apply(to: optimizer, step: step - 1)
        optimizer.step()
        optimizer.zeroGrad(parameters)
        let predicted = logits.value.argmax(axis: 1).scalars
        let correct = zip(predicted, labels.scalars).filter { $0 == $1 }.count
        return ["loss": Double(loss.value.scalar), "loss_cross_entropy": Double(loss.value.scalar), "lr": Double(optimizer.learningRate),
                "grad_norm": Double(norm), "batch_accuracy": Double(correct) / Double(batch.count), "data_time": dataTime, "epoch": Double(reference.epoch)]
    }

    public func evaluate() throws -> EvaluationResult {
        syncReferenceWeights()
        return try reference.evaluate()
    }

    func syncReferenceWeights() {
        let state = model.stateDict()
        for i in 0..<4 { reference.parameters[i] = state["layers.\(i / 2).\(i % 2 == 0 ? "weight" : "bias")"]!.scalars }
    }

    public func checkpointState() -> CheckpointState {
        var state = CheckpointState()
        for (name, tensor) in model.stateDict() { state.tensors["model." + name] = tensor }
        for (name, tensor) in optimizer.stateDict() { state.tensors["optimizer." + name] = tensor }
        let data = reference.checkpointState()
        state.integers = data.integers
        state.bytes = data.bytes
        return state
    }

    public func restore(_ state: CheckpointState, weightsOnly: Bool) throws {
        let weights = state.tensors.filter { $0.key.hasPrefix("model.") }
        do { try model.loadState(Dictionary(uniqueKeysWithValues: weights.map { (String($0.key.dropFirst(6)), $0.value) })) } catch {
            throw TaskError("checkpoint weights do not fit the toy_mlp model: \(error)")
        }
        syncReferenceWeights()
        if weightsOnly { return }
        let moments = state.tensors.filter { $0.key.hasPrefix("optimizer.") }
        try optimizer.loadState(Dictionary(uniqueKeysWithValues: moments.map { (String($0.key.dropFirst(10)), $0.value) }))
        guard let rng = state.integers["rng.data"], let cursor = state.integers["data.cursor"], let epoch = state.integers["data.epoch"],
              let bytes = state.bytes["data.permutation"] else { throw TaskError("checkpoint lacks the data position or RNG state") }
        reference.dataGenerator.state = UInt64(UInt(bitPattern: rng))
        reference.cursor = cursor
        reference.epoch = epoch
        reference.permutation = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int.self)) }
    }
}
