// Prediction from a trained run: rebuild the model from the run's resolved config, load a
// checkpoint's `model.*` weights, predict every image of a COCO file and write COCO results JSON
// (masks as RLE plus boxes), with a sidecar recording the sampling seed and options.
import Foundation
import Tensor
import Structures
import Recording
import Data
import Evaluation
import Diffusion
import Modeling

public enum DiffusionInstPrediction {
    public struct Request {
        public var runDirectory: String
        public var checkpoint: String?
        public var annotations: String
        public var images: String
        public var output: String
        public var steps: Int?
        public var seed: UInt64
        public var maxImages: Int
        public init(runDirectory: String, checkpoint: String?, annotations: String, images: String, output: String,
                    steps: Int?, seed: UInt64, maxImages: Int) {
            (self.runDirectory, self.checkpoint, self.annotations, self.images, self.output) = (runDirectory, checkpoint, annotations, images, output)
            (self.steps, self.seed, self.maxImages) = (steps, seed, maxImages)
        }
    }

    /// Runs the request; returns the number of detections written and the step count used.
    public static func run(_ request: Request) throws -> (detections: Int, steps: Int) {
        let run = RunDirectory(path: request.runDirectory)
        let config = try ResolvedConfig.read(jsonFile: (request.runDirectory as NSString).appendingPathComponent("config.json"))
        guard let checkpoint = request.checkpoint ?? run.checkpoints().last else {
            throw TaskError("run \(request.runDirectory) has no checkpoint; pass --checkpoint")
        }
        let model = try DiffusionInstModel(configuration: try DiffusionInstFactory.configuration(config),
                                           schedule: DiffusionInstFactory.schedule(config))
        var weights: [String: Tensor] = [:]
        for (name, tensor) in try CheckpointFile.read(from: checkpoint).tensors where name.hasPrefix("model.") {
            weights[String(name.dropFirst(6))] = tensor
        }
        do { try model.loadState(weights, strict: true) } catch { throw TaskError("\(checkpoint): \(error)") }
        model.eval()
        let dataset = try COCODataset(annotationFile: request.annotations, imageDirectory: request.images)
        guard dataset.classNames.count == model.configuration.classCount else {
            throw TaskError("\(request.annotations) has \(dataset.classNames.count) categories, the model was trained with \(model.configuration.classCount)")
        }
        var augmentation = AugmentationConfig()
        augmentation.testShortEdge = config.int("data.image_size")
        augmentation.testMaximumLongEdge = config.int("data.max_size")
        let assembler = BatchAssembler(dataset: dataset, transform: SampleTransform(config: augmentation, training: false), batchSize: 1, shuffle: false)
        let steps = request.steps ?? config.int("sampler.steps")
        let options = DiffusionInstFactory.inference(config, steps: steps)
        var noise = NoiseGenerator(seed: request.seed)
        var detections: [Evaluation.Detection] = []
        let count = request.maxImages > 0 ? min(request.maxImages, dataset.count) : dataset.count
        for index in 0..<count {
            let (batch, _, _) = try assembler.makeBatch(at: LoaderState(seed: 0, epoch: 0, index: index))
            for image in try model.predict(batch: batch, options: options, generator: &noise) {
                for instance in image.instances.sorted(by: { $0.score > $1.score }).prefix(config.int("sampler.max_detections")) {
                    let b = instance.box
                    detections.append(Evaluation.Detection(imageId: image.imageID, categoryId: dataset.categories.categoryID(ofClass: instance.label),
                                                           score: Double(instance.score), mask: RLE(instance.mask),
                                                           bbox: [Double(b.x), Double(b.y), Double(b.z - b.x), Double(b.w - b.y)]))
                }
            }
        }
        try DetectionResults.write(detections, iouType: .segm, to: request.output, includeBoxes: true)
        let meta: [String: Any] = ["checkpoint": checkpoint, "sampling_seed": String(request.seed), "steps": steps,
                                   "sampler": config.string("sampler.kind"), "images": count, "detections": detections.count]
        try JSONSerialization.data(withJSONObject: meta, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: request.output + ".meta.json"))
        return (detections.count, steps)
    }
}
