// The `diffusioninst` experiment task: DiffusionInst trained with AdamW, gradient clipping and the
// configured LR schedule on synthetic shapes or a COCO dataset, evaluated with COCO mask/box AP on
// the held-out split for every configured sampling-step count and noise seed.
import Foundation
import Tensor
import Autodiff
import NN
import Optim
import Structures
import Recording
import Data
import Evaluation
import Diffusion
import Modeling

public final class DiffusionInstTask: ExperimentTask {
    let config: ResolvedConfig
    public let model: DiffusionInstModel
    let optimizer: any Optimizer
    let parameters: [Parameter]
    var schedule: LearningRate
    let clipNorm: Float
    let trainAssembler: BatchAssembler
    var loaderState: LoaderState
    /// Prepares the next batches on a background thread (synthetic images are drawn on the fly);
    /// started at `loaderState` on the first step and again after a restore.
    var trainLoader: BatchLoader?
    let evaluationAssembler: BatchAssembler
    let evaluationCount: Int
    let groundTruth: GroundTruth
    let categoryIDs: [Int]
    /// Class names by contiguous index, for the per-category metrics (`segm.AP.cat.<name>`).
    let classNames: [String]

    public var primaryMetric: String { "segm.AP" }
    public var higherIsBetter: Bool { true }
    /// All model parameters, frozen ones included.
    public var parameterCount: Int { model.parameterCount }

    public init(config: ResolvedConfig) throws {
        self.config = config
        let modelConfiguration = try DiffusionInstFactory.configuration(config)
        model = try DiffusionInstModel(configuration: modelConfiguration, seed: UInt64(config.seed("init")),
                                       schedule: DiffusionInstFactory.schedule(config))
        model.trainingNoise = NoiseGenerator(seed: UInt64(config.seed("sampling")))
        // Frozen backbone stages (model.backbone.frozen_stages) are neither updated nor decayed.
        let trainable = model.trainableNamedParameters()
        parameters = trainable.map(\.1)
        let lr = Float(config.double("optimizer.lr")), decay = Float(config.double("optimizer.weight_decay"))
        if config.string("optimizer.kind") == "sgd" {
            optimizer = SGD(namedParameters: trainable, learningRate: lr, momentum: Float(config.double("optimizer.momentum")), weightDecay: decay)
        } else {
            optimizer = AdamW(namedParameters: trainable, learningRate: lr, beta1: Float(config.double("optimizer.beta1")),
                              beta2: Float(config.double("optimizer.beta2")), epsilon: Float(config.double("optimizer.eps")), weightDecay: decay)
        }
        schedule = LearningRate(config: config)
        clipNorm = Float(config.double("optimizer.clip_grad_norm"))
        var augmentation = AugmentationConfig()
        let shortEdge = config.int("data.image_size")
        augmentation.shortEdges = [shortEdge]
        augmentation.testShortEdge = shortEdge
        augmentation.maximumLongEdge = config.int("data.max_size")
        augmentation.testMaximumLongEdge = config.int("data.max_size")
        augmentation.flipProbability = config.bool("data.flip") ? 0.5 : 0
        augmentation.cropProbability = config.bool("data.crop") ? 0.5 : 0
        let (train, validation) = try Self.datasets(config)
        guard train.classNames.count == modelConfiguration.classCount else {
            throw TaskError("model.classes is \(modelConfiguration.classCount) but the dataset has \(train.classNames.count) classes (\(train.classNames.joined(separator: ", ")))")
        }
        trainAssembler = BatchAssembler(dataset: train, transform: SampleTransform(config: augmentation, training: true),
                                        batchSize: config.int("train.batch_size"), shuffle: true)
        loaderState = LoaderState(seed: UInt64(config.seed("data")))
        evaluationAssembler = BatchAssembler(dataset: validation, transform: SampleTransform(config: augmentation, training: false),
                                             batchSize: 1, shuffle: false)
        let maximum = config.int("evaluation.max_images")
        evaluationCount = maximum > 0 ? min(maximum, validation.count) : validation.count
        categoryIDs = (validation as? COCODataset).map { d in (0..<d.classNames.count).map { d.categories.categoryID(ofClass: $0) } }
            ?? Array(1...validation.classNames.count)
        groundTruth = try Self.groundTruth(validation, count: evaluationCount, categoryIDs: categoryIDs)
        classNames = validation.classNames
    }

