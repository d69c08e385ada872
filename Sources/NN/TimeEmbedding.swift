// Sinusoidal timestep code (spec §6.1): for k = 0..half−1, ω_k = exp(−k·ln(10000)/(half−1));
// e(t) = [sin(t·ω_0) … sin(t·ω_{half−1}), cos(t·ω_0) … cos(t·ω_{half−1})] — all sines first.
import Foundation

public final class SinusoidalTimeEmbedding: Module {
    public let dimension: Int

    public init(dimension: Int) {
        precondition(dimension >= 4 && dimension % 2 == 0, "time embedding dimension must be even and ≥ 4, got \(dimension)")
        self.dimension = dimension
        super.init()
    }

    /// Timesteps [B] → codes [B, dimension] (a constant: nothing to learn, no gradient).
    public func callAsFunction(_ timesteps: Tensor) -> Variable {
        let half = dimension / 2, n = timesteps.count
        let scale = Foundation.log(10000.0) / Double(half - 1)
        let t = timesteps.scalars
        return Variable(Tensor(shape: [n, dimension]) { p in
            for i in 0..<n {
                for k in 0..<half {
                    // Float32 like the reference: frequencies and arguments computed in single precision.
                    let omega = Float(Foundation.exp(-Double(k) * scale))
                    let angle = t[i] * omega
                    p[i * dimension + k] = Foundation.sin(angle)
                    p[i * dimension + half + k] = Foundation.cos(angle)
                }
            }
        })
    }

    public func callAsFunction(_ timesteps: [Int]) -> Variable {
        callAsFunction(Tensor(shape: [timesteps.count], scalars: timesteps.map(Float.init)))
    }
}
