// Multi-head self-attention across the N proposals of each image (spec §6.2 step 3): PyTorch
// layout (one 3D×D in-projection, rows Q, K, V, with bias; out-projection D×D), scale 1/√(D/h),
// no positional encoding, no masking. Images never attend to each other.
import Foundation
import Tensor
import Autodiff
import NN

public final class ProposalSelfAttention: Module {
    public let heads: Int
    public let inProjectionWeight: Parameter
    public let inProjectionBias: Parameter
    public let outProjection: DenseLayer

    public init(dimension: Int, heads: Int, using generator: inout RandomGenerator) {
        precondition(dimension % heads == 0, "attention: dimension \(dimension) not divisible by \(heads) heads")
        self.heads = heads
        inProjectionWeight = Parameter(HeadInitialization.xavierUniform(shape: [3 * dimension, dimension], using: &generator))
        inProjectionBias = Parameter(Tensor(shape: [3 * dimension], repeating: 0))
        outProjection = DenseLayer(dimension, dimension, using: &generator)
        outProjection.bias?.value = Tensor(shape: [dimension], repeating: 0)
        super.init()
    }

    /// x: B×N×D → B×N×D.
    public func callAsFunction(_ x: Variable) -> Variable {
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let headDimension = d / heads
        let projected = linear(x.reshaped([b * n, d]), weight: inProjectionWeight, bias: inProjectionBias)
        // (B·N)×3D → 3 × B×h×N×dh
        let qkv = projected.reshaped([b, n, 3, heads, headDimension]).permuted([2, 0, 3, 1, 4])
        let parts = qkv.split(axis: 0, sizes: [1, 1, 1]).map { $0.reshaped([b * heads, n, headDimension]) }
        let scores = matmul(parts[0], parts[1], transposeB: true) * (1 / Float(headDimension).squareRoot())
        let attended = matmul(softmax(scores, axis: 2), parts[2])  // (B·h)×N×dh
        let merged = attended.reshaped([b, heads, n, headDimension]).permuted([0, 2, 1, 3]).reshaped([b * n, d])
        return outProjection(merged).reshaped([b, n, d])
    }
}
