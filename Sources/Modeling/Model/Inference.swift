// Inference (spec §10): features and mask features once per image, the sampler loop through a
// per-image Denoiser, top-N per step, the step ensemble, class-aware NMS, and masks for the
// survivors post-processed to the original image (§10.5).
import Foundation
import Tensor
import Autodiff
import Structures
import Diffusion
import Masks

/// Sampling choices of one prediction run (defaults: spec §8 table with the last step ensembled).
public struct InferenceOptions {
    public var steps: Int = 1
    public var sampler: any Sampler = DDIMSampler(eta: 1)
    public var renewal: any ProposalRenewal = ThresholdRenewal(threshold: 0.5)
    public var ensemble: any StepEnsemble = StepUnion(includeLastStep: true)
    /// Proposals at test time (nil: the configuration's).
    public var proposalCount: Int? = nil
    public var nmsThreshold: Float = 0.5
    public var maskThreshold: Float = 0.5
    public init() {}
}

/// One detection on the original image.
public struct InstancePrediction {
    /// xyxy pixels of the original image.
    public var box: SIMD4<Float>
    public var score: Float
    public var label: Int
    public var mask: BitMask
}

public struct ImagePredictions {
    public var imageID: Int
    public var instances: [InstancePrediction]
}

/// Binds the model to one image's cached pyramid so samplers can call it (spec §10.2 step 2.1).
struct ImageDenoiser: Denoiser {
    let model: DiffusionInstModel
    let pyramid: [Variable]

    func denoise(boxes: [Box], timestep t: Int) throws -> DenoiserPrediction {
        let tensor = Tensor(shape: [boxes.count, 4], scalars: boxes.flatMap { [$0.x, $0.y, $0.z, $0.w] })
        let last = model.decode(pyramid: pyramid, boxes: tensor, timesteps: [t]).last!
        return DenoiserPrediction(logits: last.logits.value.scalars, boxes: Self.boxes(last.boxes.value),
                                  filters: last.filters.value.scalars, classCount: model.configuration.classCount,
                                  filterSize: model.maskRepresentation.parameterCount)
    }

    static func boxes(_ t: Tensor) -> [Box] {
        let s = t.scalars
        return (0..<(s.count / 4)).map { Box(s[$0 * 4], s[$0 * 4 + 1], s[$0 * 4 + 2], s[$0 * 4 + 3]) }
    }
}

extension DiffusionInstModel {
    /// Detections with masks for every image of `batch` (spec §10). Sampling noise comes from
    /// `generator` alone, so a seed reproduces the result.
    public func predict(batch: ImageBatch, options: InferenceOptions = InferenceOptions(),
                        generator: inout NoiseGenerator) throws -> [ImagePredictions] {
        try withNoGrad {
            let pyramid = features(Variable(batch.images))
            let maskFeatures = maskBranch(pyramid)
            var results: [ImagePredictions] = []
            for image in 0..<batch.count {
                let own = pyramid.map { $0.sliced(axis: 0, range: image..<(image + 1)) }
                let detections = try detect(pyramid: own, imageSize: batch.imageSizes[image], options: options, generator: &generator)
                let imageMasks = maskFeatures.sliced(axis: 0, range: image..<(image + 1))
                let instances = finalize(detections, maskFeatures: imageMasks, imageSize: batch.imageSizes[image],
                                         originalSize: batch.originalSizes[image], options: options)
                results.append(ImagePredictions(imageID: batch.imageIDs[image], instances: instances))
            }
            return results
        }
    }

    /// Sampler loop + candidate selection + NMS for one image (boxes in resized-image pixels).
    public func detect(pyramid: [Variable], imageSize: (height: Int, width: Int), options: InferenceOptions,
                       generator: inout NoiseGenerator) throws -> [Detection] {
        let n = options.proposalCount ?? configuration.proposalCount
        let sampling = DiffusionSampling(diffusion: diffusion, sampler: options.sampler, renewal: options.renewal, steps: options.steps)
        let steps = try sampling.run(denoiser: ImageDenoiser(model: self, pyramid: pyramid), proposalCount: n,
                                     imageWidth: Float(imageSize.width), imageHeight: Float(imageSize.height), generator: &generator)
        return CandidateSelection.detections(from: steps, ensemble: options.ensemble, candidatesPerStep: n,
                                             iouThreshold: options.nmsThreshold)
    }

    /// Masks for the survivors and the mapping to the original image (spec §10.4–10.5).
    public func finalize(_ detections: [Detection], maskFeatures: Variable, imageSize: (height: Int, width: Int),
                  originalSize: (height: Int, width: Int), options: InferenceOptions) -> [InstancePrediction] {
        guard !detections.isEmpty else { return [] }
        let c = maskFeatures.shape[1], hm = maskFeatures.shape[2], wm = maskFeatures.shape[3]
        let p = maskRepresentation.parameterCount
        let parameters = Variable(Tensor(shape: [detections.count, p], scalars: detections.flatMap(\.filter)))
        let boxes = Tensor(shape: [detections.count, 4], scalars: detections.flatMap { [$0.box.x, $0.box.y, $0.box.z, $0.box.w] })
        let probabilities = maskRepresentation.maskLogits(features: maskFeatures.reshaped([c, hm, wm]), parameters: parameters,
                                                          boxes: boxes, stride: configuration.maskStride).sigmoid().value.scalars
        let scaleX = Float(originalSize.width) / Float(imageSize.width), scaleY = Float(originalSize.height) / Float(imageSize.height)
        var instances: [InstancePrediction] = []
        for (i, d) in detections.enumerated() {
            let box = BoxGeometry.scaledAndClipped(d.box, scaleX: scaleX, scaleY: scaleY,
                                                   width: Float(originalSize.width), height: Float(originalSize.height))
            guard box.z > box.x, box.w > box.y else { continue }
            let mask = MaskPostprocessing.binaryMask(probabilities: Array(probabilities[(i * hm * wm)..<((i + 1) * hm * wm)]),
                                                     maskHeight: hm, maskWidth: wm, stride: configuration.maskStride,
                                                     resized: imageSize, original: originalSize, box: box, threshold: options.maskThreshold)
            instances.append(InstancePrediction(box: box, score: d.score, label: d.label, mask: mask))
        }
        return instances
    }
}
