/// A command's discussion with each paragraph on one line, so that `--help` wraps it to the terminal's width:
/// ArgumentParser keeps the line breaks it is given and wraps each line on its own, which cut sentences in two.
/// Indented lines (examples, lists) keep their breaks, as do lines after one ending in `:`.
func reflowed(_ text: String) -> String {
    var lines: [String] = []
    var joinable = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        let indented = line.first?.isWhitespace == true
        if joinable && !line.isEmpty && !indented {
            lines[lines.count - 1] += " " + line
        } else {
            lines.append(line)
        }
        joinable = !line.isEmpty && !indented && !line.hasSuffix(":")
    }
    return lines.joined(separator: "\n")
}
