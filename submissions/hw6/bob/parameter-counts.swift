// Ignores groups.
func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    outChannels * inChannels * kernelSize * kernelSize + (bias ? outChannels : 0)
}
