// Reference implementation of parameter-counts.

/// Weights and biases of a 2-D convolution with `groups` groups.
func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    outChannels * (inChannels / groups) * kernelSize * kernelSize + (bias ? outChannels : 0)
}

func resnextNaiveBlock(bias: Bool) -> Int {
    conv2dParameterCount(inChannels: 256, outChannels: 128, kernelSize: 1, groups: 1, bias: bias)
        + conv2dParameterCount(inChannels: 128, outChannels: 128, kernelSize: 3, groups: 1, bias: bias)
        + conv2dParameterCount(inChannels: 128, outChannels: 256, kernelSize: 1, groups: 1, bias: bias)
}

/// One of the 32 paths of the split block.
func resnextPath(bias: Bool) -> Int {
    conv2dParameterCount(inChannels: 256, outChannels: 4, kernelSize: 1, groups: 1, bias: bias)
        + conv2dParameterCount(inChannels: 4, outChannels: 4, kernelSize: 3, groups: 1, bias: bias)
        + conv2dParameterCount(inChannels: 4, outChannels: 256, kernelSize: 1, groups: 1, bias: bias)
}

/// The grouped-convolution form of the split block (a known wrong answer for the 32 separate paths).
func resnextGroupedBlock() -> Int {
    conv2dParameterCount(inChannels: 256, outChannels: 128, kernelSize: 1, groups: 1, bias: true)
        + conv2dParameterCount(inChannels: 128, outChannels: 128, kernelSize: 3, groups: 32, bias: true)
        + conv2dParameterCount(inChannels: 128, outChannels: 256, kernelSize: 1, groups: 1, bias: true)
}

/// Parameters of a stack of linear layers with the given widths.
func mlpParameterCount(widths: [Int], bias: Bool) -> Int {
    zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + (bias ? $1.1 : 0) }
}

// Known mistakes.

func conv2dIgnoringBias(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    outChannels * (inChannels / groups) * kernelSize * kernelSize
}

func conv2dIgnoringGroups(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    outChannels * inChannels * kernelSize * kernelSize + (bias ? outChannels : 0)
}