    /// Training and held-out datasets named by `data.dataset`.
    static func datasets(_ config: ResolvedConfig) throws -> (any InstanceDataset, any InstanceDataset) {
        switch config.string("data.dataset") {
        case "coco":
            // Images live in data.root, or (when it is empty) in a `train` / `val` folder beside each
            // annotation file, as the shared datasets are laid out.
            func images(_ annotations: String, _ split: String) -> String {
                let root = config.string("data.root")
                return root.isEmpty ? ((annotations as NSString).deletingLastPathComponent as NSString).appendingPathComponent(split) : root
            }
            let trainFile = config.string("data.train_annotations"), validationFile = config.string("data.val_annotations")
            let train = try COCODataset(annotationFile: trainFile, imageDirectory: images(trainFile, "train"))
            let validation = try COCODataset(annotationFile: validationFile, imageDirectory: images(validationFile, "val"))
            return (train, validation)
        default:
            var shapes = SyntheticShapesConfig()
            shapes.width = config.int("data.image_size")
            shapes.height = config.int("data.image_size")
            shapes.maximumInstances = config.int("data.synthetic.max_objects")
            shapes.minimumInstances = min(shapes.minimumInstances, shapes.maximumInstances)
            // model.classes picks the first K shape kinds (all 7 when K ≥ 7).
            shapes.classes = Array(ShapeKind.allCases.prefix(max(1, config.int("model.classes"))))
            let images = config.int("data.synthetic.images"), subset = config.int("data.subset")
            let train = try SyntheticShapesDataset(config: shapes, seed: UInt64(config.seed("data")), count: subset > 0 ? min(subset, images) : images)
            let validation = try SyntheticShapesDataset(config: shapes, seed: UInt64(config.seed("data")) ^ 0xE7A1, count: max(16, images / 8))
            return (train, validation)
        }
    }

    /// COCO-style ground truth of the first `count` images, masks at the original size.
    static func groundTruth(_ dataset: any InstanceDataset, count: Int, categoryIDs: [Int]) throws -> GroundTruth {
        var images: [EvaluationImage] = [], annotations: [GroundTruthAnnotation] = []
        for index in 0..<count {
            let sample = try dataset.sample(at: index)
            images.append(EvaluationImage(id: sample.imageID, width: sample.image.width, height: sample.image.height))
            for instance in sample.instances {
                let mask = try COCODataset.mask(of: instance, width: sample.image.width, height: sample.image.height)
                annotations.append(GroundTruthAnnotation(id: annotations.count + 1, imageId: sample.imageID,
                                                         categoryId: categoryIDs[instance.classIndex], mask: RLE(mask), isCrowd: instance.isCrowd))
            }
        }
        let categories = dataset.classNames.enumerated().map { EvaluationCategory(id: categoryIDs[$0.offset], name: $0.element) }
        return try GroundTruth(images: images, categories: categories, annotations: annotations, source: "diffusioninst validation split")
    }

    public func trainStep(step: Int) throws -> [String: Double] {
        let dataStart = Date()
        if trainLoader == nil { trainLoader = BatchLoader(assembler: trainAssembler, state: loaderState) }
        let batch = try trainLoader!.next(), next = trainLoader!.state
        let dataTime = Date().timeIntervalSince(dataStart)
        let rate = schedule.rate(at: step)
        optimizer.learningRate = Float(rate)
        model.train()
        let loss: LossBreakdown
        do { loss = try model.loss(batch: batch) } catch let error as TrainingError { throw TaskError("step \(step): \(error)") }
        for p in parameters { p.grad = nil }
        loss.total.backward()
        let norm = clipNorm > 0 ? clipGradientNorm(parameters, maxNorm: clipNorm) : .nan
        optimizer.step()
        loaderState = next
        var row: [String: Double] = ["loss": Double(loss.total.value.scalar), "lr": rate, "grad_norm": Double(norm), "data_time": dataTime]
        for (name, value) in loss.terms { row[name] = Double(value) }
        if let iou = loss.matchedMaskIoU { row["matched_mask_iou"] = Double(iou) }
        return row
    }

    public func plan(totalSteps: Int) { schedule.maxSteps = totalSteps }

    public func evaluate() throws -> EvaluationResult { try evaluate(with: config) }

    /// Evaluates with the sampler and evaluation settings of `config` (the run's own config with
    /// `sampler.*` / `evaluation.*` changes; `diffinst eval --run`). The held-out images stay those
    /// chosen when the task was built.
    public func evaluate(with config: ResolvedConfig) throws -> EvaluationResult {
        try evaluate(with: config, confusion: false).result
    }

    /// As `evaluate(with:)`, and with `confusion` also which class each held-out object is given (mask IoU ≥ 0.5),
    /// per step count, from the first noise seed's detections.
    public func evaluate(with config: ResolvedConfig, confusion: Bool) throws
        -> (result: EvaluationResult, confusions: [Int: ClassConfusion]) {
        model.eval()
        defer { model.train() }
        var metrics: [String: Double] = [:]
        var confusions: [Int: ClassConfusion] = [:]
        let stepCounts = Self.evaluatedStepCounts(config), seeds = config.int("evaluation.noise_seeds")
        for (position, steps) in stepCounts.enumerated() {
            var perSeed: [[String: Double]] = []
            for seedIndex in 0..<seeds {
                var noise = NoiseGenerator(seed: UInt64(config.seed("sampling")) &+ UInt64(seedIndex) &* 1_000_003 &+ UInt64(steps))
                let detections = try predictions(steps: steps, config: config, noise: &noise)
                perSeed.append(try scores(detections, config: config))
                if confusion && seedIndex == 0 {
                    confusions[steps] = try ClassConfusion.compute(groundTruth: groundTruth, detections: detections, iouType: .segm,
                                                                   maxDetections: max(100, config.int("sampler.max_detections")))
                }
            }
            for key in perSeed[0].keys {
                let values = perSeed.map { $0[key]! }
                let mean = values.reduce(0, +) / Double(values.count)
                metrics["\(key)@steps=\(steps)"] = mean
                if position == 0 { metrics[key] = mean }
                if values.count > 1 {
                    metrics["\(key)@steps=\(steps).std"] = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
                }
            }
        }
        return (EvaluationResult(metrics: metrics), confusions)
    }

