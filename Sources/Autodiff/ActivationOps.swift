// Differentiable activations on `Variable`; forward and fused backward kernels live in
// Tensor/Activation.swift.
import Tensor

extension Variable {
    public func relu() -> Variable {
        let x = value
        return Variable.record(x.relu(), op: "relu", inputs: [self]) { g in [x.reluBackward(g)] }
    }
    /// GELU, erf form (PyTorch `approximate='none'`).
    public func gelu() -> Variable {
        let x = value
        return Variable.record(x.gelu(), op: "gelu", inputs: [self]) { g in [x.geluBackward(g)] }
    }
    public func silu() -> Variable {
        let x = value
        return Variable.record(x.silu(), op: "silu", inputs: [self]) { g in [x.siluBackward(g)] }
    }
    public func sigmoid() -> Variable {
        let y = value.sigmoid()
        return Variable.record(y, op: "sigmoid", inputs: [self]) { g in [y.sigmoidBackwardFromOutput(g)] }
    }
    public func tanh() -> Variable {
        let y = value.tanh()
        return Variable.record(y, op: "tanh", inputs: [self]) { g in [y.tanhBackwardFromOutput(g)] }
    }
    /// log(1 + eˣ), computed stably.
    public func softplus() -> Variable {
        let x = value
        return Variable.record(x.softplus(), op: "softplus", inputs: [self]) { g in [x.softplusBackward(g)] }
    }
}

/// ReLU(a + b) for equal shapes in one pass (residual blocks): both inputs receive the same gated gradient.
public func addReLU(_ a: Variable, _ b: Variable) -> Variable {
    precondition(a.shape == b.shape, "addReLU: shapes \(a.shape) and \(b.shape) differ")
    let out = a.value.zipElements(b.value, AddReLU.self)
    return Variable.record(out, op: "addReLU", inputs: [a, b]) { g in
        let gated = out.reluBackward(g)
        return [gated, gated]
    }
}
