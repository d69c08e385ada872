// One decoder stage ("RCNNHead", spec §6.2): RoIAlign over P2–P5, self-attention across
// proposals, dynamic convolution, FFN, time scale/shift, class and regression towers, and the
// three outputs (class logits, box deltas → refined boxes, mask parameters from the controller).
import Foundation
import Tensor
import Autodiff
import NN
import Diffusion

/// What a stage hands on: refined boxes (to detach), its unmodulated feature, and the predictions.
public struct StageOutput {
    /// (B·N)×K class logits.
    public var logits: Variable
    /// (B·N)×4 refined boxes, xyxy pixels (differentiable w.r.t. the deltas).
    public var boxes: Variable
    /// (B·N)×P mask parameters.
    public var filters: Variable
    /// (B·N)×D output proposal feature o (before time modulation), passed to the next stage.
    public var features: Variable
}

public final class DecoderStage: Module {
    let poolerResolution: Int
    let samplingRatio: Int
    let strides: [Int]
    public let selfAttention: ProposalSelfAttention
    public let norm1: LayerNormalization
    public let instanceInteraction: DynamicConvolution
    public let norm2: LayerNormalization
    public let linear1: DenseLayer
    public let linear2: DenseLayer
    public let norm3: LayerNormalization
    public let timeProjection: DenseLayer
    public let classTower: [TowerLayer]
    public let regressionTower: [TowerLayer]
    public let classLogits: DenseLayer
    public let boxDeltas: DenseLayer
    public let controller: DenseLayer?
    /// Optional box-geometry embedding (`model.decoder.box_embedding`, see BoxEmbedding.swift).
    public let boxEmbedding: BoxEmbedding?

    public init(configuration c: DiffusionInstConfiguration, parameterCount: Int, using generator: inout RandomGenerator) {
        let d = c.hiddenDimension
        poolerResolution = c.poolerResolution
        samplingRatio = c.poolerSamplingRatio
        strides = c.poolerStrides
        selfAttention = ProposalSelfAttention(dimension: d, heads: c.attentionHeads, using: &generator)
        norm1 = LayerNormalization(d)
        instanceInteraction = DynamicConvolution(dimension: d, dynamicDimension: c.dynamicDimension,
                                                 poolerResolution: c.poolerResolution, using: &generator)
        norm2 = LayerNormalization(d)
        linear1 = DenseLayer(d, c.feedForwardDimension, using: &generator)
        linear2 = DenseLayer(c.feedForwardDimension, d, using: &generator)
        norm3 = LayerNormalization(d)
        timeProjection = DenseLayer(c.timeDimension, 2 * d, using: &generator)
        classTower = (0..<c.classTowerLayers).map { _ in TowerLayer(d, using: &generator) }
        regressionTower = (0..<c.regressionTowerLayers).map { _ in TowerLayer(d, using: &generator) }
        classLogits = DenseLayer(d, c.classCount, using: &generator)
        classLogits.bias?.value = Tensor(shape: [c.classCount], repeating: HeadInitialization.priorBias(c.priorProbability))
        boxDeltas = DenseLayer(d, 4, using: &generator)
        controller = parameterCount > 0 ? DenseLayer(d, parameterCount, using: &generator) : nil
        boxEmbedding = c.boxEmbedding ? BoxEmbedding(dimension: d) : nil
        super.init()
    }

    /// - Parameters:
    ///   - features: P2..P5, each B×D×H×W.
    ///   - boxes: (B·N)×4 xyxy pixel boxes (constants), image-major.
    ///   - previous: (B·N)×D output feature of the previous stage, nil in the first stage.
    ///   - time: τ, B×4D.
    public func callAsFunction(features: [Variable], boxes: Tensor, previous: Variable?, time: Variable,
                               imageCount b: Int) -> StageOutput {
        let rows = boxes.shape[0], n = rows / b, d = features[0].shape[1]
        let indexed = Tensor(shape: [rows, 5]) { out in
            boxes.withUnsafePointer { src in
                for r in 0..<rows {
                    out[r * 5] = Float(r / n)
                    for k in 0..<4 { out[r * 5 + 1 + k] = src[r * 4 + k] }
                }
            }
        }
        // (B·N)×49×D, bin-major (row s = py·7 + px), as the dynamic convolution consumes it.
        let roi = multiLevelRoIAlign(features, boxes: indexed, scales: strides.map { 1 / Float($0) },
                                     outputSize: poolerResolution, samplingRatio: samplingRatio, aligned: true, channelsLast: true)
        var query = previous ?? roi.mean(axes: [1])
        if let embedding = boxEmbedding {
            // The padded batch extent, which the boxes live in (P2 is at strides[0]).
            let height = Float(features[0].shape[2] * strides[0]), width = Float(features[0].shape[3] * strides[0])
            query = query + embedding(boxes: boxes, imageWidth: width, imageHeight: height)
        }
        var q = norm1(query + selfAttention(query.reshaped([b, n, d])).reshaped([rows, d]))
        q = norm2(q + instanceInteraction(q, roi: roi))
        let output = norm3(q + linear2(linear1(q).relu()))
        let scaleShift = timeProjection(time.silu())  // B×2D
        let perProposal = scaleShift.reshaped([b, 1, 2 * d]).expanded(to: [b, n, 2 * d]).reshaped([rows, 2 * d])
        let halves = perProposal.split(axis: 1, sizes: [d, d])
        let modulated = output * (halves[0] + 1) + halves[1]
        var classFeature = modulated
        for layer in classTower { classFeature = layer(classFeature) }
        var regressionFeature = modulated
        for layer in regressionTower { regressionFeature = layer(regressionFeature) }
        let deltas = boxDeltas(regressionFeature)
        let filters = controller.map { $0(regressionFeature) } ?? Variable(Tensor(shape: [rows, 0]))
        return StageOutput(logits: classLogits(classFeature), boxes: BoxDecoding.apply(deltas: deltas, to: boxes),
                           filters: filters, features: output)
    }
}

/// The differentiable form of spec §6.4 (see `BoxGeometry.decode` for the scalar reference).
public enum BoxDecoding {
    /// deltas (P×4) applied to constant reference boxes (P×4 xyxy) → P×4 xyxy.
    public static func apply(deltas: Variable, to reference: Tensor) -> Variable {
        let p = reference.shape[0]
        var widths = [Float](repeating: 0, count: p), heights = widths, centersX = widths, centersY = widths
        reference.withUnsafePointer { r in
            for i in 0..<p {
                widths[i] = r[i * 4 + 2] - r[i * 4]
                heights[i] = r[i * 4 + 3] - r[i * 4 + 1]
                centersX[i] = r[i * 4] + 0.5 * widths[i]
                centersY[i] = r[i * 4 + 1] + 0.5 * heights[i]
            }
        }
        func column(_ v: [Float]) -> Variable { Variable(Tensor(shape: [p, 1], scalars: v)) }
        let (w, h) = (column(widths), column(heights))
        let parts = deltas.split(axis: 1, sizes: [1, 1, 1, 1])
        let weights = BoxGeometry.deltaWeights
        let cx = parts[0] * (1 / weights.x) * w + column(centersX)
        let cy = parts[1] * (1 / weights.y) * h + column(centersY)
        let halfW = (parts[2] * (1 / weights.z)).clamped(max: BoxGeometry.scaleClamp).exp() * w * 0.5
        let halfH = (parts[3] * (1 / weights.w)).clamped(max: BoxGeometry.scaleClamp).exp() * h * 0.5
        return concat([cx - halfW, cy - halfH, cx + halfW, cy + halfH], axis: 1)
    }
}
