// Reference implementation of variance-recursion.

/// Var of an output of L linear layers with PyTorch's default init: v_l = v_{l-1}/3 + 1/(3 n_{l-1}), v_0 = 1.
func outputVariance(widths: [Int]) -> Double {
    var variance = 1.0
    for width in widths {
        variance = variance / 3 + 1 / (3 * Double(width))
    }
    return variance
}

// Known mistakes.

func outputVarianceWithoutBias(widths: [Int]) -> Double {
    var variance = 1.0
    for _ in widths { variance /= 3 }
    return variance
}

func outputVarianceWithoutOneThird(widths: [Int]) -> Double {
    var variance = 1.0
    for width in widths { variance = variance + 1 / Double(width) }
    return variance
}
