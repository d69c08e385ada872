// AdamW with PyTorch semantics: decoupled weight decay p ← p(1 − lr·λ), then Adam with bias
// correction: p ← p − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε).
import Foundation

public final class AdamW: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public private(set) var stepCount = 0
    public let parameters: [(String, Parameter)]
    /// Parameters (by name) exempt from weight decay.
    public let noWeightDecay: Set<String>
    private var firstMoments: [String: Tensor] = [:]
    private var secondMoments: [String: Tensor] = [:]

    public init(namedParameters: [(String, Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 1e-2, noWeightDecay: Set<String> = []) {
        self.parameters = namedParameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.noWeightDecay = noWeightDecay
    }

    public convenience init(parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 1e-2) {
        self.init(namedParameters: indexNamed(parameters), learningRate: learningRate, weightDecay: weightDecay)
    }

    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = Float(1 - Foundation.pow(Double(beta1), t))
        let correction2Root = Float((1 - Foundation.pow(Double(beta2), t)).squareRoot())
        let (lr, b1, b2, eps) = (learningRate, beta1, beta2, epsilon)
        let stepSize = lr / correction1
        for (name, p) in parameters {
            guard let g = p.grad else { continue }
            let decay = 1 - lr * (noWeightDecay.contains(name) ? 0 : weightDecay)
            let n = p.value.count
            var m = firstMoments.removeValue(forKey: name) ?? Tensor(shape: p.value.shape)
            var v = secondMoments.removeValue(forKey: name) ?? Tensor(shape: p.value.shape)
            p.value.withUnsafeMutablePointer { w in
                g.withUnsafePointer { pg in
                    m.withUnsafeMutablePointer { pm in
                        v.withUnsafeMutablePointer { pv in
                            Parallel.forEachChunk(n, costPerItem: 8) { r in
                                // Eight lanes at a time with the scalar tail's exact operation order, so
                                // every element rounds as in the scalar loop (resume equality, fixtures).
                                var i = r.lowerBound
                                let (d8, b18, c18, b28, c28) = (SIMD8<Float>(repeating: decay), SIMD8<Float>(repeating: b1), SIMD8<Float>(repeating: 1 - b1),
                                                                SIMD8<Float>(repeating: b2), SIMD8<Float>(repeating: 1 - b2))
                                let (s8, r8, e8) = (SIMD8<Float>(repeating: stepSize), SIMD8<Float>(repeating: correction2Root), SIMD8<Float>(repeating: eps))
                                while i + 8 <= r.upperBound {
                                    let gi = UnsafeRawPointer(pg + i).loadUnaligned(as: SIMD8<Float>.self)
                                    var wi = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Float>.self) * d8
                                    let mi = b18 * UnsafeRawPointer(pm + i).loadUnaligned(as: SIMD8<Float>.self) + c18 * gi
                                    let vi = b28 * UnsafeRawPointer(pv + i).loadUnaligned(as: SIMD8<Float>.self) + c28 * gi * gi
                                    wi -= s8 * mi / (vi.squareRoot() / r8 + e8)
                                    UnsafeMutableRawPointer(w + i).storeBytes(of: wi, as: SIMD8<Float>.self)
                                    UnsafeMutableRawPointer(pm + i).storeBytes(of: mi, as: SIMD8<Float>.self)
                                    UnsafeMutableRawPointer(pv + i).storeBytes(of: vi, as: SIMD8<Float>.self)
                                    i += 8
                                }
                                while i < r.upperBound {
                                    w[i] *= decay
                                    pm[i] = b1 * pm[i] + (1 - b1) * pg[i]
                                    pv[i] = b2 * pv[i] + (1 - b2) * pg[i] * pg[i]
                                    w[i] -= stepSize * pm[i] / (pv[i].squareRoot() / correction2Root + eps)
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
            firstMoments[name] = m
            secondMoments[name] = v
        }
    }

    public func stateDict() -> [String: Tensor] {
        var state: [String: Tensor] = ["step": Tensor(Float(stepCount))]
        for (name, m) in firstMoments { state[name + ".expAvg"] = m }
        for (name, v) in secondMoments { state[name + ".expAvgSq"] = v }
        return state
    }

    public func loadState(_ state: [String: Tensor]) throws {
        stepCount = Int(try stateTensor(state, "step", shape: []).scalar)
        firstMoments = [:]
        secondMoments = [:]
        for (name, p) in parameters where state[name + ".expAvg"] != nil || state[name + ".expAvgSq"] != nil {
            firstMoments[name] = try stateTensor(state, name + ".expAvg", shape: p.value.shape)
            secondMoments[name] = try stateTensor(state, name + ".expAvgSq", shape: p.value.shape)
        }
    }
}
