// Reference implementation of parameter-counts.

/// Weights and biases of a 2-D convolution with `groups` groups.
func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    outChannels * (inChannels / groups) * kernelSize * kernelSize + (bias ? outChannels : 0)
}

/// The bottleneck block: 1x1 conv channels->width, 3x3 conv width->width, 1x1 conv width->channels.
func resnextNaiveBlock(channels: Int, width: Int, bias: Bool) -> Int {
    conv2dParameterCount(inChannels: channels, outChannels: width, kernelSize: 1, groups: 1, bias: bias)
        + conv2dParameterCount(inChannels: width, outChannels: width, kernelSize: 3, groups: 1, bias: bias)
        + conv2dParameterCount(inChannels: width, outChannels: channels, kernelSize: 1, groups: 1, bias: bias)
}

/// One path of the split block, `width` channels wide.
func resnextPath(channels: Int, width: Int, bias: Bool) -> Int {
    resnextNaiveBlock(channels: channels, width: width, bias: bias)
}

/// The grouped-convolution form of the split block (a known wrong answer for the separate paths).
func resnextGroupedBlock(channels: Int, width: Int, cardinality: Int) -> Int {
    conv2dParameterCount(inChannels: channels, outChannels: width, kernelSize: 1, groups: 1, bias: true)
        + conv2dParameterCount(inChannels: width, outChannels: width, kernelSize: 3, groups: cardinality, bias: true)
        + conv2dParameterCount(inChannels: width, outChannels: channels, kernelSize: 1, groups: 1, bias: true)
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
