// Sparse R-CNN's instance interaction (spec §6.3): each proposal feature generates two matrices
// A (D×d) and B (d×D) that act on its own 49×D RoI feature, followed by a flatten and a projection.
import Tensor
import Autodiff
import NN

public final class DynamicConvolution: Module {
    public let dimension: Int
    public let dynamicDimension: Int
    public let dynamicLayer: DenseLayer
    public let norm1: LayerNormalization
    public let norm2: LayerNormalization
    public let outLayer: DenseLayer
    public let norm3: LayerNormalization

    public init(dimension: Int, dynamicDimension: Int, poolerResolution: Int, using generator: inout RandomGenerator) {
        self.dimension = dimension
        self.dynamicDimension = dynamicDimension
        dynamicLayer = DenseLayer(dimension, 2 * dimension * dynamicDimension, using: &generator)
        norm1 = LayerNormalization(dynamicDimension)
        norm2 = LayerNormalization(dimension)
        outLayer = DenseLayer(poolerResolution * poolerResolution * dimension, dimension, using: &generator)
        norm3 = LayerNormalization(dimension)
        super.init()
    }

    /// q: P×D proposal features; roi: P×S×D RoI features (S = 49 rows, s = py·7 + px) → P×D.
    public func callAsFunction(_ q: Variable, roi: Variable) -> Variable {
        let p = q.shape[0], s = roi.shape[1], d = dimension, k = dynamicDimension
        let generated = dynamicLayer(q)
        let halves = generated.split(axis: 1, sizes: [d * k, d * k])
        let a = halves[0].reshaped([p, d, k])  // A[c, j] = p[k·c + j]
        let b = halves[1].reshaped([p, k, d])  // B[j, c] = p[D·k + D·j + c]
        let z1 = norm1.withReLU(matmul(roi, a))  // P×S×k
        let z2 = norm2.withReLU(matmul(z1, b))  // P×S×D
        return norm3.withReLU(outLayer(z2.reshaped([p, s * d])))
    }
}
