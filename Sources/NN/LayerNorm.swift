// Layer normalisation over the last axis with learned scale and shift (PyTorch `nn.LayerNorm`).

public final class LayerNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let eps: Float

    /// weight = 1, bias = 0, as PyTorch.
    public init(_ size: Int, eps: Float = 1e-5) {
        weight = Parameter(Tensor(shape: [size], repeating: 1))
        bias = Parameter(Tensor(shape: [size], repeating: 0))
        self.eps = eps
        super.init()
    }

    /// x [..., size] → same shape.
    public func callAsFunction(_ x: Variable) -> Variable { layerNorm(x, weight: weight, bias: bias, eps: eps) }
}