    /// `sampler.steps` first (its metrics are the unsuffixed ones, e.g. `segm.AP`), then the other
    /// counts of `evaluation.sampling_steps` in their order.
    static func evaluatedStepCounts(_ config: ResolvedConfig) -> [Int] {
        let primary = config.int("sampler.steps")
        return [primary] + config.ints("evaluation.sampling_steps").filter { $0 != primary }
    }

    /// One prediction pass over the held-out images, as COCO detections (top `sampler.max_detections` per
    /// image above `sampler.score_threshold`).
    func predictions(steps: Int, config: ResolvedConfig, noise: inout NoiseGenerator) throws -> [Evaluation.Detection] {
        let options = DiffusionInstFactory.inference(config, steps: steps)
        var detections: [Evaluation.Detection] = []
        for index in 0..<evaluationCount {
            let (batch, _, _) = try evaluationAssembler.makeBatch(at: LoaderState(seed: 0, epoch: 0, index: index))
            for image in try model.predict(batch: batch, options: options, generator: &noise) {
                let ranked = image.instances.sorted { $0.score > $1.score }.prefix(config.int("sampler.max_detections"))
                for instance in ranked where Double(instance.score) >= config.double("sampler.score_threshold") {
                    let b = instance.box
                    detections.append(Evaluation.Detection(imageId: image.imageID, categoryId: categoryIDs[instance.label],
                                                           score: Double(instance.score), mask: RLE(instance.mask),
                                                           bbox: [Double(b.x), Double(b.y), Double(b.z - b.x), Double(b.w - b.y)]))
                }
            }
        }
        return detections
    }

    /// COCO segm and bbox summaries of one prediction pass over the held-out images.
    func scores(_ detections: [Evaluation.Detection], config: ResolvedConfig) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for kind in [IoUType.segm, IoUType.bbox] {
            var parameters = EvaluationParameters(iouType: kind, maxDetections: max(100, config.int("sampler.max_detections")))
            let evaluation = try COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections, parameters: parameters)
            for (key, value) in evaluation.summary.dictionary { result["\(kind.rawValue).\(key)"] = value }
            // Per category and class-agnostic when there is more than one class (with one they repeat the AP):
            // the gap between AP and AP.agnostic is what confusing the classes costs.
            if categoryIDs.count > 1 {
                let perCategory = evaluation.perCategoryAP
                for (index, id) in categoryIDs.enumerated() { result["\(kind.rawValue).AP.cat.\(classNames[index])"] = perCategory[id] ?? -1 }
                parameters.useCategories = false
                let agnostic = try COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections, parameters: parameters).summary.dictionary
                for key in ["AP", "AP50"] { result["\(kind.rawValue).\(key).agnostic"] = agnostic[key] }
            }
        }
        return result
    }

    public func checkpointState() -> CheckpointState {
        var state = CheckpointState()
        for (name, tensor) in model.stateDict() { state.tensors["model." + name] = tensor }
        for (name, tensor) in optimizer.stateDict() { state.tensors["optimizer." + name] = tensor }
        state.integers["rng.diffusion"] = Int(bitPattern: UInt(model.trainingNoise.state))
        state.integers["data.seed"] = Int(bitPattern: UInt(loaderState.seed))
        state.integers["data.epoch"] = loaderState.epoch
        state.integers["data.index"] = loaderState.index
        return state
    }

    public func restore(_ state: CheckpointState, weightsOnly: Bool) throws {
        var weights: [String: Tensor] = [:]
        for (name, tensor) in state.tensors where name.hasPrefix("model.") { weights[String(name.dropFirst(6))] = tensor }
        do { try model.loadState(weights, strict: true) } catch { throw TaskError("cannot load model weights: \(error)") }
        if weightsOnly { return }
        var moments: [String: Tensor] = [:]
        for (name, tensor) in state.tensors where name.hasPrefix("optimizer.") { moments[String(name.dropFirst(10))] = tensor }
        try optimizer.loadState(moments)
        guard let rng = state.integers["rng.diffusion"], let seed = state.integers["data.seed"],
              let epoch = state.integers["data.epoch"], let index = state.integers["data.index"] else {
            throw TaskError("checkpoint lacks rng.diffusion / data.* entries needed to resume")
        }
        model.trainingNoise = NoiseGenerator(seed: UInt64(bitPattern: Int64(rng)))
        loaderState = LoaderState(seed: UInt64(bitPattern: Int64(seed)), epoch: epoch, index: index)
        trainLoader?.stop()
        trainLoader = nil
    }
}
