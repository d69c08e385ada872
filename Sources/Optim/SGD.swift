// Stochastic gradient descent with momentum, PyTorch semantics: d = g + λp; the momentum buffer
// starts as d and then b = μb + (1−dampening)d; the step uses b (or d + μb with Nesterov).

public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, dampening: Float, weightDecay: Float, nesterov: Bool
    public private(set) var stepCount = 0
    public let parameters: [(String, Parameter)]
    /// Parameters (by name) exempt from weight decay, e.g. norm scales and biases.
    public let noWeightDecay: Set<String>
    private var buffers: [String: Tensor] = [:]

    public init(namedParameters: [(String, Parameter)], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false, noWeightDecay: Set<String> = []) {
        self.parameters = namedParameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.noWeightDecay = noWeightDecay
    }

    public convenience init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.init(namedParameters: indexNamed(parameters), learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
    }

    public func step() {
        stepCount += 1
        let (lr, mu, damp, nesterov) = (learningRate, momentum, dampening, self.nesterov)
        for (name, p) in parameters {
            guard let g = p.grad else { continue }
            let wd = noWeightDecay.contains(name) ? 0 : weightDecay
            let n = p.value.count
            let hadBuffer = buffers[name] != nil
            var buffer = buffers.removeValue(forKey: name) ?? (mu != 0 ? Tensor(shape: p.value.shape) : Tensor(shape: [0]))
            p.value.withUnsafeMutablePointer { w in
                g.withUnsafePointer { pg in
                    buffer.withUnsafeMutablePointer { b in
                        Parallel.forEachChunk(n, costPerItem: 4) { r in
                            for i in r {
                                var d = pg[i] + wd * w[i]
                                if mu != 0 {
                                    b[i] = hadBuffer ? mu * b[i] + (1 - damp) * d : d
                                    d = nesterov ? d + mu * b[i] : b[i]
                                }
                                w[i] -= lr * d
                            }
                        }
                    }
                }
            }
            if mu != 0 { buffers[name] = buffer }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var state: [String: Tensor] = ["step": Tensor(Float(stepCount))]
        for (name, b) in buffers { state[name + ".momentum"] = b }
        return state
    }

    public func loadState(_ state: [String: Tensor]) throws {
        stepCount = Int(try stateTensor(state, "step", shape: []).scalar)
        buffers = [:]
        for (name, p) in parameters where state[name + ".momentum"] != nil {
            buffers[name] = try stateTensor(state, name + ".momentum", shape: p.value.shape)
        }
    }
}
