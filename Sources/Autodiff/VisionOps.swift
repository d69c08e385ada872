// Differentiable vision ops (NCHW): conv2d, max pooling, nearest / bilinear / aligned-bilinear
// resizing, RoIAlign (single and multi-level) and channel normalisations. Each forwards to its Tensor
// kernel and records a pullback that calls the matching backward kernel.
import Tensor

/// 2-D convolution. x N×Cin×H×W, weight Cout×(Cin/groups)×kh×kw, bias Cout → N×Cout×H'×W'.
public func conv2d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Variable {
    let value = conv2d(x.value, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                       dilation: dilation, groups: groups)
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let (xv, wv) = (x.value, weight.value)
    let (needX, needW, needB) = (x.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false)
    return Variable.record(value, op: "conv2d", inputs: inputs) { g in
        let grads = conv2dBackward(g, input: xv, weight: wv, stride: stride, padding: padding, dilation: dilation,
                                   groups: groups, needInput: needX, needWeight: needW, needBias: needB)
        return [grads.input, grads.weight] + (inputs.count == 3 ? [grads.bias] : [])
    }
}

/// Max pooling over k×k windows (−∞ padding); the gradient flows to each window's maximum.
public func maxPool2d(_ x: Variable, kernel: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
    let result = maxPool2d(x.value, kernel: kernel, stride: stride, padding: padding)
    let inputShape = x.shape, indices = result.indices
    return Variable.record(result.output, op: "maxPool2d", inputs: [x]) { g in
        [maxPool2dBackward(g, indices: indices, inputShape: inputShape)]
    }
}

/// Nearest upsampling by an integer factor: output pixel j copies input pixel ⌊j/f⌋ (spec §3).
public func upsampleNearest(_ x: Variable, factor: Int) -> Variable {
    Variable.record(upsampleNearest(x.value, factor: factor), op: "upsampleNearest", inputs: [x]) { g in
        [upsampleNearestBackward(g, factor: factor)]
    }
}

/// Bilinear resize, half-pixel centres (PyTorch align_corners=False).
public func resizeBilinear(_ x: Variable, height: Int, width: Int) -> Variable {
    let shape = x.shape
    return Variable.record(resizeBilinear(x.value, height: height, width: width), op: "resizeBilinear", inputs: [x]) { g in
        [resizeBilinearBackward(g, inputShape: shape)]
    }
}

/// CondInst aligned bilinear ×f upsampling (spec §5).
public func alignedBilinearUpsample(_ x: Variable, factor: Int) -> Variable {
    Variable.record(alignedBilinearUpsample(x.value, factor: factor), op: "alignedBilinearUpsample", inputs: [x]) { g in
        [alignedBilinearUpsampleBackward(g, factor: factor)]
    }
}

/// RoIAlign (spec §4). feature N×C×H×W, boxes R×5 (batch, x1, y1, x2, y2) in input pixels → R×C×S×S.
/// Boxes are constants (the model detaches them).
public func roiAlign(_ feature: Variable, boxes: Tensor, outputSize: Int, spatialScale: Float,
                     samplingRatio: Int, aligned: Bool) -> Variable {
    let settings = RoIAlignSettings(outputSize: outputSize, spatialScale: spatialScale, samplingRatio: samplingRatio, aligned: aligned)
    let shape = feature.shape
    return Variable.record(roiAlign(feature.value, boxes: boxes, settings: settings), op: "roiAlign", inputs: [feature]) { g in
        [roiAlignBackward(g, featureShape: shape, boxes: boxes, settings: settings)]
    }
}

/// Multi-level RoIAlign: each box is pooled from the level the spec §4 rule assigns
/// (`features[k − minLevel]` with scale `scales[k − minLevel]`); rows keep the order of `boxes`.
public func multiLevelRoIAlign(_ features: [Variable], boxes: Tensor, scales: [Float], outputSize: Int,
                               samplingRatio: Int, aligned: Bool, minLevel: Int = 2,
                               canonicalLevel: Int = 4, canonicalSize: Float = 224, channelsLast: Bool = false) -> Variable {
    precondition(!features.isEmpty && features.count == scales.count, "multiLevelRoIAlign: \(features.count) features for \(scales.count) scales")
    let channels = features[0].shape[1]
    precondition(features.allSatisfy { $0.shape[1] == channels }, "multiLevelRoIAlign: levels differ in channel count")
    let levels = assignRoILevels(boxes: boxes, minLevel: minLevel, maxLevel: minLevel + features.count - 1,
                                 canonicalLevel: canonicalLevel, canonicalSize: canonicalSize)
    let count = boxes.shape[0], binSize = channels * outputSize * outputSize
    let boxScalars = boxes.scalars
    // Per level: which rows of the output it fills and its own box tensor.
    let members = (0..<features.count).map { level in (0..<count).filter { levels[$0] == level } }
    let levelBoxes = members.map { rows in Tensor(shape: [rows.count, 5], scalars: rows.flatMap { boxScalars[$0 * 5..<$0 * 5 + 5] }) }
    let settings = scales.map { RoIAlignSettings(outputSize: outputSize, spatialScale: $0, samplingRatio: samplingRatio, aligned: aligned) }
    var output = Tensor(shape: channelsLast ? [count, outputSize * outputSize, channels] : [count, channels, outputSize, outputSize])
    output.withUnsafeMutablePointer { out in
        for level in features.indices where !members[level].isEmpty {
            let pooled = roiAlign(features[level].value, boxes: levelBoxes[level], settings: settings[level], channelsLast: channelsLast)
            pooled.withUnsafePointer { p in
                for (k, row) in members[level].enumerated() { (out + row * binSize).update(from: p + k * binSize, count: binSize) }
            }
        }
    }
    let shapes = features.map(\.shape)
    return Variable.record(output, op: "multiLevelRoIAlign", inputs: features) { g in
        g.withUnsafePointer { gp in
            (0..<shapes.count).map { level -> Tensor? in
                let rows = members[level]
                guard !rows.isEmpty else { return Tensor(shape: shapes[level]) }
                let levelGrad = Tensor(shape: channelsLast ? [rows.count, outputSize * outputSize, channels] : [rows.count, channels, outputSize, outputSize]) { lg in
                    for (k, row) in rows.enumerated() { (lg + k * binSize).update(from: gp + row * binSize, count: binSize) }
                }
                return roiAlignBackward(levelGrad, featureShape: shapes[level], boxes: levelBoxes[level], settings: settings[level],
                                        channelsLast: channelsLast)
            }
        }
    }
}
