// The mask-representation seam: how a proposal's parameter vector (the decoder's "controller"
// output) becomes mask logits over the shared stride-4 mask features. Dynamic filters are
// DiffusionInst's (spec §7); box-as-mask is the parameter-free baseline.
import Foundation
import Tensor
import Autodiff

public protocol MaskRepresentation: Sendable {
    /// P, the length of each proposal's parameter vector (the controller's output width).
    var parameterCount: Int { get }
    /// Channels the mask branch must produce for this representation.
    var featureChannels: Int { get }
    /// Mask logits for R instances of one image.
    /// - Parameters:
    ///   - features: C×Hm×Wm mask features of the image (stride `stride` of the padded canvas).
    ///   - parameters: R×P, one row per instance.
    ///   - boxes: R×4 xyxy boxes in input pixels (constants), used by representations that need them.
    /// - Returns: R×Hm×Wm logits.
    func maskLogits(features: Variable, parameters: Variable, boxes: Tensor, stride: Int) -> Variable
}

/// Shape of a dynamic mask head: `featureChannels` inputs (+2 relative coordinates when on),
/// hidden layers of the given widths with ReLU, one output logit. Parameters are laid out all
/// weights first (layer by layer, row-major out×in), then all biases (spec §7.2).
public struct DynamicFilterShape: Codable, Equatable, Sendable {
    public var featureChannels: Int
    public var hiddenChannels: [Int]
    public var relativeCoordinates: Bool

    public init(featureChannels: Int = 8, hiddenChannels: [Int] = [8, 8], relativeCoordinates: Bool = false) {
        precondition(featureChannels > 0 && hiddenChannels.allSatisfy { $0 > 0 }, "dynamic mask head widths must be positive")
        self.featureChannels = featureChannels
        self.hiddenChannels = hiddenChannels
        self.relativeCoordinates = relativeCoordinates
    }

    /// Input width of the first layer.
    public var inputChannels: Int { featureChannels + (relativeCoordinates ? 2 : 0) }
    /// (out, in) of each layer, the last one producing a single logit.
    public var layerShapes: [(output: Int, input: Int)] {
        let widths = [inputChannels] + hiddenChannels + [1]
        return (0..<(widths.count - 1)).map { (widths[$0 + 1], widths[$0]) }
    }
    /// Weight counts per layer (64, 64, 8 for 8→8→8→1).
    public var weightCounts: [Int] { layerShapes.map { $0.output * $0.input } }
    /// Bias counts per layer (8, 8, 1).
    public var biasCounts: [Int] { layerShapes.map(\.output) }
    /// Total: 153 for 8→8→8→1, 169 with relative coordinates.
    public var parameterCount: Int { weightCounts.reduce(0, +) + biasCounts.reduce(0, +) }
}

/// CondInst-style dynamic filters: each instance's parameters define a per-pixel MLP run over
/// the mask features (spec §7.3), evaluated as batched matrix products.
public struct DynamicFilters: MaskRepresentation {
    public var shape: DynamicFilterShape
    public init(shape: DynamicFilterShape = DynamicFilterShape()) { self.shape = shape }

    public var parameterCount: Int { shape.parameterCount }
    public var featureChannels: Int { shape.featureChannels }

    /// Splits R×P parameters into per-layer weights (R×out×in) and biases (R×out×1).
    public func parse(_ parameters: Variable) -> (weights: [Variable], biases: [Variable]) {
        let r = parameters.shape[0]
        precondition(parameters.shape.count == 2 && parameters.shape[1] == parameterCount,
                     "dynamic filters: parameters \(parameters.shape), expected R×\(parameterCount)")
        let pieces = parameters.split(axis: 1, sizes: shape.weightCounts + shape.biasCounts)
        let layers = shape.layerShapes
        let weights = layers.indices.map { pieces[$0].reshaped([r, layers[$0].output, layers[$0].input]) }
        let biases = layers.indices.map { pieces[layers.count + $0].reshaped([r, layers[$0].output, 1]) }
        return (weights, biases)
    }

    public func maskLogits(features: Variable, parameters: Variable, boxes: Tensor, stride: Int) -> Variable {
        let r = parameters.shape[0], c = features.shape[0], height = features.shape[1], width = features.shape[2]
        precondition(c == shape.featureChannels, "dynamic filters: \(c) feature channels, head expects \(shape.featureChannels)")
        let pixels = height * width
        var input = features.reshaped([c, pixels])
        let (weights, biases) = parse(parameters)
        var hidden: Variable
        if shape.relativeCoordinates {
            // Per instance the input differs (coordinates relative to its box centre): batched R×in×HW.
            input = concat([input.reshaped([1, c, pixels]).expanded(to: [r, c, pixels]),
                            Variable(relativeCoordinates(boxes: boxes, height: height, width: width, stride: stride))], axis: 1)
            hidden = matmul(weights[0], input) + biases[0]
        } else {
            // Shared input: one GEMM (R·out)×C · C×HW for the first layer.
            let first = shape.layerShapes[0]
            hidden = matmul(weights[0].reshaped([r * first.output, first.input]), input).reshaped([r, first.output, pixels]) + biases[0]
        }
        for layer in 1..<weights.count {
            hidden = matmul(weights[layer], hidden.relu()) + biases[layer]
        }
        return hidden.reshaped([r, height, width])
    }

    /// R×2×HW: (x − cx, y − cy) of each stride-`stride` location (centre at stride·i + stride/2)
    /// relative to the box centre, divided by 128 pixels (CondInst's size of interest for P3).
    func relativeCoordinates(boxes: Tensor, height: Int, width: Int, stride: Int) -> Tensor {
        let r = boxes.shape[0], pixels = height * width
        let b = boxes.scalars
        return Tensor(shape: [r, 2, pixels]) { out in
            for i in 0..<r {
                let cx = (b[i * 4] + b[i * 4 + 2]) / 2, cy = (b[i * 4 + 1] + b[i * 4 + 3]) / 2
                for y in 0..<height {
                    for x in 0..<width {
                        out[(i * 2) * pixels + y * width + x] = (Float(x * stride + stride / 2) - cx) / 128
                        out[(i * 2 + 1) * pixels + y * width + x] = (Float(y * stride + stride / 2) - cy) / 128
                    }
                }
            }
        }
    }
}

/// Box-as-mask: the mask is the (constant) indicator of the instance's box, as logits ±`sharpness`.
/// Needs no parameters and carries no mask gradient; a lower bound for the learned representations.
public struct BoxMasks: MaskRepresentation {
    public var sharpness: Float
    public var featureChannels: Int
    public init(featureChannels: Int = 8, sharpness: Float = 10) {
        self.featureChannels = featureChannels
        self.sharpness = sharpness
    }

    public var parameterCount: Int { 0 }

    public func maskLogits(features: Variable, parameters: Variable, boxes: Tensor, stride: Int) -> Variable {
        let r = boxes.shape[0], height = features.shape[1], width = features.shape[2]
        let b = boxes.scalars, s = sharpness
        return Variable(Tensor(shape: [r, height, width]) { out in
            for i in 0..<r {
                for y in 0..<height {
                    let py = Float(y * stride + stride / 2)
                    for x in 0..<width {
                        let px = Float(x * stride + stride / 2)
                        let inside = px >= b[i * 4] && px < b[i * 4 + 2] && py >= b[i * 4 + 1] && py < b[i * 4 + 3]
                        out[(i * height + y) * width + x] = inside ? s : -s
                    }
                }
            }
        })
    }
}
