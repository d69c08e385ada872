// The diffusion time embedding shared by all decoder stages (spec §6.1): a sinusoidal code of
// dimension D (all sines, then all cosines, ω_k = exp(−k·ln(10000)/(D/2 − 1))) followed by
// Lin(D→4D) → GELU → Lin(4D→4D).
import Foundation
import Tensor
import Autodiff
import NN

public final class TimeEmbedding: Module {
    public let dimension: Int
    public let first: DenseLayer
    public let second: DenseLayer

    public init(dimension: Int, outputDimension: Int, using generator: inout RandomGenerator) {
        self.dimension = dimension
        first = DenseLayer(dimension, outputDimension, using: &generator)
        second = DenseLayer(outputDimension, outputDimension, using: &generator)
        super.init()
    }

    /// B×D sinusoidal codes of integer timesteps.
    public static func sinusoidalCode(timesteps: [Int], dimension: Int) -> Tensor {
        let half = dimension / 2
        let step = Foundation.log(10000.0) / Double(max(half - 1, 1))
        return Tensor(shape: [timesteps.count, dimension]) { out in
            for (b, t) in timesteps.enumerated() {
                for k in 0..<half {
                    let angle = Double(t) * Foundation.exp(-Double(k) * step)
                    out[b * dimension + k] = Float(Foundation.sin(angle))
                    out[b * dimension + half + k] = Float(Foundation.cos(angle))
                }
            }
        }
    }

    /// τ, B×4D.
    public func callAsFunction(timesteps: [Int]) -> Variable {
        second(first(Variable(Self.sinusoidalCode(timesteps: timesteps, dimension: dimension))).gelu())
    }
}
